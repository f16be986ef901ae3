"""Artefacts never reach the envelope: wild samples are held out of the filters, the filters
restart where a flagged span ends, and the samples while they settle are flagged SETTLING.

Each case runs the same contraction twice, clean and with an artefact, and checks that every
sample left unflagged in the artefact run has the clean run's envelope.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dsp import Pipeline, PipelineConfig
from engine.dsp.settling import band_settling_samples
from engine.errors import ConfigError
from engine.messages import ChannelInfo, QualityFlag, SampleFrame, SourceInfo

RATE = 2000.0
N = 12_000  # 6 s
ARTEFACT_AT = 4000  # 2 s in: well after the start-up transient
CHUNK = 40
# An unflagged envelope may differ from the clean run's by this share of the contraction's
# envelope: the restarted band-pass lacks ≤ 1 % of its input's past (−40 dB), the envelope
# low-pass is within 2 % of its input.
TOLERANCE = 0.04


def _info(dtype: str) -> SourceInfo:
    channels = tuple(ChannelInfo(f"ch{i}", "quadriceps") for i in range(2))
    return SourceInfo("dev", "test", "test", RATE, channels, dtype=dtype)


def _contraction(seed: int = 0) -> np.ndarray:
    """Two channels of a steady contraction (about 200 µV RMS) on an 800 µV electrode offset,
    with 40 µV of mains."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)[:, None] / RATE
    return rng.standard_normal((N, 2)) * 200.0 + 800.0 + 40.0 * np.sin(2 * np.pi * 50 * t)


def _run(data: np.ndarray, dtype: str = "<f8", cuts: list[int] | None = None):
    pipeline = Pipeline(PipelineConfig.for_source(_info(dtype)))
    bounds = [0, *sorted(set(cuts or range(CHUNK, N, CHUNK))), N]
    blocks = [
        pipeline.process(SampleFrame("dev", seq, a, 0, data[a:b].astype(dtype)))
        for seq, (a, b) in enumerate(itertools.pairwise(bounds))
    ]
    envelope = np.concatenate([b.envelope_uv for b in blocks])
    quality = np.concatenate([b.quality for b in blocks])
    return pipeline, envelope, quality


def _assert_unflagged_match_clean(data: np.ndarray, dtype: str = "<f8") -> np.ndarray:
    _, clean, clean_quality = _run(_contraction(), dtype)
    pipeline, envelope, quality = _run(data, dtype)
    assert np.isfinite(envelope).all()
    level = float(np.mean(clean[ARTEFACT_AT:, 0]))
    usable = (quality == 0) & (clean_quality == 0)
    usable[:ARTEFACT_AT] = False
    error = np.abs(envelope - clean)[usable]
    assert error.max() <= TOLERANCE * level, (error.max(), level)
    # The artefact's channel is judged again once it has settled.
    after = ARTEFACT_AT + 2 * pipeline.settle_n + round(0.5 * RATE)
    assert (quality[after:, 0] == 0).all()
    return quality


def test_wild_samples_are_flagged_and_held_out_of_the_filters():
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 10, 0] = 1e300  # 5 ms
    data[ARTEFACT_AT + 3, 0] = -1e300
    quality = _assert_unflagged_match_clean(data)
    assert (quality[ARTEFACT_AT : ARTEFACT_AT + 10, 0] & QualityFlag.SATURATED).all()
    assert not quality[ARTEFACT_AT:, 1].any()


def test_a_one_volt_artefact_leaves_no_ringing_behind():
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 100, 0] += 1e6
    quality = _assert_unflagged_match_clean(data)
    assert (quality[ARTEFACT_AT : ARTEFACT_AT + 100, 0] & QualityFlag.SATURATED).all()


def test_an_artefact_within_the_limit_restarts_the_filters_once_flagged():
    """300 mV stays under the limit: the window checks flag it as lift-off, late, after the
    filters have taken it in; the restart where the flags end throws that away."""
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 100, 0] += 300_000.0
    quality = _assert_unflagged_match_clean(data)
    assert (quality[ARTEFACT_AT + 200 : ARTEFACT_AT + 300, 0] & QualityFlag.LIFT_OFF).all()


def test_rail_saturation_during_a_contraction():
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 600, 0] = 32767.0  # 0.3 s at the upper rail
    quality = _assert_unflagged_match_clean(np.clip(data, -32768, 32767), dtype="<i2")
    assert (quality[ARTEFACT_AT : ARTEFACT_AT + 600, 0] & QualityFlag.SATURATED).all()


def test_settling_follows_the_end_of_the_span_for_exactly_the_settling_time():
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 10, 0] = np.nan
    pipeline, _, quality = _run(data)
    artefact = (quality[:, 0] & (QualityFlag.NONFINITE | QualityFlag.SATURATED)) != 0
    end = int(np.flatnonzero(artefact)[-1]) + 1
    # Spans end on quality-window boundaries (windows counted from the first sample).
    assert end % round(0.05 * RATE) == 0
    settling = np.flatnonzero(quality[:, 0] & QualityFlag.SETTLING)
    assert settling[0] == end
    assert settling[-1] == end + pipeline.settle_n - 1
    assert len(settling) == pipeline.settle_n
    assert not quality[:, 1].any()


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=N - 1), max_size=40))
def test_artefact_handling_is_the_same_however_the_stream_is_chunked(cuts):
    data = _contraction()
    data[ARTEFACT_AT : ARTEFACT_AT + 30, 0] = np.inf
    data[ARTEFACT_AT + 2500 : ARTEFACT_AT + 2700, 1] += 300_000.0
    data[ARTEFACT_AT + 5000 : ARTEFACT_AT + 5003, :] = 1e200
    _, reference, reference_quality = _run(data)
    _, envelope, quality = _run(data, cuts=cuts)
    np.testing.assert_array_equal(envelope, reference)
    np.testing.assert_array_equal(quality, reference_quality)


def test_settling_time_comes_from_the_filter_design():
    pipeline = Pipeline(PipelineConfig.for_source(_info("<f8")))
    band = band_settling_samples(pipeline.band_sos, RATE)
    # The 2 Hz mains notches ring longest; the 10 Hz envelope adds about 0.1 s.
    assert 0.3 <= band / RATE <= 0.6
    assert 0.4 <= pipeline.settle_n / RATE <= 0.7
    no_notches = Pipeline(PipelineConfig.for_source(_info("<f8"), mains_hz=None))
    assert no_notches.settle_n < pipeline.settle_n / 2
    with pytest.raises(ConfigError, match="settle"):
        Pipeline(PipelineConfig.for_source(_info("<f8"), envelope_cutoff_hz=0.05))
