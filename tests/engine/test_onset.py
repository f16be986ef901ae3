"""Onset detection scored against the virtual patient's true onsets."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SignalError
from engine.onset import OnsetConfig, OnsetDetector
from sensors.virtual_patient import script as s
from tests.engine.virtual_session import run_session

RATE = 2000
REST_S = 62.0


@pytest.fixture(scope="module")
def session():
    script = s.rest(REST_S) + s.quad_sets(8, level=0.3, hold_s=3.0, rest_s=3.0, ramp_s=0.05)
    return run_session(script, seed=11)


def _detect(session, config=None, chunk=None):
    band = session.band_uv
    detector = OnsetDetector.from_rest(band[2 * RATE : 4 * RATE], RATE, config)
    start = 4 * RATE
    if chunk is None:
        return detector.process(band[start:], start)
    found = []
    for i in range(start, band.shape[0], chunk):
        found += detector.process(band[i : i + chunk], i)
    return found


def test_onsets_within_30_ms_and_at_most_one_false_onset_per_minute_of_rest(session):
    transitions = _detect(session)
    rest_end = round(REST_S * RATE)
    rest_minutes = (REST_S - 4.0) / 60
    errors = []
    for channel in range(4):
        onsets = [t.index for t in transitions if t.channel == channel and t.kind == "onset"]
        truth = session.patient.true_onsets(channel)
        if not truth:  # hamstrings rest throughout: every onset is false
            assert len(onsets) <= (session.patient.script.duration_s - 4) / 60
            continue
        false_in_rest = [i for i in onsets if i < rest_end]
        assert len(false_in_rest) <= rest_minutes
        assert len(onsets) - len(false_in_rest) == len(truth)
        for true_index in truth:
            errors.append(min(abs(i - true_index) for i in onsets) / RATE)
    assert np.mean(errors) <= 0.030, errors


def test_every_onset_has_an_offset_and_decision_latency_is_hold_plus_delay(session):
    band = session.band_uv
    detector = OnsetDetector.from_rest(band[2 * RATE : 4 * RATE], RATE)
    transitions = detector.process(band[4 * RATE :], 4 * RATE)
    quad = [t for t in transitions if t.channel == 0]
    assert [t.kind for t in quad] == ["onset", "offset"] * 8
    latency = round(OnsetConfig().min_on_s * RATE) - 1 + round(detector.delay_s * RATE)
    assert all(t.detected_index - t.index == latency for t in quad if t.kind == "onset")


def test_chunking_does_not_change_transitions(session):
    assert _detect(session, chunk=37) == _detect(session)


def test_tkeo_conditioning_also_finds_the_onsets(session):
    transitions = _detect(session, OnsetConfig(conditioning="tkeo"))
    onsets = [t.index for t in transitions if t.channel == 1 and t.kind == "onset"]
    truth = session.patient.true_onsets(1)
    assert len(onsets) == len(truth)
    assert np.mean([min(abs(i - t) for i in onsets) for t in truth]) / RATE < 0.05


def test_detector_needs_enough_rest_and_ordered_chunks(session):
    with pytest.raises(SignalError, match="rest"):
        OnsetDetector.from_rest(session.band_uv[:100], RATE)
    detector = OnsetDetector.from_rest(session.band_uv[: 2 * RATE], RATE)
    detector.process(session.band_uv[:100], 0)
    with pytest.raises(SignalError, match="expected sample 100"):
        detector.process(session.band_uv[200:300], 200)
