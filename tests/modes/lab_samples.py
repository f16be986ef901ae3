"""Exercise-lab views for screen tests, built the way the lab fills them."""

from __future__ import annotations

import dataclasses
from typing import Any

from engine.comparison_result import ComparisonResult, VariationRow
from engine.messages import Side
from engine.view import ChannelView, ExerciseView, LabView, SessionView

T_NS = 95_000_000_000

GLUTE_CHANNELS = (
    ChannelView("L-glute", "gluteus_maximus", Side.LEFT, 180.0, 58.0, 0),
    ChannelView("R-glute", "gluteus_maximus", Side.RIGHT, 170.0, 56.0, 0),
    ChannelView("L-ham", "hamstrings", Side.LEFT, 90.0, 27.0, 0),
    ChannelView("R-ham", "hamstrings", Side.RIGHT, 85.0, 26.0, 0),
)


def lab(**changes: Any) -> LabView:
    fields: dict[str, Any] = dict(
        step="work", variation_id="hip_thrust", variation_index=0, variations_total=4,
        variation_name="Hip thrust",
        instruction="Shoulders on the bench, drive the hips up until the body is level, "
                    "then lower.",
        cue="", reps_counted=3, reps_total=6, reps_not_judged=0, in_rep=True,
        target_muscles=("gluteus_maximus",), compensator_muscles=("hamstrings",),
        target_pct=57.0,
        compensator_pct=26.5, target_share_pct=68.3, last_rep_pct=61.2,
        last_rep_share_pct=67.4,
    )
    fields.update(changes)
    return LabView(**fields)


def session(phase: str = "contract", remaining_s: float | None = 8.0, elapsed_s: float = 1.4,
            **lab_changes: Any) -> SessionView:
    view = lab(**lab_changes)
    exercise = ExerciseView(
        protocol="Gluteus maximus: which exercise works best", phase=phase,
        phase_elapsed_s=elapsed_s, phase_remaining_s=remaining_s, target_low_pct=0.0,
        target_high_pct=150.0, target_channels=(0, 1), hold_required_s=2.0,
        hold_progress_s=0.0, in_zone=False, rep=view.reps_counted, reps_total=view.reps_total,
        set_index=view.variation_index + 1, sets_total=view.variations_total,
        reps_completed=view.reps_counted, kind="compare", lab=view,
    )
    return SessionView(t_ns=T_NS, channels=GLUTE_CHANNELS, exercise=exercise)


def instruction() -> SessionView:
    """The cue test's second arm, read during the rest between the two."""
    return session(phase="ready", remaining_s=42.0, elapsed_s=18.0, step="instruction",
                   variation_id="with_cue", variation_index=1, variations_total=2,
                   variation_name="Bridge with cue",
                   instruction="Lying on your back, knees bent, lift the hips until knees, "
                               "hips and shoulders line up.",
                   cue="Squeeze your glutes at the top", reps_counted=0, reps_total=8,
                   in_rep=False, target_pct=None, compensator_pct=None,
                   target_share_pct=None, last_rep_pct=None, last_rep_share_pct=None)


def rest_with_problem() -> SessionView:
    """Resting between reps with the left hamstrings' electrode off: no bars."""
    return session(phase="rest", remaining_s=2.5, elapsed_s=1.5, step="rest", in_rep=False,
                   reps_not_judged=1, target_pct=None, compensator_pct=None,
                   target_share_pct=None, signal_problem="signal problem on L-ham: lift_off")


def _row(variation_id: str, name: str, mean: float, half: float, share: float,
         angle: float, lead_ms: float) -> VariationRow:
    return VariationRow(variation_id, name, mean, mean - half, mean + half, 6, 0, share, angle,
                        "hamstrings", lead_ms)


GLUTE_RESULT = ComparisonResult(
    metric="mean activation", unit="%MVC", higher_is_better=True, confidence=0.95,
    rows=(
        _row("bulgarian_split_squat", "Bulgarian split squat", 68.6, 3.6, 73.9, -0.2, 58.0),
        _row("hip_thrust", "Hip thrust", 61.5, 2.4, 67.4, -2.0, 61.0),
        _row("glute_bridge", "Glute bridge", 56.5, 2.1, 61.1, -0.6, 49.0),
        _row("cable_pull_through", "Cable pull-through", 47.0, 1.9, 53.6, -0.1, 66.0),
    ),
    winner="bulgarian_split_squat",
    verdict="Bulgarian split squat works best: mean activation 7.1 %MVC above Hip thrust "
            "(95 % CI 3.3 to 10.9 %MVC).",
)

CUE_RESULT = ComparisonResult(
    metric="mean activation", unit="%MVC", higher_is_better=True, confidence=0.95,
    rows=(
        _row("with_cue", "Bridge with cue", 53.1, 3.9, 63.0, 1.1, 40.0),
        dataclasses.replace(_row("no_cue", "Bridge without cue", 51.2, 3.5, 59.5, 0.8, 72.0),
                            reps_judged=7, reps_not_judged=1),
    ),
    winner=None,
    verdict="No clear winner: the intervals of Bridge with cue and Bridge without cue overlap.",
    cue_effect=1.9, cue_low=-3.1, cue_high=6.9,
)


def result(comparison: ComparisonResult = GLUTE_RESULT) -> SessionView:
    last = comparison.rows[-1]
    return session(phase="done", remaining_s=None, elapsed_s=0.0, step="result",
                   variation_id=last.variation_id, variation_index=len(comparison.rows) - 1,
                   variations_total=len(comparison.rows), in_rep=False, result=comparison)
