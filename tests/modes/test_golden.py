"""Golden images of key screens: the same view must keep giving the same picture.

Each case draws a fixed view at 640×360 and compares it with ``tests/data/golden/<case>.png``
within a tolerance (font rasterisation differs slightly between FreeType builds): at most
``MAX_DIFFERENT_FRACTION`` of the pixels may differ by more than ``PIXEL_TOLERANCE`` in any
colour channel.

To regenerate after an intended visual change, look at the new frames first, then run::

    MYOPLAY_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/modes/test_golden.py

and commit the PNGs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pygame
import pytest

from engine.messages import RuleEvent
from engine.view import SessionView
from modes import registry
from modes.base import ModeContext
from modes.course import GateCourse
from modes.trace import EnvelopeTrace
from tests.modes import lab_samples, view_samples

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
SIZE = (640, 360)
PIXEL_TOLERANCE = 24
MAX_DIFFERENT_FRACTION = 0.01


def _clinician_context() -> ModeContext:
    trace = EnvelopeTrace()
    for k in range(200):
        wave = 50.0 + 20.0 * np.sin(k / 12.0)
        trace.observe(view_samples.session(t_ns=view_samples.T_NS - (200 - k) * 40_000_000,
                                           left_pct=float(wave), right_pct=float(wave) - 8.0))
    return ModeContext(trace=trace)


#: Mid-game in the runner: two reps scored, the level trace behind the rocket, coins collected.
_RUNNER_T_NS = 45_000_000_000


def _runner_view() -> SessionView:
    view = view_samples.session(t_ns=_RUNNER_T_NS, reps=((10.0, True), (8.5, True)),
                                phase_elapsed_s=4.0, phase_remaining_s=6.0, rep=3,
                                reps_completed=2)
    zone = RuleEvent(_RUNNER_T_NS - 2_500_000_000, "zone_entered", "quadriceps",
                     {"level_pct": 41.0})
    return dataclasses.replace(view, recent_events=(*view.recent_events, zone))


def _runner_context() -> ModeContext:
    context = ModeContext(course=GateCourse(seed=3))
    for k in range(200):
        wave = 50.0 + 6.0 * np.sin(k / 9.0) + 9.0 * ((k * 7919) % 11 - 5) / 5
        context.trace.observe(view_samples.session(t_ns=_RUNNER_T_NS - (200 - k) * 20_000_000,
                                                   left_pct=float(wave),
                                                   right_pct=float(wave) - 4.0))
    context.trace.observe(_runner_view())
    context.score.observe(_runner_view())
    return context


CASES: dict[str, tuple[tuple[str, ...], Callable[[], SessionView], Callable[[], ModeContext]]] = {
    "hold_contract": (("hold", "alerts"), view_samples.session, ModeContext),
    "hold_alerts": (("hold", "alerts"), lambda: view_samples.every_kind()["alerts"], ModeContext),
    "clinician": (("clinician", "alerts"), view_samples.session, _clinician_context),
    "calibration": (("calibration",), view_samples.calibrating, ModeContext),
    "calibration_rejected": (("calibration",), view_samples.calibration_rejected, ModeContext),
    "calibration_result": (("calibration",), view_samples.calibration_result, ModeContext),
    "mvc_test_done": (("mvc_test",), lambda: view_samples.mvc_test("done", 431.2, 223.4, 195.3),
                      ModeContext),
    "summary": (("summary",), lambda: view_samples.every_kind()["done"], ModeContext),
    "symmetry": (("symmetry",), lambda: view_samples.session(left_pct=50.0, right_pct=49.0),
                 ModeContext),
    "runner": (("runner",), view_samples.session, ModeContext),
    "runner_playing": (("runner",), _runner_view, _runner_context),
    "paused_with_alerts": (("hold", "pause", "alerts"), lambda: view_samples.session(
        phase="paused", pause_reason="signal problem on R-quad: lift_off",
        active_alerts=("quality", "compensation"), right_quality=8), ModeContext),
    "lab_instruction": (("exercise_lab", "alerts"), lab_samples.instruction, ModeContext),
    "lab_work": (("exercise_lab", "alerts"), lab_samples.session, ModeContext),
    "lab_rest_flagged": (("exercise_lab", "alerts"), lab_samples.rest_with_problem, ModeContext),
    "lab_result": (("exercise_lab",), lab_samples.result, ModeContext),
    "lab_result_cue": (("exercise_lab",), lambda: lab_samples.result(lab_samples.CUE_RESULT),
                       ModeContext),
}


def render(case: str) -> pygame.Surface:
    layers, make_view, make_context = CASES[case]
    context = make_context()
    surface = pygame.Surface(SIZE)
    view = make_view()
    for name in layers:
        registry.create(name, context).draw(surface, view)
    return surface


@pytest.mark.parametrize("case", sorted(CASES))
def test_screen_matches_its_golden_image(case: str) -> None:
    path = GOLDEN / f"{case}.png"
    surface = render(case)
    if os.environ.get("MYOPLAY_REGENERATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        pygame.image.save(surface, str(path))
    assert path.exists(), f"no golden image {path}; see this module's docstring to create it"
    expected = pygame.surfarray.array3d(pygame.image.load(str(path))).astype(np.int16)
    actual = pygame.surfarray.array3d(surface).astype(np.int16)
    assert expected.shape == actual.shape
    different = np.abs(expected - actual).max(axis=2) > PIXEL_TOLERANCE
    assert different.mean() <= MAX_DIFFERENT_FRACTION, (
        f"{case}: {different.mean():.2%} of pixels differ from {path.name}"
    )


def test_the_comparison_can_fail() -> None:
    """A different view must not pass as the golden image (the tolerance is not too loose)."""
    expected = pygame.surfarray.array3d(pygame.image.load(str(GOLDEN / "hold_contract.png")))
    _, _, make_context = CASES["hold_contract"]
    surface = pygame.Surface(SIZE)
    other = view_samples.session(left_pct=90.0, right_pct=90.0, in_zone=False, reps_completed=5)
    for name in ("hold", "alerts"):
        registry.create(name, make_context()).draw(surface, other)
    actual = pygame.surfarray.array3d(surface)
    different = np.abs(expected.astype(np.int16) - actual).max(axis=2) > PIXEL_TOLERANCE
    assert different.mean() > MAX_DIFFERENT_FRACTION
