"""What one recorded session contributes to a client's history, derived from the engine's outputs.

The history store is an index that can always be rebuilt from recordings: a live session files
its facts from the outputs it recorded, ``history add`` from the outputs a headless replay
judges again, and both go through :func:`session_facts`, so the two give the same rows. The
client is the settings' (``play --client``) or the one chosen on the start screen (an output).

Only the last exercise counts (a protocol chosen on the start screen restarts the reps), as in
the session summary. %MVC figures are of the session's own calibration (``calibration_kind``
says whether that was a maximum or a sub-maximal reference: the two are never comparable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.calibration import Calibration
from engine.clock import NS_PER_S
from engine.errors import MessageFormatError
from engine.messages import ConfigChange, PlainValue, Record, RuleEvent, SourceInfo
from engine.protocol import Protocol, builtin_protocol, builtin_protocol_names
from engine.rules.kinds import EventKind
from engine.rules.muscle_columns import map_muscles
from engine.rules.reps import mean_or_none
from engine.rules.session_summary import SessionSummary, SetFatigue
from engine.session_filing import FILING_KEY, SessionFiling
from engine.training import CALIBRATION_KEY, TrainingConfig


@dataclass(frozen=True, slots=True)
class RepFacts:
    """One finished rep of the target muscle (``peak_pct``/``mean_pct``: %MVC of the target
    level; None when the session had no calibration)."""

    set_index: int
    rep: int
    success: bool
    duration_s: float
    time_in_zone_s: float
    peak_pct: float | None
    mean_pct: float | None
    symmetry_lsi_pct: float | None
    low_pct: float
    high_pct: float
    compensated: bool | None = None
    """Whether the compensation alert was up during the rep (None: not measured)."""


@dataclass(frozen=True, slots=True)
class ChannelCalibration:
    """One channel's reference from a calibration made in the session."""

    channel: str
    muscle: str
    side: str
    kind: str
    """"mvc" or "submax"."""
    reference_uv: float
    baseline_uv: float
    noise_sd_uv: float


@dataclass(frozen=True, slots=True)
class MuscleFacts:
    """One channel's figures over the exercise, %MVC of the session's own calibration: its
    highest level while not paused, and its mean over the working phase (the ticks judged while
    contracting) — for every muscle, not only the target."""

    channel: str
    muscle: str
    side: str
    peak_pct: float | None
    mean_pct: float | None


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """One session as the history keeps it (see the module docstring for where it comes from)."""

    client_id: str | None
    started_at: str | None
    protocol_id: str
    protocol_name: str
    mode: str | None
    sensor_kind: str
    sensor_name: str
    involved_side: str | None
    target_muscle: str
    target_side: str
    """"left", "right" or "both", with "involved" resolved."""
    calibration_kind: str | None
    """The kind of reference the %MVC figures are of ("mvc", "submax"); None uncalibrated."""
    calibration_reused: bool
    """True when the session started from an earlier session's calibration."""
    duration_s: float
    """Session time from the first sample to the engine's last judgement."""
    reps_prescribed: int
    reps_attempted: int
    reps_completed: int
    time_in_zone_s: float
    paused_s: float
    peak_pct: float | None
    """Highest rep peak of the target level, %MVC."""
    mean_pct: float | None
    """Mean of the reps' mean target level, %MVC."""
    symmetry_lsi_pct: float | None
    """Mean limb symmetry index over the reps that measured one."""
    compensation_metric: str | None
    compensation_peak: float | None
    """The highest compensation value an alert was raised at (ratio or CCI), None if none."""
    symmetry_alerts: int
    compensation_alerts: int
    quality_pauses: int
    progression_ready: bool
    """The protocol's own rule (within the session: its last reps strong enough) was met."""
    bar_peak_pct: float | None
    bar_symmetry_pct: float | None
    """The protocol's progression thresholds (target peak %MVC, LSI %) that the criterion
    across sessions holds each session to; None when the protocol has no progression rule."""
    finished: bool
    reps: tuple[RepFacts, ...]
    calibrations: tuple[ChannelCalibration, ...]
    calibration: Mapping[str, PlainValue] | None
    """The whole calibration made in the session (plain data), for reuse; None if none."""
    bar_sessions_needed: int | None = None
    """The protocol's criterion across sessions: ``sessions_needed`` of the last ``of_last``
    sessions reached the bar (None: the protocol has no progression rule)."""
    bar_of_last: int | None = None
    bar_no_compensation_in_last: bool | None = None
    next_protocol: str | None = None
    """The protocol's next step when the criterion is met: another protocol ..."""
    next_band_pct: tuple[float, float] | None = None
    """... or the same protocol in this band (low, high %MVC)."""
    muscles: tuple[MuscleFacts, ...] = ()
    """Every calibrated channel's peak and mean %MVC (empty: no calibration, or the facts
    were taken without the engine's summary)."""
    fatigue: tuple[SetFatigue, ...] = ()
    """Each set's median-frequency slope per tracked muscle, from the engine's summary (empty:
    no set long enough, or the facts were taken without the summary)."""

    @property
    def success_rate(self) -> float | None:
        """Share of attempted reps that succeeded, None when no rep was attempted."""
        return self.reps_completed / self.reps_attempted if self.reps_attempted else None


def session_facts(
    outputs: Sequence[Record],
    training: TrainingConfig,
    source: SourceInfo,
    mode: str | None,
    summary: SessionSummary | None = None,
) -> SessionFacts:
    """The facts of a session whose engine produced ``outputs`` (events and finished
    calibrations, in order) with the settings ``training`` from ``source``; the engine's
    final ``summary`` gives each muscle's figures."""
    protocol = training.protocol
    protocol_id, protocol_name = protocol.id, protocol.name
    events = [r for r in outputs if isinstance(r, RuleEvent)]
    exercise_start = 0
    for i, event in enumerate(events):
        if event.kind == EventKind.PROTOCOL_CHANGED and isinstance(event.data, dict):
            exercise_start = i + 1
            protocol_id = str(event.data.get("id", protocol_id))
            protocol_name = str(event.data.get("name", protocol_name))
            protocol = _known_protocol(protocol_id, protocol)
    exercise = events[exercise_start:]
    reps = [_rep_facts(e.data) for e in exercise if e.kind == EventKind.REP_COMPLETED]
    calibration = _last_calibration(outputs)
    used = calibration or training.calibration
    involved = training.involved_side
    target_side = map_muscles(protocol, source.channels, involved).target_side
    peaks = [r.peak_pct for r in reps if r.peak_pct is not None]
    compensation = [e.data for e in exercise
                    if e.kind == EventKind.COMPENSATION_ALERT and isinstance(e.data, dict)]
    compensation_values = [float(v) for d in compensation
                           if isinstance(v := d.get("value"), int | float)]
    filing = _chosen_filing(outputs) or training.filing
    rule = protocol.progression
    return SessionFacts(
        client_id=filing.client_id if filing else None,
        started_at=filing.started_at if filing else None,
        protocol_id=protocol_id,
        protocol_name=protocol_name,
        mode=mode,
        sensor_kind=source.kind,
        sensor_name=source.name,
        involved_side=involved.value if involved else None,
        target_muscle=protocol.target.muscle,
        target_side=target_side,
        calibration_kind=used.kind if used else None,
        calibration_reused=calibration is None and training.calibration is not None,
        duration_s=_last_t_ns(outputs) / NS_PER_S,
        reps_prescribed=protocol.reps_prescribed,
        reps_attempted=len(reps),
        reps_completed=sum(r.success for r in reps),
        time_in_zone_s=sum(r.time_in_zone_s for r in reps),
        paused_s=sum(_number(e.data, "paused_s") for e in exercise
                     if e.kind in (EventKind.USER_RESUMED, EventKind.QUALITY_RESUMED)),
        peak_pct=max(peaks) if peaks else None,
        mean_pct=mean_or_none([r.mean_pct for r in reps if r.mean_pct is not None]),
        symmetry_lsi_pct=mean_or_none([r.symmetry_lsi_pct for r in reps
                                       if r.symmetry_lsi_pct is not None]),
        compensation_metric=str(compensation[0].get("metric")) if compensation else None,
        compensation_peak=max(compensation_values) if compensation_values else None,
        symmetry_alerts=_count(exercise, EventKind.SYMMETRY_ALERT),
        compensation_alerts=len(compensation),
        quality_pauses=_count(exercise, EventKind.QUALITY_PAUSED),
        progression_ready=_count(exercise, EventKind.PROGRESSION_READY) > 0,
        bar_peak_pct=rule.min_peak_pct if rule else None,
        bar_symmetry_pct=rule.min_symmetry_pct if rule else None,
        finished=_count(exercise, EventKind.SESSION_COMPLETED) > 0,
        reps=tuple(reps),
        calibrations=_channel_calibrations(calibration, source) if calibration else (),
        calibration=calibration.to_plain() if calibration else None,
        # The criterion across sessions travels with each session (a protocol file edited
        # later does not rewrite history).
        bar_sessions_needed=rule.sessions_needed if rule else None,
        bar_of_last=rule.of_last if rule else None,
        bar_no_compensation_in_last=rule.no_compensation_alert_in_last if rule else None,
        next_protocol=rule.next if rule else None,
        next_band_pct=rule.next_band_pct if rule else None,
        muscles=_muscle_facts(summary, source) if summary is not None else (),
        fatigue=summary.fatigue if summary is not None else (),
    )


def _muscle_facts(summary: SessionSummary, source: SourceInfo) -> tuple[MuscleFacts, ...]:
    """Each channel with a %MVC figure in ``summary``, in the source's channel order."""
    peaks, means = summary.peak_pct_by_channel, summary.mean_pct_by_channel
    return tuple(
        MuscleFacts(c.label, c.muscle, c.side.value, peaks.get(c.label), means.get(c.label))
        for c in source.channels if c.label in peaks or c.label in means
    )


def _known_protocol(protocol_id: str, current: Protocol) -> Protocol:
    """The built-in protocol a session switched to; another (a file's) keeps the settings'
    target muscle, the only part of the protocol the facts need beyond its id and name."""
    return builtin_protocol(protocol_id) if protocol_id in builtin_protocol_names() else current


def _chosen_filing(outputs: Sequence[Record]) -> SessionFiling | None:
    """The client chosen on the start screen (the training core's filing output), if one was."""
    found = None
    for record in outputs:
        if isinstance(record, ConfigChange) and record.key == FILING_KEY:
            found = record.value
    return SessionFiling.from_plain(found, "the session's filing") if found is not None else None


def _last_calibration(outputs: Sequence[Record]) -> Calibration | None:
    found = None
    for record in outputs:
        if isinstance(record, ConfigChange) and record.key == CALIBRATION_KEY:
            found = record.value
    return Calibration.from_plain(found) if found is not None else None


def _channel_calibrations(
    calibration: Calibration, source: SourceInfo
) -> tuple[ChannelCalibration, ...]:
    by_label = {c.label: c for c in source.channels}
    out = []
    for i, label in enumerate(calibration.channels):
        info = by_label.get(label)
        out.append(ChannelCalibration(
            channel=label,
            muscle=info.muscle if info else "",
            side=info.side.value if info else "none",
            kind=calibration.kind,
            reference_uv=calibration.reference_uv[i],
            baseline_uv=calibration.baseline_uv[i],
            noise_sd_uv=calibration.noise_sd_uv[i],
        ))
    return tuple(out)


def _rep_facts(data: PlainValue) -> RepFacts:
    """A rep's facts from its ``rep_completed`` event (:class:`RepResult`'s plain form, read
    field by field so that a result carrying more fields still files)."""
    if not isinstance(data, dict):
        raise MessageFormatError(f"rep_completed event: expected a mapping, got {data!r}")

    def number(name: str) -> float | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MessageFormatError(f"rep_completed event: {name} is {value!r}")
        return float(value)

    def required(name: str) -> float:
        value = number(name)
        if value is None:
            raise MessageFormatError(f"rep_completed event: no {name}")
        return value

    compensated = data.get("compensated")  # measured by newer rules only
    return RepFacts(
        set_index=int(required("set_index")), rep=int(required("rep")),
        success=data.get("success") is True, duration_s=required("duration_s"),
        time_in_zone_s=required("time_in_zone_s"), peak_pct=number("peak_pct"),
        mean_pct=number("mean_pct"), symmetry_lsi_pct=number("symmetry_lsi_pct"),
        low_pct=required("low_pct"), high_pct=required("high_pct"),
        compensated=compensated if isinstance(compensated, bool) else None,
    )


def _last_t_ns(outputs: Sequence[Record]) -> int:
    last = outputs[-1] if outputs else None
    return last.t_ns if isinstance(last, RuleEvent | ConfigChange) else 0


def _count(events: Sequence[RuleEvent], kind: EventKind) -> int:
    return sum(e.kind == kind for e in events)


def _number(data: PlainValue, key: str) -> float:
    value = data.get(key) if isinstance(data, dict) else None
    return float(value) if isinstance(value, int | float) else 0.0
