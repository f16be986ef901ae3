"""Median-frequency fatigue tracking scored against the virtual patient's true slope."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SignalError
from engine.fatigue import FatigueTracker, fatigue_trend, median_frequency_hz
from sensors.virtual_patient import PatientConfig
from sensors.virtual_patient import script as s
from tests.engine.virtual_session import run_session

RATE = 2000


def _track(fatigue_pct_per_s: float, seed: int = 1) -> tuple[FatigueTracker, float]:
    script = s.rest(3.0) + s.hold(0.6, 40.0, ramp_s=0.5) + s.rest(2.0)
    config = PatientConfig(snr_db=20, fatigue_pct_per_s=fatigue_pct_per_s)
    session = run_session(script, seed=seed, chunk=100, config=config)
    tracker = FatigueTracker(RATE, 4, session.pipeline.config.band_hz)
    true_mvc = session.patient.true_mvc_uv
    for i, block in enumerate(session.blocks):
        active = (block.envelope_uv > 0.25 * true_mvc) & (block.quality == 0)
        tracker.process(session.band_uv[i * 100 : (i + 1) * 100], active, block.first_index)
    return tracker, session.patient.true_fatigue_slope_pct_per_s


def test_fatigue_slope_has_the_right_sign_and_is_within_25_percent():
    tracker, truth = _track(0.5)
    assert truth == -0.5
    for channel in (0, 1):
        trend = tracker.trend(channel)
        assert trend.slope_pct_per_s < 0
        assert trend.slope_pct_per_s == pytest.approx(truth, rel=0.25)
        assert trend.n_points >= 70
        assert 80 < trend.start_hz < 150
    assert not [p for p in tracker.points if p.channel >= 2]  # hamstrings rest


def test_fresh_muscle_shows_no_trend():
    tracker, _ = _track(0.0, seed=2)
    assert abs(tracker.trend(0).slope_pct_per_s) < 0.1


def test_median_frequency_of_a_known_spectrum():
    rng = np.random.default_rng(0)
    white = rng.standard_normal((20000, 1))
    mdf = median_frequency_hz(white, RATE, (20.0, 420.0))
    assert mdf[0] == pytest.approx(220.0, abs=8.0)
    t = np.arange(4000) / RATE
    tone = np.sin(2 * np.pi * 97.0 * t)[:, None]
    assert median_frequency_hz(tone, RATE, (20.0, 450.0))[0] == pytest.approx(97.0, abs=2.0)


def test_trend_needs_points_and_reports_percent_of_start():
    trend = fatigue_trend([0, 10, 20, 30], [100.0, 95.0, 90.0, 85.0])
    assert trend.slope_pct_per_s == pytest.approx(-0.5)
    assert trend.start_hz == pytest.approx(100.0)
    with pytest.raises(SignalError, match="three"):
        fatigue_trend([0, 1], [1.0, 2.0])
