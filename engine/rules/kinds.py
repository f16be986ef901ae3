"""The names the rules record: event kinds and exercise phases.

Both are :class:`enum.StrEnum` so that code can compare them with the plain strings a replay
reads back (``event.kind == EventKind.REP_COMPLETED`` holds for either). What is *recorded* is
always the member's ``.value``, a plain ``str``: the replay writer packs with msgpack's
``strict_types``, which refuses ``str`` subclasses, and the recorded bytes must not change.
"""

from __future__ import annotations

import enum


class Phase(enum.StrEnum):
    """Where an exercise is: the countdown, a contraction, a rest, a pause, or finished."""

    READY = "ready"
    CONTRACT = "contract"
    REST = "rest"
    PAUSED = "paused"
    DONE = "done"


class EventKind(enum.StrEnum):
    """The kind of a :class:`~engine.messages.RuleEvent` (its ``data`` carries the numbers)."""

    # Reps, sets and the session (knowledge of results).
    REP_STARTED = "rep_started"
    REP_COMPLETED = "rep_completed"
    SET_COMPLETED = "set_completed"
    SESSION_COMPLETED = "session_completed"
    REST_STARTED = "rest_started"
    REST_ENDED = "rest_ended"
    # The target band and the hold inside it.
    ZONE_ENTERED = "zone_entered"
    ZONE_LEFT = "zone_left"
    HOLD_STARTED = "hold_started"
    HOLD_COMPLETED = "hold_completed"
    HOLD_BROKEN = "hold_broken"
    # Comparisons between muscles.
    SYMMETRY_ALERT = "symmetry_alert"
    SYMMETRY_CLEARED = "symmetry_cleared"
    COMPENSATION_ALERT = "compensation_alert"
    COMPENSATION_CLEARED = "compensation_cleared"
    # Pauses: a bad signal, or the player.
    QUALITY_PAUSED = "quality_paused"
    QUALITY_RESUMED = "quality_resumed"
    USER_PAUSED = "user_paused"
    USER_RESUMED = "user_resumed"
    # Difficulty and protocol.
    PROGRESSION_READY = "progression_ready"
    TARGET_ADJUSTED = "target_adjusted"
    PROTOCOL_CHANGED = "protocol_changed"
    # Concurrent feedback: the first rep without the bar (earned by successes), a new mode.
    FEEDBACK_FADED = "feedback_faded"
    FEEDBACK_CHANGED = "feedback_changed"
    # A setting changed from another machine (a clinic dashboard): who, what, from where.
    REMOTE_CHANGE = "remote_change"
    # An exercise comparison (the exercise lab): each variation's span, every rep cut from the
    # target's signal with its measures, and the ranking at the end.
    VARIATION_STARTED = "variation_started"
    VARIATION_ENDED = "variation_ended"
    REP_CUT = "rep_cut"
    COMPARISON_RANKED = "comparison_ranked"
    # The calibration that precedes an exercise (emitted by the training session).
    CALIBRATION_STARTED = "calibration_started"
    CALIBRATION_COMPLETED = "calibration_completed"
    CALIBRATION_FAILED = "calibration_failed"


ALERT_KINDS = (EventKind.SYMMETRY_ALERT, EventKind.COMPENSATION_ALERT, EventKind.QUALITY_PAUSED)
"""Kinds a session summary counts (``SessionSummary.alerts``)."""
