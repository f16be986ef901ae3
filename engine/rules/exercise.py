"""One run of one exercise protocol: the per-tick composition of the rules' state machines.

:class:`Exercise` wires small machines with one job each and decides in which order they see a
tick; it holds no judgement of its own:

- :class:`~engine.rules.phases.PhaseClock`: ready → contract → rest → … → done, and the timers;
- :class:`~engine.rules.target.TargetHold`: the zone and the hold at the current difficulty;
- :class:`~engine.rules.reps.RepCounter`: reps and sets, their measurements and results;
- :class:`~engine.rules.comparisons.MuscleComparisons`: symmetry and compensation;
- :class:`~engine.rules.quality_gate.QualityGate` and :class:`~engine.rules.pauses.PauseState`:
  pausing on a bad signal or for the player, and resuming;
- :class:`~engine.rules.adaptive.AdaptiveTarget` and
  :class:`~engine.rules.progression.ProgressionWatch`: what the finished reps say about the
  difficulty;
- :class:`~engine.rules.feedback.FeedbackScheduler`: whether the live bar is shown;
- :class:`~engine.rules.set_fatigue.FatigueWatch`: the median-frequency slope per set, from the
  band-passed samples of the ticks it marks as contracting.

Everything is in sample time, so the events depend only on the samples and their stamps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.clock import NS_PER_S, s_to_ns
from engine.messages import ChannelInfo, Side
from engine.protocol import Protocol
from engine.rules.adaptive import AdaptiveTarget
from engine.rules.band_history import BandHistory
from engine.rules.comparisons import MuscleComparisons
from engine.rules.event_log import EventLog
from engine.rules.feedback import FeedbackScheduler
from engine.rules.holds import HoldChange
from engine.rules.kinds import EventKind, Phase
from engine.rules.muscle_columns import group_mean, map_muscles
from engine.rules.pauses import PauseState
from engine.rules.phases import PhaseClock
from engine.rules.progression import ProgressionWatch
from engine.rules.quality_gate import QualityGate, flag_names
from engine.rules.reps import RepCounter, onset_threshold_pct
from engine.rules.session_summary import RepResult
from engine.rules.set_fatigue import FatigueWatch
from engine.rules.target import Difficulty, TargetHold
from engine.rules.ticks import TickStream


class Exercise:
    """``protocol`` run from sample time ``t_ns`` on ``channels``, reporting to ``log``.

    ``ticks`` is the rules' tick stream (its rate sizes the comparison windows and the time a
    tick stands for); ``rng`` only varies which reps show feedback under a faded schedule.
    """

    def __init__(
        self,
        protocol: Protocol,
        channels: Sequence[ChannelInfo],
        involved_side: Side | None,
        rng: np.random.Generator | None,
        *,
        ticks: TickStream,
        log: EventLog,
        t_ns: int,
    ) -> None:
        columns = map_muscles(protocol, channels, involved_side)
        self.protocol = protocol
        self.columns = columns
        self.log = log
        self._ticks = ticks
        self.clock = PhaseClock(t_ns, s_to_ns(protocol.timing.ready_s))
        self.target = TargetHold(protocol, f"{protocol.target.muscle}:{columns.target_side}", log)
        self.reps = RepCounter()
        self.comparisons = MuscleComparisons(protocol, columns, involved_side, log,
                                             sides=tuple(c.side for c in channels))
        self.gate = QualityGate(protocol.quality)
        self.pauses = PauseState()
        self.feedback = FeedbackScheduler(protocol.feedback, protocol.reps_prescribed, rng)
        self.adaptive = (AdaptiveTarget(protocol.adaptive, protocol.target.low_pct)
                         if protocol.adaptive else None)
        self.progression = ProgressionWatch(protocol.progression)
        self.peaks_pct = dict.fromkeys(columns.columns, -math.inf)
        """Each column's highest %MVC while not paused."""
        self.started_ns = t_ns
        """Sample time of the exercise's first tick (its duration counts from here)."""
        self.bands = BandHistory(t_ns, self.target.difficulty)
        self.fatigue = FatigueWatch(channels, columns.columns)
        self.comparisons.build(ticks)

    def start_at(self, t_ns: int) -> None:
        """The exercise sees its first sample at ``t_ns``: the countdown and the duration
        start there, not at the time it was created (a session usually calibrates first)."""
        self.clock.start_ns = t_ns
        self.started_ns = t_ns
        self.bands.start_at(t_ns)

    @property
    def is_mvc(self) -> bool:
        """An MVC test: every effort counts, judged on its peak, with or without %MVC."""
        return self.protocol.kind == "mvc"

    # -- a tick -----------------------------------------------------------------------------

    def tick(
        self, t_ns: int, pct: list[float] | None, uv: list[float], quality: list[int] | None
    ) -> None:
        """Judge one tick: %MVC (None before a calibration), envelope µV and quality masks."""
        self._judge(t_ns, pct, uv, quality)
        contracting = self.clock.phase is Phase.CONTRACT
        self.fatigue.mark(self.reps.set_index if contracting else None, pct)

    def _judge(
        self, t_ns: int, pct: list[float] | None, uv: list[float], quality: list[int] | None
    ) -> None:
        clock = self.clock
        if clock.phase is Phase.DONE or self.pauses.by_user:
            return
        values = uv if pct is None else pct
        bad = self.gate.problems(self.columns.columns, values, uv, quality)
        if clock.phase is Phase.PAUSED:
            if not self.gate.clean_long_enough(t_ns, bad):
                return
            self._resume(t_ns, EventKind.QUALITY_RESUMED)
        elif bad:
            self._pause_for_quality(t_ns, quality, values, uv, bad)
            return
        level = group_mean(values, self.columns.target)
        self.target.level_pct = level
        if pct is not None:
            # Peaks, symmetry and co-contraction compare muscles: only on normalised envelopes.
            peaks = self.peaks_pct
            for column in self.columns.columns:
                if pct[column] > peaks[column]:
                    peaks[column] = pct[column]
            self.comparisons.update(t_ns, pct)
        if clock.phase is Phase.CONTRACT:
            self._contract_tick(t_ns, level, uv, pct)
        elif clock.expired(t_ns):
            if clock.phase is Phase.REST:
                rest_s = clock.elapsed_ns(t_ns) / NS_PER_S
                self.log.emit(t_ns, EventKind.REST_ENDED, "", {"rest_s": rest_s})
            self._start_contract(t_ns, restart=False)

    def settled_under(
        self, pct: list[float] | None, uv: list[float], quality: list[int] | None
    ) -> bool:
        """Whether a tick with these values, after one with the same values, changes nothing
        but the time: the exercise is done, paused by the player, or paused for a signal problem
        these values still have (its clean time stays unstarted). A held block (a gap) is judged
        in jumps over such ticks."""
        phase = self.clock.phase
        if phase is Phase.DONE or self.pauses.by_user:
            return True
        if phase is not Phase.PAUSED:
            return False
        values = uv if pct is None else pct
        return bool(self.gate.problems(self.columns.columns, values, uv, quality))

    def _contract_tick(
        self, t_ns: int, level: float, uv: list[float], pct: list[float] | None
    ) -> None:
        stats, target, comparisons = self.reps.stats, self.target, self.comparisons
        calibrated = pct is not None
        stats.measure(level, uv, self.columns.target, comparisons.lsi_pct,
                      comparisons.compensating, pct, self.columns.columns)
        if self.is_mvc:
            if self.clock.elapsed_ns(t_ns) >= target.hold_ns:
                low_pct = target.difficulty.low_pct
                self._finish_rep(t_ns, not calibrated or stats.peak >= low_pct, calibrated)
            return
        difficulty = target.difficulty
        judged, symmetric = comparisons.hold_terms(
            level, pct, difficulty.low_pct, difficulty.high_pct
        )
        inside, change = target.update(t_ns, judged, symmetric)
        if inside:
            stats.zone_ticks += 1
            # Measured on ticks in the zone: a hold that broke is not credited its last dip.
            stats.longest_hold_ns = max(stats.longest_hold_ns, target.hold.progress_ns(t_ns))
        if change is HoldChange.COMPLETED:
            self._finish_rep(t_ns, True, calibrated)
        elif self.clock.expired(t_ns):
            target.break_hold(t_ns, "timeout")
            self._finish_rep(t_ns, False, calibrated)
        else:
            difficulty = target.difficulty
            self.feedback.show(level, difficulty.low_pct, difficulty.high_pct)

    # -- reps, sets, rests --------------------------------------------------------------------

    def _start_contract(self, t_ns: int, *, restart: bool) -> None:
        timing = self.protocol.timing
        self.reps.start(timing.reps, restart=restart,
                        onset_pct=onset_threshold_pct(self.target.difficulty.low_pct))
        hold_s = self.target.difficulty.hold_s
        duration_s = hold_s if self.is_mvc else max(timing.contract_s, hold_s)
        self.clock.enter(t_ns, Phase.CONTRACT, s_to_ns(duration_s))
        self.target.reset()
        feedback = self.feedback
        show = feedback.start_rep(len(self.reps.results))
        difficulty = self.target.difficulty
        self.log.emit(t_ns, EventKind.REP_STARTED, "", {
            "set": self.reps.set_index,
            "rep": self.reps.rep_in_set,
            "low_pct": difficulty.low_pct,
            "high_pct": difficulty.high_pct,
            "hold_s": difficulty.hold_s,
            "show_feedback": show,
            "restart": restart,
        })
        if feedback.first_by_feel:
            self.log.emit(t_ns, EventKind.FEEDBACK_FADED, "", {
                "successes": feedback.successes, "fraction": feedback.fraction(),
            })

    def set_feedback_mode(self, t_ns: int, mode: str) -> None:
        """Schedule concurrent feedback by ``mode`` from ``t_ns`` on (the clinician's choice)."""
        previous = self.feedback.set_mode(mode)
        if self.clock.phase is Phase.CONTRACT and self.target.level_pct is not None:
            difficulty = self.target.difficulty
            self.feedback.show(self.target.level_pct, difficulty.low_pct, difficulty.high_pct)
        self.log.emit(t_ns, EventKind.FEEDBACK_CHANGED, "", {"mode": mode, "previous": previous})

    def _finish_rep(self, t_ns: int, success: bool, calibrated: bool) -> None:
        self.target.close(t_ns, "rep_end")
        compensated = self.reps.stats.compensated
        rule = self.protocol.compensation
        failed_by_compensation = (
            compensated and success and rule is not None and rule.during_alert == "fail"
        )
        # The result carries the mark: a rep during a compensation alert, failed or counted as
        # the protocol says.
        result = self.reps.finish(
            t_ns, success and not failed_by_compensation, start_ns=self.clock.start_ns,
            tick_ns=self._tick_ns, calibrated=calibrated, difficulty=self.target.difficulty,
            failed_by="compensation" if failed_by_compensation else None,
        )
        self.log.emit(t_ns, EventKind.REP_COMPLETED, "", result.to_plain())
        self.comparisons.clear_alerts(t_ns)
        self.feedback.after_rep(result.success)
        self._judge_progress(t_ns, result)
        timing = self.protocol.timing
        if not self.reps.set_full(timing.reps):
            self._start_rest(t_ns, timing.rest_s, "rep")
            return
        self.log.emit(t_ns, EventKind.SET_COMPLETED, "", self.reps.close_set().to_plain())
        if self.reps.set_index < timing.sets:
            self._start_rest(t_ns, timing.set_rest_s, "set")
            return
        self.clock.enter(t_ns, Phase.DONE, 0)
        self.log.emit(t_ns, EventKind.SESSION_COMPLETED, "", {
            "reps_completed": self.reps.completed,
            "reps_prescribed": self.protocol.reps_prescribed,
        })

    def _judge_progress(self, t_ns: int, result: RepResult) -> None:
        """What a finished rep says: ready for more load, or a new difficulty (shaping)."""
        evidence = self.progression.after_rep(self.reps.results)
        if evidence is not None:
            self.log.emit(t_ns, EventKind.PROGRESSION_READY, self.target.subject, evidence)
        adaptive = self.adaptive
        proposal = adaptive.after_rep(result) if adaptive is not None else None
        if proposal is not None:
            limit = adaptive.capped_by if adaptive is not None else None
            self.set_difficulty(t_ns, *proposal, capped_by=limit)

    def _start_rest(self, t_ns: int, rest_s: float, after: str) -> None:
        self.clock.enter(t_ns, Phase.REST, s_to_ns(rest_s))
        self.feedback.rest()
        self.log.emit(t_ns, EventKind.REST_STARTED, "", {"rest_s": rest_s, "after": after})

    def set_difficulty(
        self, t_ns: int, difficulty: Difficulty, reason: str, *, capped_by: str | None = None
    ) -> None:
        """Change the band and hold from ``t_ns`` on (``reason``: "config", "shaping_up", ...;
        ``capped_by``: the protocol limit that held a shaping step short, if one did)."""
        previous = self.target.set_difficulty(difficulty)
        if reason == "config" and self.adaptive is not None:
            self.adaptive.rebase(difficulty)
        self.bands.change(t_ns, difficulty, reason, len(self.reps.results))
        self.log.emit(t_ns, EventKind.TARGET_ADJUSTED, self.target.subject, {
            "low_pct": difficulty.low_pct, "high_pct": difficulty.high_pct,
            "hold_s": difficulty.hold_s,
            "previous": {"low_pct": previous.low_pct, "high_pct": previous.high_pct,
                         "hold_s": previous.hold_s},
            "reason": reason,
            "capped_by": capped_by,
        })

    @property
    def _tick_ns(self) -> int:
        return self._ticks.tick_ns if self._ticks.rate_hz else 0

    # -- pauses -------------------------------------------------------------------------------

    def _pause_for_quality(
        self, t_ns: int, quality: list[int] | None, values: list[float], uv: list[float],
        bad: int,
    ) -> None:
        columns = self.columns
        flagged = self.gate.flagged(columns.labels, columns.columns, values, uv, quality)
        names = flag_names(bad)
        self._enter_pause(t_ns, "quality")
        self.gate.wait_for_clean()
        self.pauses.reason = f"signal problem on {', '.join(flagged)}: {', '.join(names)}"
        self.comparisons.reset_windows()
        self.log.emit(t_ns, EventKind.QUALITY_PAUSED, ",".join(flagged), {
            "flags": [*names], "phase": self.pauses.resume_phase.value,
        })

    def set_user_pause(self, t_ns: int, paused: bool) -> None:
        """The player paused or resumed: timers stop, and an interrupted rep waits where it was
        (see :mod:`engine.rules.pauses`)."""
        pauses = self.pauses
        if paused == pauses.by_user or self.clock.phase is Phase.DONE:
            return
        pauses.by_user = paused
        if not paused:
            self._resume(t_ns, EventKind.USER_RESUMED)
            return
        pauses.reason = "paused by the player"
        if self.clock.phase is Phase.PAUSED:
            # Already paused for the signal: the player's pause takes over; resuming is theirs.
            return
        self._enter_pause(t_ns, "paused")
        self.log.emit(t_ns, EventKind.USER_PAUSED, "", {"phase": pauses.resume_phase.value})

    def _enter_pause(self, t_ns: int, reason: str) -> None:
        """Stop the exercise where it is. The player's pause keeps a rep under way (its hold
        and time limit go on after it); a signal problem breaks the hold (its rep starts over);
        a maximal effort always starts over."""
        clock = self.clock
        interrupted = clock.phase
        self.pauses.begin(t_ns, interrupted)
        if interrupted is Phase.CONTRACT:
            if reason == "paused" and not self.is_mvc:
                self.pauses.keep_contract(clock.elapsed_ns(t_ns), clock.duration_ns)
                self.target.freeze(t_ns)
            else:
                self.target.break_hold(t_ns, reason)
                self.target.close(t_ns, "paused")
        clock.enter(t_ns, Phase.PAUSED, 0)

    def _resume(self, t_ns: int, kind: EventKind) -> None:
        paused_ns = self.pauses.end(t_ns)
        self.log.emit(t_ns, kind, "", {"paused_s": paused_ns / NS_PER_S})
        phase = self.pauses.resume_phase
        timing = self.protocol.timing
        kept = self.pauses.kept_contract
        if phase is Phase.CONTRACT and kept is not None:
            # The player's pause: the rep goes on where it stood, the pause skipped.
            elapsed_ns, duration_ns = kept
            self.pauses.kept_contract = None
            self.clock.enter(t_ns - elapsed_ns, Phase.CONTRACT, duration_ns)
            self.target.resume(t_ns)
        elif phase is Phase.CONTRACT:
            # A signal problem: the rep starts over (time in a pause never counts as a hold).
            self._start_contract(t_ns, restart=True)
        elif phase is Phase.REST:
            self._start_rest(t_ns, timing.rest_s, "pause")
        else:
            self.clock.enter(t_ns, phase, s_to_ns(timing.ready_s))
