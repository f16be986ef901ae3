"""The snapshot a mode draws: everything on screen, computed by the engine, frozen.

The rules actor builds one :class:`SessionView` after each processed block and publishes it on a
latest-value channel; the render actor draws the newest one. Modes read it and never change it,
so the same replay renders the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.messages import RuleEvent, Side

if TYPE_CHECKING:  # engine.rules builds views: importing it here at run time would be a cycle
    from engine.comparison_result import ComparisonResult
    from engine.rules.session_summary import SessionSummary, SetFatigue


@dataclass(frozen=True, slots=True)
class ChannelView:
    """One channel as the player sees it right now."""

    label: str
    muscle: str
    side: Side
    envelope_uv: float
    pct_mvc: float | None
    quality: int
    """A :class:`~engine.messages.QualityFlag` mask; 0 means good."""
    over_mvc: bool = False
    """True when the channel went above 100 %MVC in this session (offer to re-calibrate)."""


@dataclass(frozen=True, slots=True)
class CalibrationView:
    """Where the calibration procedure is: resting baseline, then maximal (or sub-max) efforts."""

    step: str
    """"rest", "effort", "recover", "result" (references shown) or "done"."""
    effort_index: int
    efforts_total: int
    remaining_s: float
    kind: str
    """"mvc" or "submax"."""
    best_pct_of_current: tuple[float | None, ...] = ()
    """Per channel: this effort's amplitude relative to its muscle's best accepted effort, in %
    (for live bars); None where there is none yet, or the channel is not being calibrated."""
    prompt: str = ""
    step_s: float = 0.0
    """Length of the current step, s (0: unknown)."""
    muscle: str = ""
    """The muscle making the efforts ("left quadriceps"); empty while resting."""
    instruction: str = ""
    """What to do for this muscle's effort ("Tighten the left thigh: ..."); empty: push."""
    muscle_number: int = 1
    muscles_total: int = 1
    channels_calibrated: tuple[int, ...] = ()
    """Indices of the channels this muscle's efforts measure (the others are not calibrated)."""
    rejection: str = ""
    """Why the last effort (or rest) was rejected and is being made again; empty when none."""
    effort_peaks_uv: tuple[float, ...] = ()
    """This muscle's accepted efforts' amplitudes above rest, µV (the MVC test shows them)."""
    references: tuple[tuple[str, float], ...] = ()
    """Once done: (muscle, reference above rest in µV) for every calibrated muscle."""


@dataclass(frozen=True, slots=True)
class AlertView:
    """A muscle-comparison alert now raised: who does what wrong, and the limit with its
    hysteresis, so "ratio 0.96" beside "limit 1.00" reads as "clears below 0.80"."""

    kind: str
    """"symmetry" or "compensation"."""
    muscle: str
    """Compensation: the muscle taking over; symmetry: the muscle compared left with right."""
    side: str
    """The side to act on ("left", "right"; "" when it is not known): for compensation the side
    of the muscle taking over, for symmetry the weaker side."""
    target_muscle: str
    """The muscle that should do the work."""
    metric: str
    """The rule's metric: "ratio", "cci", "lsi", "symmetry_angle" or "robinson"."""
    value: float | None
    alert_at: float
    """The limit the value crossed (above it for compensation and the symmetry angle and
    index, below it for the LSI)."""
    clears_at: float
    """Where the alert clears again: the limit moved back by the rule's hysteresis."""


@dataclass(frozen=True, slots=True)
class LabView:
    """Where an exercise comparison (the exercise lab) is: which variation, which step, the
    reps counted, the live bars of the target against its compensators, then the result."""

    step: str
    """"instruction" (read the next variation; between variations the rest), "work" (do a
    rep: the reps are cut from the target's signal), "rest" (between reps), "result"."""
    variation_id: str
    variation_index: int
    """0-based, into the protocol's variations."""
    variations_total: int
    variation_name: str
    instruction: str
    cue: str
    """The cue given in this variation ("" without one)."""
    reps_counted: int
    reps_total: int
    reps_not_judged: int
    """Reps of this variation cut but not scored (flagged during them, or cut by a gap)."""
    in_rep: bool
    """The target is switched on now (a rep under way)."""
    target_muscles: tuple[str, ...]
    compensator_muscles: tuple[str, ...]
    """The muscles that may take over (empty when the protocol names none)."""
    target_pct: float | None
    """The target's %MVC now (mean of its channels); None while any is flagged or uncalibrated:
    never shown from a bad signal."""
    compensator_pct: float | None
    target_share_pct: float | None
    """target / (target + compensators) × 100 now, %."""
    last_rep_pct: float | None = None
    """The metric of the last rep counted, in ``unit``."""
    unit: str = "%MVC"
    """The ranking metric's unit ("%MVC", or "%" for a share or symmetry)."""
    last_rep_share_pct: float | None = None
    signal_problem: str = ""
    """Which channel has which problem now ("" when clean): its bars are withheld."""
    result: ComparisonResult | None = None
    """Once every variation is done: the ranking."""
    learning_rest: bool = False
    """No clean second of rest seen yet (at the start, or after a gap in the signal): no rep
    can be cut until there is one, so the client should stay relaxed a moment."""


@dataclass(frozen=True, slots=True)
class ExerciseView:
    """Where the exercise is: phase, timers, reps, the target band and the live judgements."""

    protocol: str
    phase: str
    """"ready", "contract", "rest", "paused", "done"."""
    phase_elapsed_s: float
    phase_remaining_s: float | None
    target_low_pct: float
    target_high_pct: float
    target_channels: tuple[int, ...]
    hold_required_s: float
    hold_progress_s: float
    in_zone: bool
    rep: int
    reps_total: int
    set_index: int
    sets_total: int
    reps_completed: int
    below_line: bool = False
    """Relaxation drills reward staying *below* ``target_high_pct`` instead of inside a band."""
    symmetry_lsi_pct: float | None = None
    symmetry_angle_pct: float | None = None
    compensation_ratio: float | None = None
    compensation_limit: float | None = None
    active_alerts: tuple[str, ...] = ()
    alert_details: tuple[AlertView, ...] = ()
    """The muscle-comparison alerts of ``active_alerts`` in detail."""
    show_feedback: bool = True
    """False when the feedback scheduler hides concurrent feedback (faded or bandwidth)."""
    pause_reason: str = ""
    kind: str = "hold"
    """The protocol's kind: "hold", "relax" or "mvc" (only a hold's band can be moved)."""
    feedback_mode: str = "concurrent"
    """How concurrent feedback is scheduled now: "concurrent", "bandwidth" or "faded"."""
    summary: SessionSummary | None = None
    """Once the exercise is done: knowledge of results (every rep, the bands, the alerts)."""
    fatigue: tuple[SetFatigue, ...] = ()
    """The median-frequency slope per set and tracked muscle so far (the current set once it
    has enough windows)."""
    lab: LabView | None = None
    """An exercise comparison's own state (the exercise lab's screen); None for other kinds."""


@dataclass(frozen=True, slots=True)
class LatencyView:
    """Sample-arrival-to-frame latency and the pipeline's group delay, in ms."""

    last_ms: float
    p50_ms: float
    p99_ms: float
    group_delay_ms: float


@dataclass(frozen=True, slots=True)
class SessionView:
    """The whole snapshot handed to a mode."""

    t_ns: int
    channels: tuple[ChannelView, ...]
    calibration: CalibrationView | None = None
    exercise: ExerciseView | None = None
    recent_events: tuple[RuleEvent, ...] = field(default=())
    latency: LatencyView | None = None
    sensor_status: str = "connected"
    packet_loss_pct: float = 0.0


def asked_channels(view: SessionView) -> tuple[int, ...] | None:
    """The channels ``view`` asks the player to contract: the muscle being calibrated, or the
    exercise's target; None (every channel) when it asks for none in particular."""
    if view.calibration is not None and view.calibration.channels_calibrated:
        return view.calibration.channels_calibrated
    if view.exercise is not None and view.exercise.target_channels:
        return view.exercise.target_channels
    return None
