"""The rules engine: processed envelopes in, typed and timestamped judgements out.

:class:`RulesEngine` runs exercise protocols over one source's stream. It is stepped with
:class:`~engine.messages.ProcessedBlock` s and returns :class:`~engine.messages.RuleEvent` s
stamped with the *sample* time at which each judgement became true, plus an
:class:`~engine.view.ExerciseView` snapshot and a :class:`SessionSummary`.

Rules are evaluated on ticks decimated by absolute sample index (see :mod:`engine.rules.ticks`:
50 Hz nominal, i.e. every 40th sample at 2 kHz), so the events depend only on the samples and
their timestamps: the same samples in any chunking give the same events, in non-decreasing time.
Config changes (:mod:`engine.rules.config_changes`) take effect at the first tick at or after
their stamp. The judging itself is :class:`~engine.rules.exercise.Exercise`'s; the event kinds
are :class:`~engine.rules.kinds.EventKind`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.calibration import Normalisation
from engine.messages import ChannelInfo, ConfigChange, ProcessedBlock, RuleEvent, Side
from engine.protocol import Protocol
from engine.rules.config_changes import (
    CONFIG_PREFIX,
    BandSetting,
    FeedbackSetting,
    HoldSetting,
    PauseSetting,
    PendingChanges,
    ProtocolSetting,
    ReadySetting,
    RulesSetting,
    decode,
)
from engine.rules.event_log import EventLog
from engine.rules.exercise import Exercise
from engine.rules.exercise_report import exercise_summary, exercise_view
from engine.rules.kinds import EventKind, Phase
from engine.rules.lab_session import LabSession, normalised
from engine.rules.session_summary import SessionSummary
from engine.rules.target import Difficulty
from engine.rules.ticks import HeldTicks, TickStream
from engine.view import ExerciseView

HELD_JUDGED_S = 60.0
"""How much of a held block (a gap's held values) an exercise that does not settle under them
is judged on tick by tick, in seconds; beyond it only the block's last tick is judged."""
HELD_JUDGED_NS = round(HELD_JUDGED_S * 1e9)


class RulesEngine:
    """Runs one exercise protocol at a time over a stream of processed blocks from one source.

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
        self._pending = PendingChanges()
        self._log = EventLog()
        self._ticks = TickStream(len(self.channels))
        self._last_tick_ns: int | None = None
        self._exercise = self._start(protocol, 0)

    def _start(self, protocol: Protocol, t_ns: int) -> Exercise:
        """A fresh run of ``protocol`` from ``t_ns`` (alerts are counted per exercise)."""
        self._log.reset_alerts()
        # A comparison is run by the exercise lab (the exercise is kept for its muscle map).
        self._lab = (LabSession(protocol, self.channels, self._log, t_ns)
                     if protocol.kind == "compare" else None)
        return Exercise(protocol, self.channels, self.involved_side, self.rng,
                        ticks=self._ticks, log=self._log, t_ns=t_ns)

    # -- inputs -----------------------------------------------------------------------------

    def apply(self, change: ConfigChange) -> bool:
        """Queue a configuration change to take effect at the first tick at or after its time.

        Handles keys starting with ``rules.`` (see :mod:`engine.rules.config_changes`); returns
        False for keys of other components. Raises :class:`ConfigError` for a bad value or a
        time before the last processed tick (it would make the result depend on arrival).
        """
        if not change.key.startswith(CONFIG_PREFIX):
            return False
        self._pending.refuse_late(change, self.t_ns)
        self._decode(change)  # refuse a bad value now, not when it takes effect
        self._pending.add(change)
        return True

    def _decode(self, change: ConfigChange) -> RulesSetting:
        return decode(change, self.channels, self.involved_side,
                      self.protocol.timing.contract_s)

    def _apply_due(self, t_ns: int) -> None:
        while self._pending.due(t_ns):
            setting = self._decode(self._pending.pop())
            exercise = self._exercise
            current = exercise.target.difficulty
            if isinstance(setting, PauseSetting):
                (self._lab or exercise).set_user_pause(t_ns, setting.paused)
            elif isinstance(setting, ProtocolSetting):
                protocol = setting.protocol
                self._exercise = self._start(protocol, t_ns)
                self._log.emit(t_ns, EventKind.PROTOCOL_CHANGED, "",
                               {"id": protocol.id, "name": protocol.name})
            elif isinstance(setting, BandSetting):
                band = Difficulty(setting.low_pct, setting.high_pct, current.hold_s)
                exercise.set_difficulty(t_ns, band, "config")
            elif isinstance(setting, HoldSetting):
                hold = Difficulty(current.low_pct, current.high_pct, setting.hold_s)
                exercise.set_difficulty(t_ns, hold, "config")
            elif isinstance(setting, FeedbackSetting):
                exercise.set_feedback_mode(t_ns, setting.mode)
            elif isinstance(setting, ReadySetting) and self._lab is not None:
                self._lab.ready()

    def step(
        self, block: ProcessedBlock, normalisation: Normalisation | None = None
    ) -> list[RuleEvent]:
        """Judge one block of processed samples; return the events it caused, oldest first.

        A block of raw envelopes (no ``pct_mvc``) is judged in %MVC through ``normalisation``.
        """
        if self._lab is not None:
            return self._step_lab(self._lab, block, normalisation)
        exercise = self._exercise
        ticks = self._ticks.feed(block, need_pct=not exercise.is_mvc,
                                 normalisation=normalisation)
        exercise.comparisons.build(self._ticks)  # at the first block, when the rate is known
        if isinstance(ticks, HeldTicks):
            self._step_held(ticks)
        else:
            pct, uv, quality = ticks.pct, ticks.envelope_uv, ticks.quality
            for i, t_ns in enumerate(ticks.t_ns):
                self._tick(
                    t_ns,
                    pct[i] if pct is not None else None,
                    uv[i],
                    quality[i] if quality is not None else None,
                )
        # The spectrum needs every sample: the block goes to the fatigue watch once its ticks
        # have said which samples were contractions.
        self._exercise.fatigue.feed(block, self._ticks.rows(block))
        return self._log.take()

    def _step_lab(self, lab: LabSession, block: ProcessedBlock,
                  normalisation: Normalisation | None) -> list[RuleEvent]:
        """A comparison's block: the rep cutter sees every sample (in %MVC), the lab's steps
        and timers go by the ticks. A held block (a gap) is judged at its first and last tick:
        nothing but time passes in between, and only the timers read it."""
        ticks = self._ticks.feed(block, need_pct=True, normalisation=normalisation)
        block = normalised(block, normalisation)
        lab.feed(block)
        first = block.first_index + self._ticks.rows(block).start
        factor = self._ticks.factor
        if isinstance(ticks, HeldTicks):
            for k in sorted({0, ticks.count - 1}):
                self._lab_tick(ticks.t_ns(k), first + k * factor, ticks.pct, ticks.envelope_uv,
                               ticks.quality_at(k))
        else:
            pct, uv, quality = ticks.pct, ticks.envelope_uv, ticks.quality
            for i, t_ns in enumerate(ticks.t_ns):
                self._lab_tick(t_ns, first + i * factor, pct[i] if pct is not None else None,
                               uv[i], quality[i] if quality is not None else None)
        if self._lab is not None:
            self._lab.fatigue.feed(block, self._ticks.rows(block))
        return self._log.take()

    def _lab_tick(self, t_ns: int, index: int, pct: list[float] | None, uv: list[float],
                  quality: list[int] | None) -> None:
        if self._pending.due(t_ns):
            self._apply_due(t_ns)
        lab = self._lab
        if lab is None:  # the protocol changed to one that is not a comparison
            self._tick(t_ns, pct, uv, quality)
            return
        if self._last_tick_ns is None:
            lab.start_at(t_ns)
        self._last_tick_ns = t_ns
        lab.tick(t_ns, index, pct, quality)

    def _step_held(self, ticks: HeldTicks) -> None:
        """Judge the ticks of a held block (a gap) in work bounded per block, not per tick.

        Ticks are judged one by one until the exercise is settled under the held values (see
        :meth:`~engine.rules.exercise.Exercise.settled_under`): from then on a tick changes
        nothing but the time of the last tick judged, so the judging jumps to the next tick at
        which a configuration change is due, or to the last one; the events are exactly those
        of judging every tick. An exercise that stays unsettled (a protocol that does not pause
        on gaps) is judged tick by tick for :data:`HELD_JUDGED_S` of the block, then once more
        at its last tick: held values stand for samples nobody measured, and judging more of
        them tick by tick would cost time in proportion to a gap of any length.
        """
        count, pct, uv = ticks.count, ticks.pct, ticks.envelope_uv
        limit_ns = ticks.t_ns(0) + HELD_JUDGED_NS
        k = 0
        while k < count:
            t_ns = ticks.t_ns(k)
            self._tick(t_ns, pct, uv, ticks.quality_at(k))
            k += 1
            if k < count and (
                self._exercise.settled_under(pct, uv, ticks.quality) or t_ns >= limit_ns
            ):
                due = self._pending.next_t_ns()
                k = max(k, min(ticks.first_at_or_after(due, k) if due is not None else count,
                               count - 1))

    def tick_rows(self, block: ProcessedBlock) -> slice:
        """The rows of ``block``, just stepped, that the rules judged."""
        return self._ticks.rows(block)

    def _tick(
        self, t_ns: int, pct: list[float] | None, uv: list[float], quality: list[int] | None
    ) -> None:
        if self._pending.due(t_ns):
            self._apply_due(t_ns)
        if self._last_tick_ns is None:
            # The countdown starts with the first sample the exercise sees, not at time zero:
            # a session usually calibrates first.
            self._exercise.start_at(t_ns)
        self._last_tick_ns = t_ns
        self._exercise.tick(t_ns, pct, uv, quality)

    # -- outputs ----------------------------------------------------------------------------

    @property
    def protocol(self) -> Protocol:
        """The protocol being run."""
        return self._exercise.protocol

    @property
    def phase(self) -> Phase:
        return (self._lab or self._exercise).clock.phase

    @property
    def t_ns(self) -> int:
        """Sample time of the last tick judged (0 before the first)."""
        return 0 if self._last_tick_ns is None else self._last_tick_ns

    def view(self) -> ExerciseView:
        """A snapshot of the exercise for the game to draw."""
        if self._lab is not None:
            return self._lab.view(self.t_ns)
        return exercise_view(self._exercise, self.t_ns)

    def summary(self) -> SessionSummary:
        """The exercise so far: reps, time in zone, peaks, symmetry, alerts."""
        if self._lab is not None:
            return self._lab.summary(self.t_ns)
        return exercise_summary(self._exercise, self.t_ns)
