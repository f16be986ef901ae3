"""The autopilot answers the screen's cues as a compliant patient would, at the effort asked."""

from __future__ import annotations

import pytest

from actors.autopilot import SUB_MAXIMAL_CAP, commanded_activation
from tests.modes import view_samples as views


def test_a_contraction_cue_gets_the_middle_of_the_band_on_the_target_channels():
    wanted = commanded_activation(views.session(target_low_pct=40.0, target_high_pct=60.0))
    assert wanted == {"L-quad": 0.5, "R-quad": 0.5, "L-ham": 0.0, "R-ham": 0.0}


@pytest.mark.parametrize(("effort", "level"), [(0.8, 0.4), (1.3, 0.65), (3.0, SUB_MAXIMAL_CAP)])
def test_the_effort_scales_the_cued_level_and_never_becomes_a_maximal_effort(
    effort: float, level: float
):
    wanted = commanded_activation(views.session(), effort)
    assert wanted["L-quad"] == wanted["R-quad"] == pytest.approx(level)
    assert wanted["L-ham"] == 0.0


def test_calibration_efforts_are_maximal_whatever_the_effort_and_rest_is_rest():
    assert set(commanded_activation(views.calibrating(), 0.5).values()) == {1.0}
    assert set(commanded_activation(views.session(phase="rest"), 1.3).values()) == {0.0}
