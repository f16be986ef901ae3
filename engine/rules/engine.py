"""The rules engine: processed envelopes in, typed and timestamped judgements out.

:class:`RulesEngine` runs one exercise protocol. It is stepped with
:class:`~engine.messages.ProcessedBlock` s and returns :class:`~engine.messages.RuleEvent` s
stamped with the *sample* time at which each judgement became true, plus an
:class:`~engine.view.ExerciseView` snapshot and a :class:`SessionSummary`.

Rules are evaluated on ticks decimated by absolute sample index (see :mod:`engine.rules.ticks`:
50 Hz nominal, i.e. every 40th sample at 2 kHz), so the events depend only on the samples and
their timestamps: the same samples in any chunking give the same events, in non-decreasing time.

Event kinds (``data`` carries the numbers):

- ``rep_started``, ``rep_completed`` (knowledge of results: a :class:`RepResult`),
  ``set_completed`` (a :class:`SetResult`), ``session_completed``;
- ``rest_started``, ``rest_ended``;
- ``zone_entered``, ``zone_left``; ``hold_started``, ``hold_completed``, ``hold_broken``;
- ``symmetry_alert``, ``symmetry_cleared``; ``compensation_alert``, ``compensation_cleared``;
- ``quality_paused``, ``quality_resumed``;
- ``progression_ready``, ``target_adjusted``, ``protocol_changed``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.calibration import Normalisation
from engine.clock import NS_PER_S, s_to_ns
from engine.errors import ConfigError
from engine.messages import (
    ChannelInfo,
    ConfigChange,
    ProcessedBlock,
    QualityFlag,
    RuleEvent,
    Side,
)
from engine.protocol import MAX_BAND_PCT, Protocol, builtin_protocol, protocol_from_plain
from engine.rules.adaptive import AdaptiveTarget
from engine.rules.channels import ChannelMap, map_channels
from engine.rules.compensation import CompensationMonitor
from engine.rules.feedback import FeedbackScheduler
from engine.rules.holds import Hold, HoldChange
from engine.rules.progression import progression_evidence
from engine.rules.summary import RepResult, SessionSummary, SetResult
from engine.rules.symmetry import SymmetryMonitor
from engine.rules.ticks import TickStream
from engine.rules.zones import Zone
from engine.view import ExerciseView

CONFIG_PREFIX = "rules."
"""Config-change keys this engine handles; others belong to other parts of the pipeline."""


class Phase(enum.StrEnum):
    READY = "ready"
    CONTRACT = "contract"
    REST = "rest"
    PAUSED = "paused"
    DONE = "done"


class _RepStats:
    """What is measured during one contract phase."""

    __slots__ = ("level_sum", "lsi_n", "lsi_sum", "peak", "peak_uv", "ticks", "zone_ticks")

    def __init__(self) -> None:
        self.ticks = 0
        self.zone_ticks = 0
        self.level_sum = 0.0
        self.peak = -math.inf
        self.peak_uv = 0.0
        self.lsi_sum = 0.0
        self.lsi_n = 0


def _mean_of(values: list[float], columns: list[int]) -> float:
    """Mean of ``values`` over ``columns`` (a muscle group: one side, or both)."""
    if len(columns) == 1:
        return values[columns[0]]
    return sum(values[c] for c in columns) / len(columns)


def _flag_names(mask: int) -> list[str]:
    return [flag.name.lower() for flag in QualityFlag if flag.name and mask & flag]


class RulesEngine:
    """Runs one exercise protocol over a stream of processed blocks from one source.

    ``channels`` are the source's channels (their ``muscle`` and ``side`` map the protocol's
    muscles to columns); ``involved_side`` is the operated or weaker side for protocols that
    train "involved"; ``rng`` only varies which reps show feedback under a faded schedule.
    """

    def __init__(
        self,
        protocol: Protocol,
        channels: Sequence[ChannelInfo],
        rng: np.random.Generator | None = None,
        *,
        involved_side: Side | None = None,
    ) -> None:
        self.channels = tuple(channels)
        self.involved_side = involved_side
        self.rng = rng
        self._pending: list[ConfigChange] = []
        self._events: list[RuleEvent] = []
        self._t_ns = 0
        self._started = False
        self._ticks = TickStream(len(self.channels))
        self._load(protocol, 0)

    # -- set-up -----------------------------------------------------------------------------

    def _load(self, protocol: Protocol, t_ns: int) -> None:
        """(Re)start the exercise with ``protocol`` at ``t_ns``."""
        mapping = map_channels(protocol, self.channels, self.involved_side)
        self.protocol = protocol
        self.map: ChannelMap = mapping
        columns = mapping.columns
        self._columns = list(columns)
        self._target_cols = list(mapping.target)
        self._left_cols = list(mapping.symmetry_left)
        self._right_cols = list(mapping.symmetry_right)
        self._num_cols = list(mapping.numerator)
        self._den_cols = list(mapping.denominator)
        target, timing = protocol.target, protocol.timing
        self._low_pct, self._high_pct = target.low_pct, target.high_pct
        self._hold_s = timing.hold_s
        self._zone = Zone(target.low_pct, target.high_pct, target.hysteresis_pct,
                          s_to_ns(target.dwell_s))
        self._hold = Hold(s_to_ns(timing.hold_s), s_to_ns(timing.dip_tolerance_s))
        self._pause_mask = int(protocol.quality.pause_on | QualityFlag.NONFINITE)
        self._resume_ns = s_to_ns(protocol.quality.resume_after_s)
        self._feedback = FeedbackScheduler(protocol.feedback, protocol.reps_prescribed, self.rng)
        self._adaptive = AdaptiveTarget(protocol.adaptive) if protocol.adaptive else None
        self._symmetry: SymmetryMonitor | None = None
        self._compensation: CompensationMonitor | None = None
        self._monitors_ready = False
        self._phase = Phase.READY
        self._phase_start_ns = t_ns
        self._phase_ns = s_to_ns(timing.ready_s)
        self._resume_phase = Phase.READY
        self._pause_reason = ""
        self._user_paused = False
        self._clean_since_ns: int | None = None
        self._pause_start_ns = 0
        self._paused_ns = 0
        self._set_index = 0
        self._rep_in_set = 0
        self._reps_attempted = 0
        self._stats = _RepStats()
        self._reps: list[RepResult] = []
        self._sets: list[SetResult] = []
        self._alerts: dict[str, int] = {}
        self._progression_ready = False
        self._level: float | None = None
        self._show = True
        self._peaks = dict.fromkeys(columns, -math.inf)
        self._subject = f"{target.muscle}:{mapping.target_side}"
        self._mvc = protocol.kind == "mvc"
        self._calibrated = True
        if self._ticks.rate_hz is not None:
            self._make_monitors()

    def _make_monitors(self) -> None:
        """Build the windowed monitors once the tick rate is known (at the first block)."""
        assert self._ticks.rate_hz is not None
        tick_rate_hz = self._ticks.rate_hz / self._ticks.factor
        protocol = self.protocol
        if protocol.symmetry is not None:
            ticks = max(1, round(protocol.symmetry.window_s * tick_rate_hz))
            involved = self.involved_side if protocol.target.side == "involved" else None
            self._symmetry = SymmetryMonitor(protocol.symmetry, ticks, involved)
        if protocol.compensation is not None:
            ticks = max(1, round(protocol.compensation.window_s * tick_rate_hz))
            self._compensation = CompensationMonitor(protocol.compensation, ticks)
        self._monitors_ready = True

    # -- inputs -----------------------------------------------------------------------------

    def apply(self, change: ConfigChange) -> bool:
        """Queue a configuration change to take effect at the first tick at or after its time.

        Handles keys starting with ``rules.``: ``rules.protocol`` (a built-in id, or a protocol
        as plain data), ``rules.target_band_pct`` ([low, high]), ``rules.hold_s`` and
        ``rules.paused`` (the player's pause: true or false). Returns
        False for keys of other components. Raises :class:`ConfigError` for a bad value or a
        time before the last processed tick (it would make the result depend on arrival).
        """
        if not change.key.startswith(CONFIG_PREFIX):
            return False
        if change.t_ns < self._t_ns:
            raise ConfigError(
                f"config change {change.key!r} at {change.t_ns} ns is earlier than the last "
                f"processed sample time ({self._t_ns} ns)",
                hint="stamp changes with the sample time at which they take effect",
            )
        self._decode(change)
        self._pending.append(change)
        self._pending.sort(key=lambda c: c.t_ns)
        return True

    def _decode(
        self, change: ConfigChange
    ) -> Protocol | tuple[float, float] | float | bool:
        key, value = change.key, change.value
        if key == "rules.protocol":
            if isinstance(value, str):
                protocol = builtin_protocol(value)
            elif isinstance(value, dict):
                protocol = protocol_from_plain(value, "config change 'rules.protocol'")
            else:
                raise ConfigError(
                    "config 'rules.protocol' must be a built-in id or a protocol table"
                )
            map_channels(protocol, self.channels, self.involved_side)  # refuse it now, not later
            return protocol
        if key == "rules.target_band_pct":
            if (
                isinstance(value, list) and len(value) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                and 0.0 <= float(value[0]) < float(value[1]) <= MAX_BAND_PCT  # type: ignore[arg-type]
            ):
                return float(value[0]), float(value[1])  # type: ignore[arg-type]
            raise ConfigError(
                f"config 'rules.target_band_pct' is {value!r}",
                hint=f"give [low, high] with 0 <= low < high <= {MAX_BAND_PCT:g} %MVC",
            )
        if key == "rules.hold_s":
            limit = self.protocol.timing.contract_s
            if isinstance(value, int | float) and not isinstance(value, bool) and (
                0.0 < float(value) <= limit
            ):
                return float(value)
            raise ConfigError(
                f"config 'rules.hold_s' is {value!r}",
                hint=f"give a hold above 0 and up to the contract phase ({limit:g} s)",
            )
        if key == "rules.paused":
            if isinstance(value, bool):
                return value
            raise ConfigError(f"config 'rules.paused' is {value!r}", hint="give true or false")
        raise ConfigError(
            f"unknown rules setting {key!r}",
            hint="use rules.protocol, rules.target_band_pct, rules.hold_s or rules.paused",
        )

    def _apply_due(self, t_ns: int) -> None:
        while self._pending and self._pending[0].t_ns <= t_ns:
            change = self._pending.pop(0)
            value = self._decode(change)
            if isinstance(value, bool):
                self._set_user_pause(t_ns, value)
            elif isinstance(value, Protocol):
                self._load(value, t_ns)
                self._emit(t_ns, "protocol_changed", "", {"id": value.id, "name": value.name})
            elif isinstance(value, tuple):
                self._set_difficulty(t_ns, value[0], value[1], self._hold_s, "config")
            else:
                self._set_difficulty(t_ns, self._low_pct, self._high_pct, value, "config")

    def step(
        self, block: ProcessedBlock, normalisation: Normalisation | None = None
    ) -> list[RuleEvent]:
        """Judge one block of processed samples; return the events it caused, oldest first.

        A block of raw envelopes (no ``pct_mvc``) is judged in %MVC through ``normalisation``.
        """
        ticks = self._ticks.feed(block, need_pct=not self._mvc, normalisation=normalisation)
        if not self._monitors_ready:
            self._make_monitors()
        events: list[RuleEvent] = []
        self._events = events
        pct, uv, quality = ticks.pct, ticks.envelope_uv, ticks.quality
        for i, t_ns in enumerate(ticks.t_ns):
            self._tick(
                t_ns,
                pct[i] if pct is not None else None,
                uv[i],
                quality[i] if quality is not None else None,
            )
        return events

    def tick_rows(self, block: ProcessedBlock) -> slice:
        """The rows of ``block``, just stepped, that the rules judged."""
        return self._ticks.rows(block)

    # -- the per-tick state machine ---------------------------------------------------------

    def _tick(
        self, t_ns: int, pct: list[float] | None, uv: list[float], quality: list[int] | None
    ) -> None:
        if self._pending and self._pending[0].t_ns <= t_ns:
            self._apply_due(t_ns)
        self._t_ns = t_ns
        if not self._started:
            # The countdown starts with the first sample the exercise sees, not at time zero:
            # a session usually calibrates first.
            self._started = True
            self._phase_start_ns = t_ns
        if self._phase is Phase.DONE or self._user_paused:
            return
        self._calibrated = pct is not None
        values = uv if pct is None else pct
        bad = 0
        total = 0.0
        for column in self._columns:
            total += values[column] + uv[column]
        if quality is not None:
            for column in self._columns:
                bad |= quality[column]
            bad &= self._pause_mask
        if not math.isfinite(total):
            bad |= QualityFlag.NONFINITE
        if self._phase is Phase.PAUSED:
            if bad:
                self._clean_since_ns = None
                return
            if self._clean_since_ns is None:
                self._clean_since_ns = t_ns
            if t_ns - self._clean_since_ns < self._resume_ns:
                return
            self._resume(t_ns)
        elif bad:
            self._pause(t_ns, quality, values, uv, int(bad))
            return
        level = _mean_of(values, self._target_cols)
        self._level = level
        peaks = self._peaks
        if pct is not None:
            for column in self._columns:
                if pct[column] > peaks[column]:
                    peaks[column] = pct[column]
        # Symmetry and co-contraction compare muscles, so only on normalised envelopes.
        if self._symmetry is not None and pct is not None:
            self._update_symmetry(t_ns, pct)
        if self._compensation is not None and pct is not None:
            self._update_compensation(t_ns, pct)
        elapsed_ns = t_ns - self._phase_start_ns
        phase = self._phase
        if phase is Phase.CONTRACT:
            self._contract_tick(t_ns, level, uv, pct is not None, elapsed_ns)
        elif elapsed_ns >= self._phase_ns:
            if phase is Phase.REST:
                self._emit(t_ns, "rest_ended", "", {"rest_s": elapsed_ns / NS_PER_S})
            self._start_contract(t_ns, restart=False)

    def _contract_tick(
        self, t_ns: int, level: float, uv: list[float], calibrated: bool, elapsed_ns: int
    ) -> None:
        stats = self._stats
        stats.ticks += 1
        stats.level_sum += level
        if level > stats.peak:
            stats.peak = level
        for i in self._target_cols:
            if uv[i] > stats.peak_uv:
                stats.peak_uv = uv[i]
        lsi = self._symmetry.lsi_pct if self._symmetry is not None else None
        if lsi is not None:
            stats.lsi_sum += lsi
            stats.lsi_n += 1
        if self._mvc:
            if elapsed_ns >= self._hold_ns:
                self._finish_rep(t_ns, not calibrated or stats.peak >= self._low_pct)
            return
        zone = self._zone
        if zone.update(t_ns, level):
            kind = "zone_entered" if zone.inside else "zone_left"
            self._emit(t_ns, kind, self._subject, {"level_pct": level})
        if zone.inside:
            stats.zone_ticks += 1
        change = self._hold.update(t_ns, zone.inside)
        if change is not None:
            data: dict[str, Any] = {"hold_s": self._hold_s}
            if change is HoldChange.BROKEN:
                data["reason"] = "dip"
            self._emit(t_ns, change.value, self._subject, data)
            if change is HoldChange.COMPLETED:
                self._finish_rep(t_ns, True)
                return
        if elapsed_ns >= self._phase_ns:
            if self._hold.holding:
                self._emit(t_ns, "hold_broken", self._subject,
                           {"hold_s": self._hold_s, "reason": "timeout"})
            self._finish_rep(t_ns, False)
            return
        self._show = self._feedback.show(level, self._low_pct, self._high_pct)

    @property
    def _hold_ns(self) -> int:
        return s_to_ns(self._hold_s)

    def _update_symmetry(self, t_ns: int, values: list[float]) -> None:
        monitor = self._symmetry
        assert monitor is not None
        if monitor.update(t_ns, _mean_of(values, self._left_cols),
                          _mean_of(values, self._right_cols)):
            kind = "symmetry_alert" if monitor.alert.active else "symmetry_cleared"
            self._emit(t_ns, kind, monitor.rule.muscle, {
                "metric": monitor.rule.metric,
                "value_pct": monitor.value,
                "threshold_pct": monitor.rule.threshold_pct,
                "lsi_pct": monitor.lsi_pct,
                "angle_pct": monitor.angle_pct,
            })

    def _update_compensation(self, t_ns: int, values: list[float]) -> None:
        monitor = self._compensation
        assert monitor is not None
        if monitor.update(t_ns, _mean_of(values, self._num_cols),
                          _mean_of(values, self._den_cols)):
            kind = "compensation_alert" if monitor.alert.active else "compensation_cleared"
            rule = monitor.rule
            self._emit(t_ns, kind, f"{rule.numerator}/{rule.denominator}", {
                "metric": rule.metric, "value": monitor.value, "limit": rule.limit,
            })

    # -- phases -----------------------------------------------------------------------------

    def _enter(self, t_ns: int, phase: Phase, duration_ns: int) -> None:
        self._phase = phase
        self._phase_start_ns = t_ns
        self._phase_ns = duration_ns

    def _start_contract(self, t_ns: int, *, restart: bool) -> None:
        if not restart:
            if self._rep_in_set == self.protocol.timing.reps or self._set_index == 0:
                self._set_index += 1
                self._rep_in_set = 0
            self._rep_in_set += 1
        timing = self.protocol.timing
        duration_s = self._hold_s if self._mvc else max(timing.contract_s, self._hold_s)
        self._enter(t_ns, Phase.CONTRACT, s_to_ns(duration_s))
        self._stats = _RepStats()
        self._zone.reset()
        self._hold.reset()
        self._show = self._feedback.start_rep(len(self._reps))
        self._emit(t_ns, "rep_started", "", {
            "set": self._set_index,
            "rep": self._rep_in_set,
            "low_pct": self._low_pct,
            "high_pct": self._high_pct,
            "hold_s": self._hold_s,
            "show_feedback": self._show,
            "restart": restart,
        })

    def _end_contract(self, t_ns: int, reason: str) -> None:
        """Close the zone and hold of a contract phase that is ending."""
        if self._zone.inside:
            self._emit(t_ns, "zone_left", self._subject, {"level_pct": self._level,
                                                          "reason": reason})
        self._zone.reset()
        self._hold.reset()

    def _finish_rep(self, t_ns: int, success: bool) -> None:
        self._end_contract(t_ns, "rep_end")
        stats = self._stats
        tick_ns = self._tick_ns
        result = RepResult(
            set_index=self._set_index,
            rep=self._rep_in_set,
            success=success,
            t_ns=t_ns,
            duration_s=(t_ns - self._phase_start_ns) / NS_PER_S,
            time_in_zone_s=stats.zone_ticks * tick_ns / NS_PER_S,
            peak_pct=stats.peak if stats.ticks and self._calibrated else None,
            mean_pct=stats.level_sum / stats.ticks if stats.ticks and self._calibrated else None,
            peak_uv=stats.peak_uv,
            symmetry_lsi_pct=stats.lsi_sum / stats.lsi_n if stats.lsi_n else None,
            low_pct=self._low_pct,
            high_pct=self._high_pct,
            hold_s=self._hold_s,
        )
        self._reps.append(result)
        self._reps_attempted += 1
        self._emit(t_ns, "rep_completed", "", result.to_plain())
        if self.protocol.progression is not None and not self._progression_ready:
            evidence = progression_evidence(self.protocol.progression, self._reps)
            if evidence is not None:
                self._progression_ready = True
                self._emit(t_ns, "progression_ready", self._subject, evidence)
        if self._adaptive is not None:
            proposal = self._adaptive.after_rep(result)
            if proposal is not None:
                difficulty, reason = proposal
                self._set_difficulty(
                    t_ns, difficulty.low_pct, difficulty.high_pct, difficulty.hold_s, reason
                )
        timing = self.protocol.timing
        if self._rep_in_set < timing.reps:
            self._start_rest(t_ns, timing.rest_s, "rep")
            return
        set_reps = [r for r in self._reps if r.set_index == self._set_index]
        peaks = [r.peak_pct for r in set_reps if r.peak_pct is not None]
        lsis = [r.symmetry_lsi_pct for r in set_reps if r.symmetry_lsi_pct is not None]
        set_result = SetResult(
            set_index=self._set_index,
            reps=len(set_reps),
            reps_succeeded=sum(r.success for r in set_reps),
            time_in_zone_s=sum(r.time_in_zone_s for r in set_reps),
            peak_pct=max(peaks) if peaks else None,
            symmetry_lsi_pct=sum(lsis) / len(lsis) if lsis else None,
        )
        self._sets.append(set_result)
        self._emit(t_ns, "set_completed", "", set_result.to_plain())
        if self._set_index < timing.sets:
            self._start_rest(t_ns, timing.set_rest_s, "set")
            return
        self._enter(t_ns, Phase.DONE, 0)
        self._emit(t_ns, "session_completed", "", {
            "reps_completed": sum(r.success for r in self._reps),
            "reps_prescribed": self.protocol.reps_prescribed,
        })

    def _start_rest(self, t_ns: int, rest_s: float, after: str) -> None:
        self._enter(t_ns, Phase.REST, s_to_ns(rest_s))
        self._show = True
        self._emit(t_ns, "rest_started", "", {"rest_s": rest_s, "after": after})

    def _set_difficulty(
        self, t_ns: int, low_pct: float, high_pct: float, hold_s: float, reason: str
    ) -> None:
        previous = {"low_pct": self._low_pct, "high_pct": self._high_pct, "hold_s": self._hold_s}
        self._low_pct, self._high_pct, self._hold_s = low_pct, high_pct, hold_s
        self._zone.set_band(low_pct, high_pct)
        self._hold.required_ns = s_to_ns(hold_s)
        self._emit(t_ns, "target_adjusted", self._subject, {
            "low_pct": low_pct, "high_pct": high_pct, "hold_s": hold_s,
            "previous": previous, "reason": reason,
        })

    def _pause(
        self, t_ns: int, quality: list[int] | None, values: list[float], uv: list[float],
        bad: int,
    ) -> None:
        columns = self._columns
        flagged = [
            self.channels[c].label for c in columns
            if (quality is not None and quality[c] & self._pause_mask)
            or not math.isfinite(values[c] + uv[c])
        ]
        names = _flag_names(bad)
        self._enter_pause(t_ns, "quality")
        self._clean_since_ns = None
        self._pause_reason = f"signal problem on {', '.join(flagged)}: {', '.join(names)}"
        self._alerts["quality_paused"] = self._alerts.get("quality_paused", 0) + 1
        for monitor in (self._symmetry, self._compensation):
            if monitor is not None:
                monitor.reset_window()
        self._emit(t_ns, "quality_paused", ",".join(flagged), {
            "flags": names, "phase": self._resume_phase.value,
        })

    def _set_user_pause(self, t_ns: int, paused: bool) -> None:
        """The player paused or resumed: timers stop, and an interrupted rep starts over."""
        if paused == self._user_paused or self._phase is Phase.DONE:
            return
        if not paused:
            self._user_paused = False
            self._resume(t_ns, "user_resumed")
            return
        self._user_paused = True
        self._pause_reason = "paused by the player"
        if self._phase is Phase.PAUSED:
            # Already paused for the signal: the player's pause takes over; resuming is theirs.
            return
        self._enter_pause(t_ns, "paused")
        self._emit(t_ns, "user_paused", "", {"phase": self._resume_phase.value})

    def _enter_pause(self, t_ns: int, reason: str) -> None:
        """Stop the exercise where it is; a hold in progress is broken (its rep starts over)."""
        if self._phase is Phase.CONTRACT:
            if self._hold.holding:
                self._emit(t_ns, "hold_broken", self._subject,
                           {"hold_s": self._hold_s, "reason": reason})
            self._end_contract(t_ns, "paused")
        self._resume_phase = self._phase
        self._enter(t_ns, Phase.PAUSED, 0)
        self._pause_start_ns = t_ns

    def _resume(self, t_ns: int, kind: str = "quality_resumed") -> None:
        paused_ns = t_ns - self._pause_start_ns
        self._paused_ns += paused_ns
        self._pause_reason = ""
        self._emit(t_ns, kind, "", {"paused_s": paused_ns / NS_PER_S})
        phase = self._resume_phase
        if phase is Phase.CONTRACT:
            # The interrupted rep starts over: time in a pause must never count as a hold.
            self._start_contract(t_ns, restart=True)
        elif phase is Phase.REST:
            self._start_rest(t_ns, self.protocol.timing.rest_s, "pause")
        else:
            self._enter(t_ns, phase, s_to_ns(self.protocol.timing.ready_s))

    def _emit(self, t_ns: int, kind: str, subject: str, data: dict[str, Any]) -> None:
        if kind in ("symmetry_alert", "compensation_alert"):
            self._alerts[kind] = self._alerts.get(kind, 0) + 1
        self._events.append(RuleEvent(t_ns, kind, subject, data))

    @property
    def _tick_ns(self) -> int:
        return self._ticks.tick_ns if self._ticks.rate_hz else 0

    # -- outputs ----------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def t_ns(self) -> int:
        """Sample time of the last tick judged."""
        return self._t_ns

    def view(self) -> ExerciseView:
        """A snapshot of the exercise for the game to draw."""
        timing = self.protocol.timing
        elapsed_ns = self._t_ns - self._phase_start_ns
        phase = self._phase
        remaining: float | None = None
        if phase in (Phase.READY, Phase.CONTRACT, Phase.REST):
            remaining = max(0, self._phase_ns - elapsed_ns) / NS_PER_S
        alerts = []
        if self._symmetry is not None and self._symmetry.alert.active:
            alerts.append("symmetry")
        if self._compensation is not None and self._compensation.alert.active:
            alerts.append("compensation")
        if phase is Phase.PAUSED and not self._user_paused:
            alerts.append("quality")
        if self._mvc:
            hold_progress_ns = elapsed_ns if phase is Phase.CONTRACT else 0
        else:
            hold_progress_ns = self._hold.progress_ns(self._t_ns)
        comp = self._compensation
        return ExerciseView(
            protocol=self.protocol.name,
            phase=phase.value,
            phase_elapsed_s=elapsed_ns / NS_PER_S,
            phase_remaining_s=remaining,
            target_low_pct=self._low_pct,
            target_high_pct=self._high_pct,
            target_channels=self.map.target,
            hold_required_s=self._hold_s,
            hold_progress_s=min(hold_progress_ns / NS_PER_S, self._hold_s),
            in_zone=self._zone.inside,
            rep=self._rep_in_set,
            reps_total=timing.reps,
            set_index=self._set_index,
            sets_total=timing.sets,
            reps_completed=sum(r.success for r in self._reps),
            below_line=self.protocol.kind == "relax",
            symmetry_lsi_pct=self._symmetry.lsi_pct if self._symmetry else None,
            symmetry_angle_pct=self._symmetry.angle_pct if self._symmetry else None,
            compensation_ratio=comp.value if comp else None,
            compensation_limit=comp.rule.limit if comp else None,
            active_alerts=tuple(alerts),
            show_feedback=self._show if phase is Phase.CONTRACT else True,
            pause_reason=self._pause_reason,
        )

    def summary(self) -> SessionSummary:
        """The exercise so far: reps, time in zone, peaks, symmetry, alerts."""
        lsis = [r.symmetry_lsi_pct for r in self._reps if r.symmetry_lsi_pct is not None]
        paused_ns = self._paused_ns
        if self._phase is Phase.PAUSED:
            paused_ns += self._t_ns - self._pause_start_ns
        return SessionSummary(
            protocol_id=self.protocol.id,
            protocol_name=self.protocol.name,
            reps_prescribed=self.protocol.reps_prescribed,
            reps_attempted=self._reps_attempted,
            reps_completed=sum(r.success for r in self._reps),
            sets_prescribed=self.protocol.timing.sets,
            sets_completed=len(self._sets),
            time_in_zone_s=sum(r.time_in_zone_s for r in self._reps),
            paused_s=paused_ns / NS_PER_S,
            peak_pct_by_channel={
                self.channels[c].label: peak for c, peak in self._peaks.items()
                if math.isfinite(peak)
            },
            mean_symmetry_lsi_pct=sum(lsis) / len(lsis) if lsis else None,
            alerts=dict(self._alerts),
            progression_ready=self._progression_ready,
            final_low_pct=self._low_pct,
            final_high_pct=self._high_pct,
            final_hold_s=self._hold_s,
            finished=self._phase is Phase.DONE,
            reps=tuple(self._reps),
            sets=tuple(self._sets),
        )

