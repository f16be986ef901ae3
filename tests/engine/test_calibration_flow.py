"""The calibration inside a training session: per protocol muscle, its result shown before the
exercise, and none before an MVC test (its maximal efforts are the test)."""

from __future__ import annotations

import dataclasses

import pytest

from engine.calibration_procedure import CalibrationProtocol
from engine.messages import ConfigChange, RuleEvent, SampleFrame, Side, UserInput
from engine.offline import OfflineEngine
from engine.protocol import builtin_protocol
from engine.training import KEY_INPUT, START_INPUT, TrainingConfig
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
CALIBRATION = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=1.0,
                                  result_s=4.0)


@pytest.fixture(scope="module")
def left_leg_only() -> tuple[VirtualPatient, list[SampleFrame]]:
    """A patient after left-knee surgery: the left quadriceps alone makes the efforts."""
    plan = (script.rest(2.0)
            + script.mvc_trials(2, effort_s=2.0, recover_s=1.0, muscles=("L-quad",))
            + script.rest(6.0) + script.quad_sets(2, level=0.3, hold_s=10.0, rest_s=5.0,
                                                   muscles=("L-quad",)))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, snr_db=25.0), plan, seed=5)
    frames = [SampleFrame("sim", seq, first, round(first * 1e9 / RATE_HZ),
                          patient.render(first, 20).counts)
              for seq, first in enumerate(range(0, int(plan.duration_s * RATE_HZ), 20))]
    return patient, frames


def _engine(patient: VirtualPatient, protocol: str, **changes: object) -> OfflineEngine:
    training = TrainingConfig(builtin_protocol(protocol), calibration_protocol=CALIBRATION,
                              involved_side=Side.LEFT, seed=3)
    training = dataclasses.replace(training, **changes)  # type: ignore[arg-type]
    return OfflineEngine.fresh(SimulatedSource(patient, realtime=False).info, training, 50.0)


def _events(records: list[object], kind: str) -> list[RuleEvent]:
    return [r for r in records if isinstance(r, RuleEvent) and r.kind == kind]


def test_a_quad_set_calibrates_the_operated_quadriceps_alone_and_shows_the_result(
    left_leg_only,
) -> None:
    patient, frames = left_leg_only
    engine = _engine(patient, "quad_set")
    records = list(engine.run(frames[:350], []))  # 7 s: rest, 2 efforts, recovery, result
    assert not _events(records, "calibration_failed"), "the other channels need not rise"
    (done,) = [r for r in records if isinstance(r, ConfigChange)] or [None]
    assert done is None, "the calibration takes effect only after its result was shown"
    view = engine.core.view()
    assert view.calibration is not None
    assert view.calibration.step == "result"
    ((muscle, reference_uv),) = view.calibration.references
    assert muscle == "left quadriceps"
    assert reference_uv == pytest.approx(patient.true_mvc_uv[0], rel=0.1)
    records += list(engine.run(frames[350:], []))
    (completed,) = _events(records, "calibration_completed")
    assert completed.t_ns == 11_000_000_000, "7 s of calibration and 4 s of its result"
    assert completed.data["reference_uv"][1:] == [0.0, 0.0, 0.0]
    view = engine.core.view()
    assert view.channels[0].pct_mvc is not None
    assert [c.pct_mvc for c in view.channels[1:]] == [None, None, None], "no %MVC without one"
    assert _events(records, "rep_completed")


def test_return_on_the_result_screen_starts_the_exercise(left_leg_only) -> None:
    patient, frames = left_leg_only
    engine = _engine(patient, "quad_set")
    records = list(engine.run(frames, [UserInput(8_000_000_000, KEY_INPUT, "return")]))
    (completed,) = _events(records, "calibration_completed")
    assert completed.t_ns == 8_000_000_000


def test_an_mvc_test_runs_no_calibration_its_efforts_are_the_test(left_leg_only) -> None:
    patient, frames = left_leg_only
    engine = _engine(patient, "mvc_test")
    assert engine.core.view().calibration is None
    records = list(engine.run(frames, []))
    assert not _events(records, "calibration_completed")
    assert not [r for r in records if isinstance(r, ConfigChange)]
    peaks = [e.data["peak_uv"] for e in _events(records, "rep_completed")]
    assert peaks
    assert all(e.data["peak_pct"] is None for e in _events(records, "rep_completed"))
    assert engine.core.view().exercise is not None
    assert engine.core.view().exercise.kind == "mvc"


def test_the_start_screens_choice_decides_what_is_calibrated(left_leg_only) -> None:
    patient, frames = left_leg_only
    # Configured as a quad set, the player picks the MVC test: nothing to calibrate.
    engine = _engine(patient, "quad_set", wait_for_start=True)
    start = UserInput(0, START_INPUT, {"protocol": "mvc_test", "mode": "clinician"})
    records = list(engine.run(frames[:200], [start]))
    assert engine.core.view().calibration is None
    assert not _events(records, "calibration_failed")
    # Configured as an MVC test, the player picks a quad set: its muscle is calibrated.
    engine = _engine(patient, "mvc_test", wait_for_start=True)
    start = UserInput(0, START_INPUT, {"protocol": "quad_set", "mode": "hold"})
    list(engine.run(frames[:200], [start]))
    calibration = engine.core.view().calibration
    assert calibration is not None
    assert calibration.muscle == "left quadriceps"
