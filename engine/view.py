"""The snapshot a mode draws: everything on screen, computed by the engine, frozen.

The rules actor builds one :class:`SessionView` after each processed block and publishes it on a
latest-value channel; the render actor draws the newest one. Modes read it and never change it,
so the same replay renders the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.messages import RuleEvent, Side


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
    """"rest", "effort", "recover" or "done"."""
    effort_index: int
    efforts_total: int
    remaining_s: float
    kind: str
    """"mvc" or "submax"."""
    best_pct_of_current: tuple[float, ...] = ()
    """Per channel: this effort's peak relative to the best so far (for live bars)."""
    prompt: str = ""


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
    show_feedback: bool = True
    """False when the feedback scheduler hides concurrent feedback (faded or bandwidth)."""
    pause_reason: str = ""


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
