"""The training core: inputs take effect at their stamped sample, whatever the chunking."""

from __future__ import annotations

import dataclasses

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.calibration_procedure import CalibrationProtocol
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ConfigError
from engine.messages import ConfigChange, RuleEvent, SampleFrame, Side, UserInput
from engine.offline import OfflineEngine, rechunk
from engine.protocol import builtin_protocol
from engine.training import CALIBRATION_KEY, TrainingConfig, TrainingSession
from sensors.simulated import PatientConfig, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
CALIBRATION = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=1.0)


def _training() -> TrainingConfig:
    protocol = builtin_protocol("straight_leg_raise")
    timing = dataclasses.replace(protocol.timing, reps=3, sets=1)
    return TrainingConfig(dataclasses.replace(protocol, timing=timing),
                          calibration_protocol=CALIBRATION, involved_side=Side.LEFT, seed=2)


@pytest.fixture(scope="module")
def recording() -> tuple[VirtualPatient, list[SampleFrame]]:
    every = ("L-quad", "R-quad", "L-ham", "R-ham")
    plan = (script.rest(2.0) + script.mvc_trials(2, effort_s=2.0, recover_s=1.0, muscles=every)
            + script.rest(3.5) + script.quad_sets(3, level=0.45, hold_s=6.0, rest_s=5.0))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, snr_db=25.0), plan, seed=11)
    frames = []
    total = int(plan.duration_s * RATE_HZ)
    for seq, first in enumerate(range(0, total, 20)):
        t_ns = round(first * 1e9 / RATE_HZ)
        frames.append(SampleFrame("sim", seq, first, t_ns, patient.render(first, 20).counts))
    return patient, frames


def _run(patient: VirtualPatient, frames, inputs, chunk: int | None) -> bytes:
    source = _source(patient)
    engine = OfflineEngine.fresh(source, _training(), 50.0)
    items = rechunk(frames, chunk, RATE_HZ) if chunk else frames
    return b"".join(msgpack.packb(r.to_list()) for r in engine.run(items, inputs))


def _source(patient: VirtualPatient):
    from sensors.simulated import SimulatedSource

    return SimulatedSource(patient, realtime=False).info


INPUTS = [
    ConfigChange(9_876_543_210, "rules.target_band_pct", [30.0, 60.0]),
    UserInput(12_345_678_901, "key", "return"),
]


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 700))
def test_events_do_not_depend_on_chunking_even_with_inputs_inside_blocks(recording, chunk):
    patient, frames = recording
    assert _run(patient, frames, INPUTS, chunk) == _run(patient, frames, INPUTS, None)


def test_calibration_then_reps_and_the_input_takes_effect_at_its_stamp(recording):
    patient, frames = recording
    source = _source(patient)
    engine = OfflineEngine.fresh(source, _training(), 50.0)
    outputs = list(engine.run(frames, INPUTS))
    calibrations = [r for r in outputs if isinstance(r, ConfigChange)]
    assert [c.key for c in calibrations] == [CALIBRATION_KEY]
    assert calibrations[0].t_ns == 7_000_000_000, "2 s rest + 2 × 2 s efforts + 1 s recovery"
    adjusted = [r for r in outputs if isinstance(r, RuleEvent) and r.kind == "target_adjusted"
                and r.data["reason"] == "config"]
    assert len(adjusted) == 1
    assert 0 <= adjusted[0].t_ns - INPUTS[0].t_ns < 20_000_000, "at the first rule tick after it"
    assert engine.core.summary().reps_completed == 3


def test_an_input_stamped_in_the_past_is_refused():
    pipeline = Pipeline(PipelineConfig(source_id="sim", rate_hz=RATE_HZ, n_channels=4))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ), seed=1)
    core = TrainingSession(_source(patient), pipeline.config.signature(), _training())
    block = pipeline.process(SampleFrame("sim", 0, 0, 0, np.zeros((100, 4), "<i2")))
    core.step(block)
    assert core.next_t_ns == 100_000_000
    stamped = core.stamp(UserInput(0, "key", "x"))
    assert stamped.t_ns == core.next_t_ns
    with pytest.raises(ConfigError, match="before samples already processed"):
        core.apply(UserInput(5, "key", "x"))


def test_the_players_pause_stops_the_exercise_and_an_interrupted_rep_waits(recording):
    patient, frames = recording
    engine = OfflineEngine.fresh(_source(patient), _training(), 50.0)
    pause_at, resume_at = 13_000_000_000, 16_000_000_000
    inputs = [UserInput(pause_at, "pause"), UserInput(resume_at, "pause")]
    outputs = [r for r in engine.run(frames, inputs) if isinstance(r, RuleEvent)]
    kinds = [r.kind for r in outputs]
    paused = outputs[kinds.index("user_paused")]
    resumed = outputs[kinds.index("user_resumed")]
    assert 0 <= paused.t_ns - pause_at < 20_000_000
    assert resumed.data["paused_s"] == pytest.approx(3.0, abs=0.02)
    during = [r for r in outputs if paused.t_ns < r.t_ns < resumed.t_ns]
    assert not during, "nothing is judged while paused"
    assert "hold_broken" not in kinds[: kinds.index("user_paused") + 1]
    assert not any(r.data.get("restart") for r in outputs if r.kind == "rep_started")
    summary = engine.core.summary()
    assert summary.paused_s == pytest.approx(3.0, abs=0.02)
    assert summary.reps_attempted >= summary.reps_completed


def test_nothing_is_judged_until_the_player_starts_from_the_start_screen(recording):
    patient, frames = recording
    training = dataclasses.replace(_training(), wait_for_start=True)
    engine = OfflineEngine.fresh(_source(patient), training, 50.0)
    start = UserInput(1_000_000_000, "start", {"protocol": "straight_leg_raise", "mode": "hold"})
    waiting = list(engine.run(frames[:100], []))
    assert waiting == []
    assert engine.core.view().calibration is not None, "shown, but not started"
    engine = OfflineEngine.fresh(_source(patient), training, 50.0)
    outputs = list(engine.run(frames, [start]))
    # The recording's first effort comes 1 s into the calibration's 2 s rest: the rest is
    # judged (and rejected: not relaxed) 2 s after the start input.
    assert outputs[0].t_ns == 3_000_000_000, "the calibration began at the start input"
    assert TrainingConfig.from_plain(training.to_plain(), "test") == training
