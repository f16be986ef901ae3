"""Symmetry and co-contraction indices, and the virtual patient's asymmetry and compensation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.calibration_procedure import CalibrationProcedure, CalibrationProtocol
from engine.cocontraction import antagonist_ratio, co_contraction
from engine.dsp import Pipeline
from engine.messages import SampleFrame
from engine.symmetry import limb_symmetry_index, robinson_index, symmetry_angle
from sensors.virtual_patient import CoActivation, PatientConfig
from sensors.virtual_patient import script as s
from tests.engine.virtual_session import run_session

ALL = ("quadriceps", "hamstrings")


def test_symmetry_indices():
    assert limb_symmetry_index(45.0, 50.0) == pytest.approx(90.0)
    assert symmetry_angle(50.0, 50.0) == pytest.approx(0.0)
    assert symmetry_angle(0.0, 50.0) == pytest.approx(50.0)
    assert symmetry_angle(50.0, 0.0) == pytest.approx(-50.0)
    assert robinson_index(40.0, 60.0) == pytest.approx(40.0)


def test_symmetry_is_gated_on_activation():
    assert limb_symmetry_index(1.0, 3.0) is None
    assert symmetry_angle(1.0, 3.0) is None
    assert robinson_index(0.5, 2.0, min_activation_pct=3.0) is None
    assert symmetry_angle(float("nan"), 40.0) is None
    assert limb_symmetry_index(10.0, 0.0) is None


def test_co_contraction_indices_are_named_and_differ():
    agonist = np.array([60.0, 60.0, 10.0])
    antagonist = np.array([20.0, 20.0, 40.0])
    winter = co_contraction(agonist, antagonist)
    assert winter == pytest.approx(200 * (20 + 20 + 10) / 210)
    falconer = co_contraction(agonist, antagonist, "falconer_winter")
    assert falconer == pytest.approx(200 * 80 / 210)
    assert co_contraction(agonist, antagonist * 4, "winter") <= 100
    assert co_contraction([1.0, 2.0], [1.0, 1.0]) is None
    with pytest.raises(ValueError, match="falconer_winter"):
        co_contraction(agonist, antagonist, "rudolph")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def calibrated():
    """A patient with a left quadriceps 40 % weaker in tasks and right hamstrings co-activating
    at half the right quadriceps, calibrated and then doing bilateral holds."""
    config = PatientConfig(
        snr_db=20,
        deficit={"L-quad": 0.4},
        coactivation=(CoActivation("R-quad", "R-ham", 0.5),),
    )
    calibration = s.rest(3.0) + s.mvc_trials(3, recover_s=3.0, muscles=ALL)
    session = run_session(calibration + s.bilateral_squats(3), seed=6, config=config)
    procedure = CalibrationProcedure(
        [c.label for c in session.patient.channels],
        2000,
        session.pipeline.config.signature(),
        CalibrationProtocol(rest_s=3.0, recover_s=3.0),
    )
    for block in session.blocks:
        if not procedure.done:
            procedure.step(block)
    pipeline = Pipeline(session.pipeline.config)
    pipeline.set_calibration(procedure.result())
    n = round(session.patient.script.duration_s * 2000)
    out = pipeline.process(SampleFrame("sim", 0, 0, 0, session.patient.render(0, n).counts))
    holds = session.patient.true_activation(0, n)[:, 1] > 0.45
    holds[: round(calibration.duration_s * 2000)] = False
    return out.pct_mvc[holds]


def test_weaker_left_quadriceps_shows_in_lsi(calibrated):
    left, right = calibrated[:, 0].mean(), calibrated[:, 1].mean()
    assert right == pytest.approx(50, abs=5)
    assert limb_symmetry_index(left, right) == pytest.approx(60, abs=6)
    assert symmetry_angle(left, right) > 10


def test_hamstring_compensation_shows_in_the_ratio(calibrated):
    ratio = antagonist_ratio(calibrated[:, 1], calibrated[:, 3])
    assert ratio == pytest.approx(0.5, abs=0.07)
    assert antagonist_ratio(calibrated[:, 0], calibrated[:, 2]) < 0.1
