"""The training session's pure core: calibration, %MVC, rules and the snapshot to draw.

:class:`TrainingSession` is what the rules actor steps live and what a replay steps offline, so
both give the same events byte for byte. It is the merge point of the engine: processed blocks
arrive from the DSP, user inputs and configuration changes from the player or the clinician.
Each input is *stamped* with the sample time at which it takes effect (the first sample not yet
processed) and takes effect exactly there, whatever the chunking; a replay re-applies the
recorded stamps.

Order of a session: optional calibration (rest, then efforts of each muscle the protocol uses)
on raw envelopes, then the exercise protocol on %MVC. A calibration given up front (from an
earlier session of the same pipeline) skips the first step, and so does an MVC test, whose
maximal efforts are the test itself (judged in µV without a calibration).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.calibration import Calibration
from engine.calibration_muscles import CalibratedMuscle, muscles_for
from engine.calibration_procedure import CalibrationProcedure, CalibrationProtocol
from engine.calibration_stage import CalibrationStage
from engine.clock import sample_offset_ns
from engine.errors import CalibrationError, ConfigError
from engine.held_blocks import first_sample_at_or_after
from engine.messages import (
    ConfigChange,
    PlainValue,
    ProcessedBlock,
    Record,
    RuleEvent,
    Side,
    SourceInfo,
    UserInput,
    canonical,
)
from engine.protocol import Protocol, builtin_protocol, protocol_from_plain
from engine.remote_change import PAUSED_KEY, REMOTE_BY_KEY, RemoteAuthor
from engine.rules import EventKind, RulesEngine
from engine.rules.config_changes import PROTOCOL_KEY, READY_KEY
from engine.rules.muscle_columns import map_muscles
from engine.rules.session_summary import SessionSummary
from engine.session_filing import FILING_FIELD, FILING_KEY, SessionFiling
from engine.view import ChannelView, SessionView

#: Config key of a finished calibration (also what a replay's inspector lists).
CALIBRATION_KEY = "session.calibration"
#: Inputs the core acts on; the rest (activation commands, keys) are recorded only.
START_INPUT = "start"
CALIBRATION_INPUT = "calibration"
KEY_INPUT = "key"
"""A confirming key ("return"): ends the calibration result screen early."""
PAUSE_INPUT = "pause"
"""Toggles the player's pause of the exercise (timers stop; an interrupted rep starts over)."""
#: How many recent events the snapshot carries for the event log.
RECENT_EVENTS = 12
#: Knowledge-of-results events the final snapshot carries in full, for the summary screen.
RESULT_EVENTS = (EventKind.REP_COMPLETED, EventKind.SET_COMPLETED)


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """Everything that decides a session's judgements, stored in the replay header."""

    protocol: Protocol
    calibration: Calibration | None = None
    """A calibration to use from the start; None runs the calibration procedure first."""
    calibration_protocol: CalibrationProtocol = dataclasses.field(
        default_factory=CalibrationProtocol
    )
    involved_side: Side | None = None
    seed: int = 0
    wait_for_start: bool = False
    """Judge nothing until a "start" input (the player is still choosing on the start screen)."""
    filing: SessionFiling | None = None
    """The client the session is filed under and when it started (``play --client``): decides
    nothing, kept so that the history store can be rebuilt from the recording alone."""

    def to_plain(self) -> dict[str, PlainValue]:
        cal = self.calibration_protocol
        plain = canonical(
            {
                "protocol": self.protocol.to_plain(),
                "calibration": self.calibration.to_plain() if self.calibration else None,
                "calibration_protocol": dataclasses.asdict(cal),
                "involved_side": self.involved_side.value if self.involved_side else None,
                "seed": self.seed,
                "wait_for_start": self.wait_for_start,
            }
            # Only when filed: an unfiled session's settings stay what they always were.
            | ({"filing": self.filing.to_plain()} if self.filing is not None else {})
        )
        assert isinstance(plain, dict)
        return plain

    @classmethod
    def from_plain(cls, data: Mapping[str, Any], source: str) -> TrainingConfig:
        """Rebuild from :meth:`to_plain`'s output; ``source`` names where it came from."""
        try:
            protocol = protocol_from_plain(data["protocol"], f"{source}: protocol")
            raw_cal = data.get("calibration")
            calibration = Calibration.from_plain(raw_cal) if raw_cal is not None else None
            cal_protocol = CalibrationProtocol(**data["calibration_protocol"])
            side = data.get("involved_side")
            filing = data.get("filing")
            return cls(
                protocol=protocol,
                calibration=calibration,
                calibration_protocol=cal_protocol,
                involved_side=Side(side) if side is not None else None,
                seed=int(data["seed"]),
                wait_for_start=bool(data.get("wait_for_start", False)),
                filing=SessionFiling.from_plain(filing, source) if filing is not None else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"{source}: the session settings are unreadable ({error})") from None


class StampedInputs:
    """User inputs and config changes waiting for the sample time they take effect at.

    ``next_t_ns`` is the time of the first sample not yet processed: where a new input takes
    effect, and the earliest stamp accepted (an earlier one would depend on arrival).
    """

    __slots__ = ("_pending", "next_t_ns")

    def __init__(self) -> None:
        self._pending: list[UserInput | ConfigChange] = []
        self.next_t_ns = 0

    def stamp(self, item: UserInput | ConfigChange) -> UserInput | ConfigChange:
        return dataclasses.replace(item, t_ns=self.next_t_ns)

    def add(self, item: UserInput | ConfigChange) -> None:
        if item.t_ns < self.next_t_ns:
            raise ConfigError(
                f"input {item.to_list()[:3]} is stamped {item.t_ns} ns, before samples already "
                f"processed ({self.next_t_ns} ns)",
                hint="stamp inputs with TrainingSession.stamp",
            )
        self._pending.append(item)
        self._pending.sort(key=lambda i: i.t_ns)

    def pop_due(self, t_ns: int) -> UserInput | ConfigChange | None:
        """The oldest input taking effect at or before ``t_ns``, or None."""
        if self._pending and self._pending[0].t_ns <= t_ns:
            return self._pending.pop(0)
        return None

    def split_at(self, block: ProcessedBlock, start: int) -> int:
        """End of the part of ``block`` from row ``start`` that no pending input falls inside.

        Found by bisection over the sample times, not by listing them: a gap's block can be
        billions of samples long."""
        n = block.n_samples
        if not self._pending:
            return n
        t = self._pending[0].t_ns
        split = first_sample_at_or_after(block.t_ns, n, block.rate_hz, t, start)
        return n if split == start or split >= n else split


class EventHistory:
    """The events a snapshot carries: the latest few for the event log, and every result."""

    __slots__ = ("finished", "recent", "results")

    def __init__(self) -> None:
        self.recent: list[RuleEvent] = []
        self.results: list[RuleEvent] = []
        self.finished = False
        """True once the protocol's last rep and set are done."""

    def add(self, events: list[RuleEvent]) -> None:
        self.recent = (self.recent + events)[-RECENT_EVENTS:]
        self.results += [e for e in events if e.kind in RESULT_EVENTS]
        if any(e.kind == EventKind.SESSION_COMPLETED for e in events):
            self.finished = True

    def for_view(self) -> tuple[RuleEvent, ...]:
        """The latest events; once finished, every rep's and set's result first (the summary
        screen shows them all)."""
        if not self.finished:
            return tuple(self.recent)
        return tuple(self.results + [e for e in self.recent if e.kind not in RESULT_EVENTS])


class LastSamples:
    """Every channel's last processed sample, for the snapshot."""

    __slots__ = ("pct", "quality", "uv")

    def __init__(self, n_channels: int) -> None:
        self.uv = np.zeros(n_channels)
        self.pct: np.ndarray[Any, np.dtype[np.float64]] | None = None
        """%MVC of the last sample judged (None before the first)."""
        self.quality = np.zeros(n_channels, dtype=np.uint8)

    def take(self, part: ProcessedBlock) -> None:
        """Keep ``part``'s last envelope and quality (its %MVC comes from the judging)."""
        self.uv = np.asarray(part.envelope_uv[-1], dtype=np.float64)
        self.quality = np.asarray(part.quality[-1], dtype=np.uint8)


class TrainingSession:
    """Steps calibration and rules over processed blocks of one source."""

    def __init__(self, source: SourceInfo, signature: Mapping[str, PlainValue],
                 config: TrainingConfig) -> None:
        self.source = source
        self.config = config
        self._rules = self._rules_for(config.protocol)
        self._calibration = CalibrationStage(source, signature)
        if config.calibration is not None:
            self._calibration.use(config.calibration)
        elif not _is_mvc_test(config.protocol):
            self._calibration.start(config.calibration_protocol,
                                    self._muscles_of(config.protocol))
        self._inputs = StampedInputs()
        self._history = EventHistory()
        self._last = LastSamples(source.n_channels)
        self._paused = False
        self._waiting = config.wait_for_start
        self._protocol_ahead = config.protocol
        """The protocol the calibration is for (the player's choice, before it takes effect)."""

    # -- inputs -----------------------------------------------------------------------------

    @property
    def next_t_ns(self) -> int:
        """Sample time of the first sample not yet processed: where a new input takes effect."""
        return self._inputs.next_t_ns

    def stamp(self, item: UserInput | ConfigChange) -> UserInput | ConfigChange:
        """``item`` re-timed to take effect at the next unprocessed sample."""
        return self._inputs.stamp(item)

    def apply(self, item: UserInput | ConfigChange) -> None:
        """Queue a stamped input; it takes effect at its ``t_ns`` (never in the past)."""
        self._inputs.add(item)

    # -- samples ----------------------------------------------------------------------------

    def step(self, block: ProcessedBlock) -> list[Record]:
        """Judge one raw-envelope block; returns the events (and calibrations) it caused."""
        if block.pct_mvc is not None:
            raise CalibrationError(
                "the DSP already normalised this block", hint="run the pipeline uncalibrated"
            )
        out: list[Record] = []
        start = 0
        while start < block.n_samples:
            t_ns = block.t_ns + sample_offset_ns(start, block.rate_hz)
            self._take_due(t_ns, out)
            stop = self._inputs.split_at(block, start)
            start = self._step_part(_slice(block, start, stop), out) + start
        self._inputs.next_t_ns = block.t_ns + sample_offset_ns(block.n_samples, block.rate_hz)
        self._history.add([r for r in out if isinstance(r, RuleEvent)])
        return out

    def _take_due(self, t_ns: int, out: list[Record]) -> None:
        while (item := self._inputs.pop_due(t_ns)) is not None:
            if isinstance(item, ConfigChange):
                self._configure(item, out)
            elif item.kind == START_INPUT and isinstance(item.value, dict):
                waiting, self._waiting = self._waiting, False
                filing = item.value.get(FILING_FIELD)
                if filing is not None:  # a client chosen on the start screen files the session
                    chosen = SessionFiling.from_plain(filing, "the start screen's client")
                    out.append(ConfigChange(t_ns, FILING_KEY, chosen.to_plain()))
                protocol = item.value.get("protocol")
                if isinstance(protocol, str) and protocol != self._rules.protocol.id:
                    if waiting:
                        # Nothing judged yet: the chosen protocol from the first tick on (an
                        # MVC test must never be asked for %MVC it does not need).
                        self._rules = self._rules_for(builtin_protocol(protocol))
                    else:
                        self._rules.apply(ConfigChange(t_ns, PROTOCOL_KEY, protocol))
                    self._calibrate_for(builtin_protocol(protocol))
            elif item.kind == PAUSE_INPUT and self._calibration.procedure is None:
                self._paused = not self._paused
                self._rules.apply(ConfigChange(t_ns, "rules.paused", self._paused))
            elif (item.kind == KEY_INPUT and item.value == "return"
                  and self._calibration.procedure is not None):
                self._calibration.procedure.skip_result()
            elif item.kind == KEY_INPUT and item.value == "return":
                # The player is ready: the exercise lab starts the variation it describes.
                self._rules.apply(ConfigChange(t_ns, READY_KEY, True))
            elif item.kind == CALIBRATION_INPUT and item.value == "submax":
                submax = dataclasses.replace(self.config.calibration_protocol, kind="submax")
                self._calibration.start(submax, self._muscles_of(self._protocol_ahead))
                out.append(RuleEvent(t_ns, EventKind.CALIBRATION_STARTED.value, "",
                                     {"kind": submax.kind}))

    def _rules_for(self, protocol: Protocol) -> RulesEngine:
        """A fresh rules engine for ``protocol`` on this source."""
        config = self.config
        return RulesEngine(protocol, self.source.channels, np.random.default_rng(config.seed),
                           involved_side=config.involved_side)

    def _muscles_of(self, protocol: Protocol) -> tuple[CalibratedMuscle, ...]:
        """The muscles ``protocol`` reads, each to be calibrated by its own efforts."""
        channels = self.source.channels
        columns = map_muscles(protocol, channels, self.config.involved_side).columns
        return muscles_for(channels, columns)

    def _calibrate_for(self, protocol: Protocol) -> None:
        """The player chose ``protocol`` before anything was measured: calibrate its muscles
        instead, or nothing for an MVC test (its maximal efforts are the test)."""
        self._protocol_ahead = protocol
        stage = self._calibration
        procedure = stage.procedure
        if stage.calibration is not None or (procedure is not None and procedure.position):
            return
        if _is_mvc_test(protocol):
            stage.procedure = None
        else:
            stage.start(self.config.calibration_protocol, self._muscles_of(protocol))

    def _configure(self, change: ConfigChange, out: list[Record]) -> None:
        if self._rules.apply(change):
            if change.key == PAUSED_KEY and isinstance(change.value, bool):
                self._paused = change.value  # a remote pause: the player's P then resumes
            return
        if change.key == REMOTE_BY_KEY:  # who made the remote change that follows: an event
            author = RemoteAuthor.from_plain(change.value)
            out.append(RuleEvent(change.t_ns, EventKind.REMOTE_CHANGE.value, author.by,
                                 author.to_plain()))
            return
        if change.key == CALIBRATION_KEY:
            self._calibration.use(Calibration.from_plain(change.value))
            return
        raise ConfigError(
            f"unknown setting {change.key!r}",
            hint=f"use {CALIBRATION_KEY} or one of the rules.* settings",
        )

    def _step_part(self, part: ProcessedBlock, out: list[Record]) -> int:
        """Step calibration or rules over ``part``; returns how many samples were consumed."""
        self._last.take(part)
        if self._waiting:
            return part.n_samples
        procedure = self._calibration.procedure
        if procedure is None:
            events, last_pct = self._calibration.judge(self._rules, part)
            out.extend(events)
            if last_pct is not None:
                self._last.pct = last_pct
            return part.n_samples
        consumed = procedure.step(part)
        out.extend(procedure.take_events())
        if procedure.done:
            end_t_ns = part.t_ns + sample_offset_ns(consumed, part.rate_hz)
            self._finish_calibration(procedure, end_t_ns, out)
        return consumed

    def _finish_calibration(
        self, procedure: CalibrationProcedure, t_ns: int, out: list[Record]
    ) -> None:
        """The calibration's result was shown: it takes effect at ``t_ns``."""
        result = self._calibration.finish(procedure)
        if isinstance(result, RuleEvent):
            out.append(result)
            return
        out.append(ConfigChange(t_ns, CALIBRATION_KEY, result.to_plain()))
        out.append(RuleEvent(t_ns, EventKind.CALIBRATION_COMPLETED.value, "", {
            "kind": result.kind,
            "reference_uv": list(result.reference_uv),
            "baseline_uv": list(result.baseline_uv),
        }))

    # -- outputs ----------------------------------------------------------------------------

    @property
    def calibration(self) -> Calibration | None:
        return self._calibration.calibration

    @property
    def calibrating(self) -> bool:
        return self._calibration.procedure is not None

    @property
    def finished(self) -> bool:
        """True once the protocol's last rep and set are done."""
        return self._history.finished

    @property
    def waiting_for_start(self) -> bool:
        """True while the player has not chosen on the start screen: nothing judged yet."""
        return self._waiting

    def summary(self) -> SessionSummary:
        return self._rules.summary()

    def view(self) -> SessionView:
        """The snapshot a mode draws, as of the last processed sample."""
        last, stage = self._last, self._calibration
        pct = last.pct if stage.calibration is not None else None
        calibrated = stage.calibration.calibrated if stage.calibration is not None else ()
        over_mvc = stage.over_mvc
        channels = tuple(
            ChannelView(
                label=info.label,
                muscle=info.muscle,
                side=info.side,
                envelope_uv=float(last.uv[i]),
                pct_mvc=float(pct[i]) if pct is not None and calibrated[i] else None,
                quality=int(last.quality[i]),
                over_mvc=bool(over_mvc.over[i]) if over_mvc else False,
            )
            for i, info in enumerate(self.source.channels)
        )
        procedure = stage.procedure
        return SessionView(
            t_ns=self._inputs.next_t_ns,
            channels=channels,
            calibration=procedure.view if procedure is not None else None,
            exercise=self._rules.view() if procedure is None else None,
            recent_events=self._history.for_view(),
        )


def _is_mvc_test(protocol: Protocol) -> bool:
    """An MVC test needs no calibration first: its maximal efforts are the test, judged in µV
    (or in %MVC of a calibration given up front)."""
    return protocol.kind == "mvc"


def _slice(block: ProcessedBlock, start: int, stop: int) -> ProcessedBlock:
    if start == 0 and stop == block.n_samples:
        return block
    return dataclasses.replace(
        block,
        first_index=block.first_index + start,
        t_ns=block.t_ns + sample_offset_ns(start, block.rate_hz),
        envelope_uv=block.envelope_uv[start:stop],
        pct_mvc=block.pct_mvc[start:stop] if block.pct_mvc is not None else None,
        quality=block.quality[start:stop],
        band_uv=block.band_uv[start:stop] if block.band_uv is not None else None,
    )
