"""Activity segments: the adaptive noise floor never leaves a channel stuck "on" after a noisy
or active start, chunking never changes the result, and per segment the fatigue trend and the
left/right symmetry come out of the engine's own formulas."""

from __future__ import annotations

import numpy as np
import pytest

from engine.activity_segments import (
    AdaptiveOnsetDetector,
    analyse_activity,
    partner_channels,
    segments_from,
)
from engine.messages import ChannelInfo, Side
from engine.symmetry import symmetry_angle_pct

RATE = 1000
BAND = (20.0, 450.0)


def _noise(seconds: float, sd: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, sd, round(seconds * RATE))


def _channel(*parts: tuple[float, float]) -> np.ndarray:
    """Stretches of (seconds, sd) of white noise, one after the other."""
    return np.concatenate([_noise(s, sd, i) for i, (s, sd) in enumerate(parts)])


def _segments(band: np.ndarray, chunk: int | None = None) -> list:
    detector = AdaptiveOnsetDetector(RATE, band.shape[1])
    flagged = np.zeros(band.shape, dtype=bool)
    step = chunk or band.shape[0]
    transitions = []
    for start in range(0, band.shape[0], step):
        transitions += detector.process(band[start:start + step], flagged[start:start + step],
                                        start)
    return segments_from(transitions, band.shape[0])


@pytest.mark.parametrize("start", [("noisy", 60.0), ("active", 150.0)])
def test_a_noisy_or_active_start_never_leaves_the_channel_on(start):
    band = _channel((3.0, start[1]), (5.0, 5.0), (2.0, 150.0), (3.0, 5.0))[:, None]
    segments = _segments(band)
    assert all(s.closed for s in segments)
    burst = [s for s in segments if s.start_index >= 3 * RATE]
    assert len(burst) == 1
    assert abs(burst[0].start_index - 8 * RATE) < 0.05 * RATE
    assert abs(burst[0].end_index - 10 * RATE) < 0.2 * RATE
    assert segments[-1].end_index < 11 * RATE


def test_nothing_switches_on_before_a_first_clean_second():
    band = _channel((0.9, 500.0), (3.0, 5.0))[:, None]
    assert _segments(band) == []


def test_chunking_never_changes_the_segments():
    band = np.stack([_channel((2.0, 5.0), (1.5, 120.0), (3.0, 5.0)),
                     _channel((4.0, 5.0), (1.0, 80.0), (1.5, 5.0))], axis=1)
    whole = _segments(band)
    assert len(whole) == 2
    assert _segments(band, chunk=37) == whole
    assert _segments(band, chunk=1000) == whole


def test_fatigue_and_symmetry_per_segment():
    n = 14 * RATE
    t = np.arange(n) / RATE
    active = (t >= 2) & (t < 12)
    # A falling carrier in the active stretch: its median frequency drops 120 → 80 Hz.
    freq = 120 - 40 * np.clip((t - 2) / 10, 0, 1)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    left = np.where(active, 200 * np.sin(phase), 0) + _noise(14, 3.0, 1)
    right = np.where(active, 100 * np.sin(phase), 0) + _noise(14, 3.0, 2)
    band = np.stack([left, right], axis=1)
    envelope = np.abs(band)
    pct = np.where(active[:, None], np.array([[40.0, 20.0]]), 0.0)
    channels = [ChannelInfo("VL-L", "quadriceps", Side.LEFT),
                ChannelInfo("VL-R", "quadriceps", Side.RIGHT)]
    report = analyse_activity(band, envelope, pct, np.zeros(band.shape, dtype=bool), RATE,
                              channels, BAND)
    assert len(report.measures) == 2
    for measure in report.measures:
        assert measure.segment.closed
        assert measure.mdf_points >= 15
        assert measure.mdf_start_hz == pytest.approx(120, abs=8)
        # 120 → 80 Hz over 10 s: about −3.3 % of the start per second.
        assert measure.mdf_slope_pct_per_s == pytest.approx(-100 * 4 / 120, rel=0.2)
        assert measure.symmetry_angle_pct == pytest.approx(symmetry_angle_pct(40, 20), abs=1)
        assert measure.partner == 1 - measure.segment.channel
    assert report.noise_floor[0] == pytest.approx(3.0 * np.sqrt(2 / np.pi), rel=0.2)


def test_no_percent_mvc_without_calibration_and_none_from_flagged_samples():
    band = _channel((2.0, 5.0), (2.0, 150.0), (2.0, 5.0))[:, None]
    flagged = np.zeros(band.shape, dtype=bool)
    report = analyse_activity(band, np.abs(band), None, flagged, RATE,
                              [ChannelInfo("a", "biceps", Side.LEFT)], BAND)
    assert report.measures[0].mean_pct_mvc is None
    assert report.measures[0].symmetry_angle_pct is None
    pct = np.full(band.shape, 30.0)
    flagged[2500:4000] = True
    pct[2500:4000] = 1e6  # what a flagged stretch must never contribute
    report = analyse_activity(band, np.abs(band), pct, flagged, RATE,
                              [ChannelInfo("a", "biceps", Side.LEFT)], BAND)
    assert report.measures[0].mean_pct_mvc == pytest.approx(30.0)
    assert report.measures[0].flagged_fraction > 0.5


def test_partners_are_the_same_muscle_on_the_other_side():
    channels = [ChannelInfo("a", "quadriceps", Side.LEFT), ChannelInfo("b", "hamstrings",
                Side.RIGHT), ChannelInfo("c", "quadriceps", Side.RIGHT),
                ChannelInfo("d", "", Side.LEFT)]
    assert partner_channels(channels) == [2, None, 0, None]
