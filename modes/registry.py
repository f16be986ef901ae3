"""Every screen and mode by name, and which of them a view calls for.

The render actor asks :func:`layers_for` what to paint for the current view (the training mode,
or calibration, pause, summary...) and builds each layer once with :func:`create`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from engine.errors import ConfigError
from engine.view import SessionView
from modes.alerts import AlertOverlay
from modes.base import Mode, ModeContext
from modes.calibration_screen import CalibrationScreen
from modes.clinician import ClinicianView
from modes.exercise_lab import ExerciseLab
from modes.finale import FinaleOverlay
from modes.hold import HoldGame
from modes.key_legend import KeyLegend
from modes.mvc_test_screen import MvcTestScreen
from modes.pause import PauseOverlay
from modes.runner import RunnerGame
from modes.start import StartScreen
from modes.status import SensorStatusScreen
from modes.summary_screen import SummaryScreen
from modes.symmetry_game import SymmetryGame

# check_training_mode is re-exported: the renderer checks a chosen mode through this module.
from modes.training_modes import TRAINING_MODES, check_training_mode

__all__ = ["MODES", "MVC_TEST", "TRAINING_MODES", "ModeFactory", "check_training_mode", "create",
           "layers_for"]

ModeFactory = Callable[[ModeContext], Mode]

#: Every registered screen, game and overlay; every name in
#: :data:`~modes.training_modes.TRAINING_MODES` has its game here.
MODES: Mapping[str, ModeFactory] = MappingProxyType({
    "start": StartScreen,
    "status": SensorStatusScreen,
    "calibration": CalibrationScreen,
    "hold": HoldGame,
    "symmetry": SymmetryGame,
    "runner": RunnerGame,
    "clinician": ClinicianView,
    "pause": PauseOverlay,
    "summary": SummaryScreen,
    "finale": FinaleOverlay,
    "alerts": AlertOverlay,
    "key_legend": KeyLegend,
    "mvc_test": MvcTestScreen,
    "exercise_lab": ExerciseLab,
})

#: The MVC test's screen, shown instead of the training mode while an MVC test runs.
MVC_TEST = "mvc_test"
#: The exercise lab: a comparison's result card is its own screen, not the summary.
EXERCISE_LAB = "exercise_lab"


def create(name: str, context: ModeContext | None = None) -> Mode:
    """Build the mode called ``name``, or raise :class:`ConfigError` listing the known ones."""
    try:
        factory = MODES[name]
    except KeyError:
        raise ConfigError(
            f"unknown mode {name!r}", hint=f"choose one of: {', '.join(TRAINING_MODES)}"
        ) from None
    return factory(context if context is not None else ModeContext())


def layers_for(view: SessionView | None, training: str) -> tuple[str, ...]:
    """The layers to paint for ``view``, bottom first; the alert overlay always comes last.

    Before any exercise or while the sensor is unhealthy the status screen shows; calibration
    has its own screen; a paused exercise shows the pause card over the dimmed game; a finished
    one shows the summary (with a moment of confetti).
    """
    if view is None:
        return ("status",)
    calibration = view.calibration
    exercise = view.exercise
    if calibration is not None and calibration.step != "done":
        base: tuple[str, ...] = ("calibration",)
    elif exercise is None:
        base = ("status",)
    elif exercise.phase == "done":
        # The MVC test's result is on its own screen: each effort's peak and the best.
        base = (MVC_TEST,) if training == MVC_TEST else ("summary", "finale")
        if training == EXERCISE_LAB:
            base = (EXERCISE_LAB, "finale")
    elif exercise.phase == "paused":
        base = (training, "pause")
    elif view.sensor_status != "connected":
        base = ("status",)
    else:
        base = (training,)
    return (*base, "alerts")
