"""Fatigue per set in the rules: the median-frequency slope of a simulated sustained hold.

The virtual patient's spectrum compresses at a known rate during sustained effort; the rules
report it in the session summary and the live view, per set and muscle.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.calibration import Normalisation
from engine.messages import QualityFlag
from engine.protocol import protocol_from_plain
from engine.rules import RulesEngine, SessionSummary
from sensors.simulated import SimulatedSource
from sensors.virtual_patient import PatientConfig
from sensors.virtual_patient import script as s
from tests.engine.virtual_session import Session, run_session

HOLD = {
    "id": "sustained",
    "name": "Sustained hold",
    "target": {"muscle": "quadriceps", "side": "left", "low_pct": 10.0, "high_pct": 100.0},
    "timing": {"ready_s": 3.0, "hold_s": 60.0, "contract_s": 64.0, "rest_s": 2.0, "reps": 1},
}


def _session(fatigue_pct_per_s: float, seed: int) -> Session:
    script = s.rest(3.0) + s.hold(0.5, 66.0, ramp_s=0.5) + s.rest(3.0)
    return run_session(script, seed=seed, chunk=100,
                       config=PatientConfig(snr_db=20, fatigue_pct_per_s=fatigue_pct_per_s))


def _judge(session: Session, flag: slice | None = None) -> RulesEngine:
    channels = SimulatedSource(session.patient).info.channels
    engine = RulesEngine(protocol_from_plain(HOLD, "test"), channels)
    mvc = session.patient.true_mvc_uv
    normalisation = Normalisation(np.zeros_like(mvc), 100.0 / mvc)
    for block in session.blocks:
        if flag is not None:
            rows = np.arange(block.first_index, block.first_index + block.n_samples)
            hit = (rows >= flag.start) & (rows < flag.stop)
            quality = block.quality.copy()
            quality[hit, 0] |= np.uint8(QualityFlag.MOVEMENT)
            block = dataclasses.replace(block, quality=quality)
        engine.step(block, normalisation)
    return engine


@pytest.fixture(scope="module")
def fatiguing() -> tuple[Session, SessionSummary]:
    session = _session(0.5, seed=3)
    return session, _judge(session).summary()


def test_a_sustained_hold_shows_the_decline_with_the_right_sign_within_25_percent(
    fatiguing: tuple[Session, SessionSummary],
) -> None:
    session, summary = fatiguing
    truth = session.patient.true_fatigue_slope_pct_per_s
    assert summary.finished
    quads = {f.channel: f for f in summary.fatigue if f.muscle == "quadriceps"}
    assert quads, summary.fatigue
    for fatigue in quads.values():
        assert fatigue.set_index == 1
        assert fatigue.slope_pct_per_s == pytest.approx(truth, rel=0.25)
        assert fatigue.state == "fatiguing"
        assert fatigue.windows >= 100
        assert 50.0 < fatigue.contraction_s <= 61.0
    left = quads["quad-L"] if "quad-L" in quads else next(iter(quads.values()))
    assert left.sentence().startswith("Quadriceps L: median frequency \u22120.")
    assert left.sentence().endswith("%/s in set 1 (fatiguing)")
    # The summary keeps it through plain data (summary.json, the history store).
    assert SessionSummary.from_plain(summary.to_plain()).fatigue == summary.fatigue


def test_a_fresh_muscle_reads_steady() -> None:
    summary = _judge(_session(0.0, seed=4)).summary()
    target = [f for f in summary.fatigue if f.side == "left" and f.muscle == "quadriceps"]
    assert target
    assert all(f.state == "steady" for f in target)


def test_flagged_samples_are_left_out_of_the_spectrum(
    fatiguing: tuple[Session, SessionSummary],
) -> None:
    session, summary = fatiguing
    # Ten seconds of movement artefact flagged on the first channel (the rules pause on it
    # only if the protocol says so; the spectrum never counts it).
    rate = session.patient.config.rate_hz
    flagged = _judge(session, slice(round(10 * rate), round(20 * rate))).summary()
    before = {f.channel: f.windows for f in summary.fatigue}
    after = {f.channel: f.windows for f in flagged.fatigue}
    first = SimulatedSource(session.patient).info.channels[0].label
    assert after[first] <= before[first] - 18


TWO_SETS = {
    "id": "two_sets",
    "name": "Two sets of holds",
    "target": {"muscle": "quadriceps", "side": "left", "low_pct": 10.0, "high_pct": 100.0},
    "timing": {"ready_s": 2.0, "hold_s": 8.0, "contract_s": 10.0, "rest_s": 3.0, "reps": 2,
               "sets": 2, "set_rest_s": 6.0},
}


def test_each_set_has_its_own_slope_whatever_the_block_size() -> None:
    # The patient keeps contracting throughout: only the exercise's contractions count, and
    # each set's windows are filed under it.
    script = s.rest(2.0) + s.hold(0.5, 46.0, ramp_s=0.5)
    summaries = []
    for chunk in (100, 64):
        session = run_session(script, seed=5, chunk=chunk,
                              config=PatientConfig(snr_db=20, fatigue_pct_per_s=0.5))
        channels = SimulatedSource(session.patient).info.channels
        engine = RulesEngine(protocol_from_plain(TWO_SETS, "test"), channels)
        mvc = session.patient.true_mvc_uv
        normalisation = Normalisation(np.zeros_like(mvc), 100.0 / mvc)
        for block in session.blocks:
            engine.step(block, normalisation)
        summaries.append(engine.summary())
    summary = summaries[0]
    assert summary.finished
    assert [f.set_index for f in summary.fatigue] == [1, 2]
    assert all(f.slope_pct_per_s < 0 for f in summary.fatigue)
    # Two 8 s holds a set: the time under contraction leaves the rests out.
    assert all(12.0 < f.contraction_s < 17.0 for f in summary.fatigue)
    assert summaries[1].fatigue == summary.fatigue
