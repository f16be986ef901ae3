"""What an exercise shows and reports: the snapshot a game draws and the session summary.

Both are read off an :class:`~engine.rules.exercise.Exercise`'s machines as of the last tick
judged (``t_ns``); neither changes anything.
"""

from __future__ import annotations

import math

from engine.clock import NS_PER_S
from engine.rules.exercise import Exercise
from engine.rules.kinds import Phase
from engine.rules.session_summary import SessionSummary
from engine.view import ExerciseView


def exercise_view(exercise: Exercise, t_ns: int) -> ExerciseView:
    """A snapshot of ``exercise`` at ``t_ns`` for the game to draw."""
    protocol, clock, target = exercise.protocol, exercise.clock, exercise.target
    timing, difficulty, phase = protocol.timing, target.difficulty, clock.phase
    elapsed_ns = clock.elapsed_ns(t_ns)
    alerts = exercise.comparisons.active_alerts()
    if phase is Phase.PAUSED and not exercise.pauses.by_user:
        alerts.append("quality")
    if exercise.is_mvc:
        hold_progress_ns = elapsed_ns if phase is Phase.CONTRACT else 0
    else:
        hold_progress_ns = target.hold.progress_ns(t_ns)
    symmetry = exercise.comparisons.symmetry
    compensation = exercise.comparisons.compensation
    return ExerciseView(
        protocol=protocol.name,
        phase=phase.value,
        phase_elapsed_s=elapsed_ns / NS_PER_S,
        phase_remaining_s=clock.remaining_s(t_ns),
        target_low_pct=difficulty.low_pct,
        target_high_pct=difficulty.high_pct,
        target_channels=exercise.columns.target,
        hold_required_s=difficulty.hold_s,
        hold_progress_s=min(hold_progress_ns / NS_PER_S, difficulty.hold_s),
        in_zone=target.counting,
        rep=exercise.reps.rep_in_set,
        reps_total=timing.reps,
        set_index=exercise.reps.set_index,
        sets_total=timing.sets,
        reps_completed=exercise.reps.completed,
        below_line=protocol.kind == "relax",
        symmetry_lsi_pct=symmetry.lsi_pct if symmetry is not None else None,
        symmetry_angle_pct=symmetry.angle_pct if symmetry is not None else None,
        compensation_ratio=compensation.value if compensation is not None else None,
        compensation_limit=compensation.rule.limit if compensation is not None else None,
        active_alerts=tuple(alerts),
        alert_details=exercise.comparisons.alert_views(),
        show_feedback=exercise.feedback.showing if phase is Phase.CONTRACT else True,
        pause_reason=exercise.pauses.reason,
        kind=protocol.kind,
        feedback_mode=exercise.feedback.rule.mode,
        summary=exercise_summary(exercise, t_ns) if phase is Phase.DONE else None,
        fatigue=exercise.fatigue.results(),
    )


def exercise_summary(exercise: Exercise, t_ns: int) -> SessionSummary:
    """``exercise`` so far at ``t_ns``: reps, time in zone, peaks, symmetry, alerts."""
    protocol, reps, difficulty = exercise.protocol, exercise.reps, exercise.target.difficulty
    paused = exercise.clock.phase is Phase.PAUSED
    labels = exercise.columns.labels
    return SessionSummary(
        protocol_id=protocol.id,
        protocol_name=protocol.name,
        reps_prescribed=protocol.reps_prescribed,
        reps_attempted=reps.attempted,
        reps_completed=reps.completed,
        sets_prescribed=protocol.timing.sets,
        sets_completed=len(reps.sets),
        time_in_zone_s=reps.time_in_zone_s,
        paused_s=exercise.pauses.paused_ns(t_ns, paused) / NS_PER_S,
        peak_pct_by_channel={
            labels[c]: peak for c, peak in exercise.peaks_pct.items() if math.isfinite(peak)
        },
        mean_pct_by_channel={
            labels[c]: mean for c, mean in reps.working_means_pct().items()
        },
        mean_symmetry_lsi_pct=reps.mean_lsi_pct,
        alerts=dict(exercise.log.alerts),
        progression_ready=exercise.progression.ready,
        final_low_pct=difficulty.low_pct,
        final_high_pct=difficulty.high_pct,
        final_hold_s=difficulty.hold_s,
        finished=exercise.clock.phase is Phase.DONE,
        reps=tuple(reps.results),
        sets=tuple(reps.sets),
        duration_s=max(0, t_ns - exercise.started_ns) / NS_PER_S,
        bands=tuple(exercise.bands.periods),
        fatigue=exercise.fatigue.results(),
    )
