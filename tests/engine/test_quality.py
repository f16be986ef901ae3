"""Signal-quality flags on the virtual patient: artefacts flagged fast, clean signal left alone."""

from __future__ import annotations

import numpy as np
import pytest

from engine.dsp import Pipeline, PipelineConfig
from engine.dsp.quality import QualityConfig, QualityMonitor, describe
from engine.messages import ChannelInfo, QualityFlag, SampleFrame, SourceInfo
from sensors.virtual_patient import PatientConfig
from sensors.virtual_patient import script as s
from tests.engine.virtual_session import run_session

RATE = 2000
ALL = ("quadriceps", "hamstrings")


def _first_flag(session, channel: int, flag: QualityFlag, from_s: float) -> float:
    hits = np.flatnonzero(session.quality[:, channel] & flag)
    hits = hits[hits >= from_s * RATE]
    assert hits.size, f"{flag.name} never flagged"
    return hits[0] / RATE - from_s


@pytest.mark.parametrize("seed", [0, 1])
def test_lift_off_is_flagged_within_100_ms(seed):
    session = run_session(s.lift_off_during_hold("L-quad", at_s=5.0), seed=seed)
    assert 0 <= _first_flag(session, 0, QualityFlag.LIFT_OFF, 5.0) <= 0.1
    assert not (session.quality[:, 1] & QualityFlag.LIFT_OFF).any()


@pytest.mark.parametrize("at_s", [3.0, 3.037])
def test_saturation_is_flagged_within_100_ms(at_s):
    script = (s.rest(2.0) + s.hold(0.5, 4.0)).with_artefacts(
        s.Artefact("saturation", at_s, 0.3, ("R-quad",))
    )
    session = run_session(script, seed=2)
    assert 0 <= _first_flag(session, 1, QualityFlag.SATURATED, at_s) <= 0.1
    # The envelope still rings after the rails: the flag is held past the artefact.
    assert session.quality[int((at_s + 0.35) * RATE), 1] & QualityFlag.SATURATED


def test_clean_session_has_no_flags():
    script = s.rest(3.0) + s.mvc_trials(3, recover_s=3.0, muscles=ALL) + s.quad_sets(3)
    session = run_session(script, seed=5)
    assert not session.quality.any(), describe(int(np.bitwise_or.reduce(session.quality.ravel())))


def test_mains_and_movement_are_flagged():
    script = (s.rest(2.0) + s.hold(0.3, 6.0)).with_artefacts(
        s.Artefact("mains", 3.0, 2.0, ("L-ham",), amplitude_uv=400.0),
        s.Artefact("movement", 6.0, 0.3, ("R-ham",)),
    )
    session = run_session(script, seed=1)
    assert _first_flag(session, 2, QualityFlag.MAINS, 3.0) <= 0.8
    assert _first_flag(session, 3, QualityFlag.MOVEMENT, 6.0) <= 0.2
    assert not (session.quality[:, :2]).any()


def test_flat_line_is_flagged():
    info = SourceInfo("dev", "d", "test", RATE, (ChannelInfo("a", "quadriceps"),))
    x = np.random.default_rng(0).standard_normal((4000, 1)).astype(np.float32) * 20
    x[2000:3000] = 0.0
    block = Pipeline(PipelineConfig.for_source(info)).process(SampleFrame("dev", 0, 0, 0, x))
    flat = np.flatnonzero(block.quality[:, 0] & QualityFlag.FLAT)
    assert flat[0] / RATE - 1.0 <= 0.1
    assert flat[-1] < 3000 + 0.25 * RATE


def test_monitor_refuses_contradictory_thresholds():
    from engine.errors import ConfigError

    with pytest.raises(ConfigError, match="lift-off"):
        QualityMonitor(QualityConfig(movement_step_uv=2000.0), RATE, 1, (50.0,))


def test_describe_names_the_problems():
    assert describe(0) == "good"
    assert describe(QualityFlag.LIFT_OFF | QualityFlag.GAP) == "lift-off, gap"


@pytest.mark.parametrize("rate", [200.0, 500.0])
def test_low_rate_devices_get_envelopes_without_false_flags(rate):
    script = s.rest(3.0) + s.mvc_trials(2, recover_s=2.0, muscles=ALL) + s.quad_sets(2)
    session = run_session(script, seed=1, chunk=10, config=PatientConfig(rate_hz=rate))
    assert not session.quality.any()
    r = int(rate)
    rest = session.envelope_uv[r : 3 * r].mean(axis=0)
    effort = session.envelope_uv[5 * r : 8 * r].mean(axis=0)
    assert (effort > 5 * rest).all()
    assert effort == pytest.approx(300, rel=0.1)
