"""The numbers and words the screens show, derived from a view (pure, no drawing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import MessageFormatError
from engine.messages import QualityFlag, Side
from engine.rules.session_summary import RepResult
from engine.view import ExerciseView, SessionView
from modes import results_text

_QUALITY_WORDS = {
    QualityFlag.SATURATED: "saturated",
    QualityFlag.FLAT: "flat",
    QualityFlag.MAINS: "mains hum",
    QualityFlag.LIFT_OFF: "electrode off",
    QualityFlag.GAP: "data gap",
    QualityFlag.NONFINITE: "bad samples",
    QualityFlag.MOVEMENT: "movement",
    QualityFlag.SETTLING: "settling after a signal problem",
}


def quality_words(mask: int) -> list[str]:
    """The problems in a :class:`QualityFlag` mask, in words; empty when the signal is good."""
    return [word for flag, word in _QUALITY_WORDS.items() if mask & flag]


def target_pct(view: SessionView) -> float | None:
    """The %MVC the exercise judges: the mean over its target channels (all when none named)."""
    indices: tuple[int, ...] = tuple(range(len(view.channels)))
    if view.exercise is not None and view.exercise.target_channels:
        indices = view.exercise.target_channels
    values = [
        view.channels[i].pct_mvc
        for i in indices
        if i < len(view.channels) and view.channels[i].pct_mvc is not None
    ]
    if not values:
        return None
    return sum(v for v in values if v is not None) / len(values)


def trusted_target_pct(view: SessionView) -> float | None:
    """:func:`target_pct`, or None while a target channel's signal is flagged: a level computed
    from flagged samples is never shown, sounded or rewarded."""
    indices: tuple[int, ...] = tuple(range(len(view.channels)))
    if view.exercise is not None and view.exercise.target_channels:
        indices = view.exercise.target_channels
    if any(view.channels[i].quality for i in indices if i < len(view.channels)):
        return None
    return target_pct(view)


def side_pct(view: SessionView, side: Side) -> float | None:
    """Mean %MVC of the exercise's target channels on ``side`` (None when none is calibrated)."""
    targets = view.exercise.target_channels if view.exercise is not None else ()
    values = [
        c.pct_mvc
        for i, c in enumerate(view.channels)
        if c.side is side and c.pct_mvc is not None and (not targets or i in targets)
    ]
    if not values:
        return None
    return sum(v for v in values if v is not None) / len(values)


def phase_prompt(exercise: ExerciseView, level_pct: float | None = None) -> str:
    """What to do now, as an external-focus instruction ("raise the balloon", not "tighten").

    During a hold the direction comes from ``level_pct`` (the judged level, see
    :func:`target_pct`): above the band the player is told to ease off, never to push (a
    post-operative patient pushing too hard must not be told to push more), below it to push.
    """
    if exercise.phase == "contract":
        if exercise.below_line:
            return "Stay relaxed: keep it below the line" if exercise.in_zone else (
                "Let go: bring it below the line")
        if exercise.in_zone:
            return "In the zone, keep holding!"
        if level_pct is None:
            return "Bring it into the green zone"
        if level_pct > exercise.target_high_pct:
            return "Ease off: let it down into the green zone"
        if level_pct < exercise.target_low_pct:
            return "Push a little more: raise it into the green zone"
        if len(exercise.target_channels) > 1:
            # The mean is in the band but the hold is not counting: a side is out of it, or
            # left and right are too far apart (a both-sides hold is judged on each side).
            return "Keep both sides in the green zone, evenly"
        return "That's it: hold it there"
    if exercise.phase == "rest":
        return "Relax"
    if exercise.phase == "ready":
        return "Get ready"
    if exercise.phase == "paused":
        return "Paused"
    return "Well done!"


def rep_counter(exercise: ExerciseView) -> str:
    """Where the player is in the exercise: "Rep 3 of 10 · set 1 of 2", or before the first
    rep "Get ready — 10 reps" (never "Rep 0 of 10")."""
    sets = f"  ·  set {exercise.set_index} of {exercise.sets_total}" if (
        exercise.sets_total > 1) else ""
    if exercise.phase == "ready" and exercise.rep < 1:
        noun = "rep" if exercise.reps_total == 1 else "reps"
        return f"Get ready — {exercise.reps_total} {noun}{sets}"
    return f"Rep {max(1, min(exercise.rep, exercise.reps_total))} of {exercise.reps_total}{sets}"


def hold_fraction(exercise: ExerciseView) -> float:
    """How much of the required hold is done, 0–1."""
    if exercise.hold_required_s <= 0:
        return 0.0
    return min(1.0, max(0.0, exercise.hold_progress_s / exercise.hold_required_s))


#: Muscles as players say them; others are shown with spaces for underscores.
_PLAIN_MUSCLES = {
    "gluteus_maximus": "glutes",
    "gluteus_medius": "side glutes",
    "tibialis_anterior": "shin muscles",
    "forearm_flexors": "forearm muscles",
}
#: What to do to make a muscle do the work, in the player's words.
_MUSCLE_ACTIONS = {
    "gluteus_maximus": "squeeze the glutes",
    "quadriceps": "tighten the thigh",
    "hamstrings": "pull with the hamstrings",
}


def plain_muscle(muscle: str) -> str:
    """A protocol's muscle name as a player reads it ("gluteus_maximus" → "glutes")."""
    return _PLAIN_MUSCLES.get(muscle, muscle.replace("_", " "))


def muscle_action(muscle: str) -> str:
    """What to do so that ``muscle`` does the work ("squeeze the glutes")."""
    return _MUSCLE_ACTIONS.get(muscle, f"work the {plain_muscle(muscle)}")


def alert_message(alert: str) -> str:
    """A readable sentence for an alert the rules raised (their names: see RulesEngine.view)."""
    known = {
        "compensation": "Compensation: the other muscle is doing the work",
        "symmetry": "Left and right do not match: even them out",
        "quality": "Check the electrodes: the signal is poor",
    }
    return known.get(alert, alert.replace("_", " ").capitalize())


def rep_results(view: SessionView) -> list[dict[str, Any]]:
    """The data of the ``rep_completed`` events still in the view, oldest first."""
    return [
        e.data for e in view.recent_events
        if e.kind == "rep_completed" and isinstance(e.data, dict)
    ]


def rep_missed_reason(data: Mapping[str, Any]) -> str | None:
    """Why the rep of a ``rep_completed`` event's ``data`` was missed (see
    :func:`modes.results_text.missed_reason`); None for a counted rep or unreadable data."""
    try:
        rep = RepResult.from_plain(data)
    except (MessageFormatError, TypeError):
        return None
    return results_text.missed_reason(rep)


def number(data: Mapping[str, Any], key: str) -> float | None:
    """``data[key]`` as a float when it is a number, else None (event data is plain values)."""
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


#: How long news of a change stays on screen, in ns of sample time.
NEWS_NS = 4_000_000_000


def news(view: SessionView) -> str | None:
    """A line about a change the player should know of (a new target, a progression), shown
    for a few seconds of sample time after the event."""
    for event in reversed(view.recent_events):
        if not 0 <= view.t_ns - event.t_ns <= NEWS_NS:
            continue
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind == "target_adjusted":
            low, high = number(data, "low_pct"), number(data, "high_pct")
            if low is not None and high is not None:
                return f"New target: {low:.0f}–{high:.0f}%"
        if event.kind == "progression_ready":
            return "Ready to progress: ask about adding load"
        if event.kind == "feedback_faded":
            return "Now by feel: the bar hides, hold the level you learned"
        if event.kind == "feedback_changed":
            return FEEDBACK_NEWS.get(str(data.get("mode")), "Feedback changed")
    return None


#: What the player is told when the clinician changes the feedback schedule.
FEEDBACK_NEWS = {
    "concurrent": "The bar stays on all the time now",
    "bandwidth": "The bar shows only when you drift out of the band",
    "faded": "The bar fades as your holds succeed",
}
