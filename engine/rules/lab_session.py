"""The exercise lab: a comparison protocol (``kind = "compare"``) run live, variation by
variation, then ranked.

For each variation of the protocol's :class:`~engine.comparison_plan.ComparisonPlan`, in order:

- **instruction** (the clock's ``ready``): the variation's name, instruction and cue, with a
  countdown: ``timing.ready_s`` before the first variation, ``timing.set_rest_s`` (the rest
  between variations) before the others, so the client rests while reading what comes next;
- **work** (``contract``): the client does a rep. Reps are cut live from the target's signal by
  :class:`~engine.rep_cutting.RepCutter`, which also says whether a rep is *judged* (no flag on
  a channel it is measured on anywhere in it, no gap across it: the one rule, the same as
  ``myoplay compare`` applies offline); a judged rep counts, one not judged is reported but
  never scored (the client does another);
- **rest** (``rest``): the variation's ``rest_s`` between its reps; after its last rep the next
  variation's instruction follows;
- **result** (``done``): :func:`~engine.variation_ranking.rank_variations` over the reps of
  every variation, as :class:`~engine.comparison_result.ComparisonResult`.

A rep belongs to the variation under way when its onset is at or after the variation's start
(a rep begun early, during a rest, counts and restarts the rest; one begun during an instruction
belongs to no variation). Reps come from the cutter with the sample index at which they were
known complete, and are taken at the first rule tick at or after it, so the events depend only
on the samples: the same in any chunking, live and in a replay. The events say everything the
ranking needs (``variation_started`` / ``variation_ended`` with their sample spans, ``rep_cut``
with every measure), so ``myoplay compare`` on the recording finds the same reps.

The live bars show the target's %MVC against the compensators' and the target's share; a
channel with a quality flag withholds them (never a %MVC from a bad signal). The player's pause
stops the timers; a rep that meets a paused stretch counts for nothing
(:func:`~engine.paused_stretches.overlaps_pause`, as offline).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.calibration import Normalisation
from engine.clock import NS_PER_S, s_to_ns
from engine.cocontraction import target_share_pct
from engine.comparison_plan import ComparisonPlan, Variation
from engine.comparison_result import ComparisonResult
from engine.held_blocks import held_row, is_held
from engine.messages import ChannelInfo, PlainValue, ProcessedBlock, canonical
from engine.muscle_names import normalise_muscle
from engine.paused_stretches import PausedStretch, overlaps_pause
from engine.protocol import Protocol
from engine.rep_cutting import MuscleRole, Rep, RepCutter
from engine.rules.event_log import EventLog
from engine.rules.kinds import EventKind, Phase
from engine.rules.pauses import PauseState
from engine.rules.phases import PhaseClock
from engine.rules.quality_gate import QualityGate, flag_names
from engine.rules.session_summary import SessionSummary
from engine.rules.set_fatigue import FatigueWatch
from engine.variation_ranking import rank_variations
from engine.view import ExerciseView, LabView


class LabStep(enum.StrEnum):
    """Where the lab is within a variation (see the module docstring)."""

    INSTRUCTION = "instruction"
    WORK = "work"
    REST = "rest"
    RESULT = "result"


_STEP_OF_PHASE = {Phase.READY: LabStep.INSTRUCTION, Phase.CONTRACT: LabStep.WORK,
                  Phase.REST: LabStep.REST, Phase.DONE: LabStep.RESULT}


class VariationProgress:
    """Which variation is under way, since which sample, and the reps each one has."""

    __slots__ = ("index", "plan", "reps", "start_index")

    def __init__(self, plan: ComparisonPlan) -> None:
        self.plan = plan
        self.index = 0
        self.start_index: int | None = None
        """First sample of the variation under way (None while its instruction shows)."""
        self.reps: dict[str, list[Rep]] = {v.id: [] for v in plan.variations}
        """Every rep cut in each variation, judged or not (the ranking counts both)."""

    @property
    def current(self) -> Variation:
        return self.plan.variations[self.index]

    @property
    def counted(self) -> int:
        """Judged reps of the variation under way."""
        return sum(rep.judged for rep in self.reps[self.current.id])

    @property
    def not_judged(self) -> int:
        return sum(not rep.judged for rep in self.reps[self.current.id])

    @property
    def full(self) -> bool:
        return self.counted >= self.current.reps

    @property
    def is_last(self) -> bool:
        return self.index == len(self.plan.variations) - 1

    def takes(self, rep: Rep) -> bool:
        """Whether ``rep`` belongs to the variation under way (its onset is inside it)."""
        return self.start_index is not None and rep.onset_index >= self.start_index

    def counted_total(self) -> int:
        return sum(rep.judged for reps in self.reps.values() for rep in reps)

    def cut_total(self) -> int:
        return sum(len(reps) for reps in self.reps.values())


@dataclass(frozen=True, slots=True)
class LiveLevels:
    """The target's and the compensators' %MVC at the last tick (means of their channels) and
    the target's share, all withheld when flagged."""

    target_pct: float | None = None
    compensator_pct: float | None = None
    share_pct: float | None = None
    problem: str = ""


class LabSession:
    """One run of a comparison protocol from sample time ``t_ns``, reporting to ``log``."""

    def __init__(self, protocol: Protocol, channels: Sequence[ChannelInfo], log: EventLog,
                 t_ns: int) -> None:
        plan = protocol.comparison
        if plan is None:
            raise ValueError(f"protocol {protocol.id!r} is not a comparison")
        self.protocol = protocol
        self.plan = plan
        self.channels = tuple(channels)
        self.log = log
        self.progress = VariationProgress(plan)
        self.clock = PhaseClock(t_ns, s_to_ns(protocol.timing.ready_s))
        self.pauses = PauseState()
        self.gate = QualityGate(protocol.quality)
        self.started_ns = t_ns
        self.live = LiveLevels()
        self.result: ComparisonResult | None = None
        self._cutter: RepCutter | None = None
        self._waiting: list[Rep] = []
        """Reps cut but not yet taken (they are taken at the tick at or after their
        ``detected_index``)."""
        self._paused_remaining_ns = 0
        self._pauses: list[PausedStretch] = []
        """The stretches the player paused (the last one open while paused)."""
        self._pause_change: bool | None = None
        """A pause (True) or resume (False) applied at this tick's time, whose sample index
        the tick gives."""
        self._ready = False
        """The player said they are ready: the instruction's countdown ends at the next tick."""
        targets = {normalise_muscle(m) for m in plan.targets}
        compensators = {normalise_muscle(m) for m in plan.compensators}
        self.target_columns = tuple(i for i, c in enumerate(self.channels)
                                    if normalise_muscle(c.muscle) in targets)
        self.compensator_columns = tuple(i for i, c in enumerate(self.channels)
                                         if normalise_muscle(c.muscle) in compensators)
        self.fatigue = FatigueWatch(self.channels,
                                    self.target_columns + self.compensator_columns)
        """The median-frequency slope per variation (a variation is the lab's set), as every
        mode's summary and clinician view show it."""

    # -- inputs -----------------------------------------------------------------------------

    def start_at(self, t_ns: int) -> None:
        """The lab sees its first sample at ``t_ns``: the first countdown starts there."""
        self.clock.start_ns = t_ns
        self.started_ns = t_ns

    def feed(self, block: ProcessedBlock) -> None:
        """Cut reps from ``block`` (in %MVC; a gap's held block too, which the cutter takes by
        its length); they are taken at their ticks. The cutter is made at the first block,
        when the rate is known."""
        if self._cutter is None:
            plan = self.plan
            self._cutter = RepCutter(block.rate_hz, self.channels, plan.targets,
                                     plan.compensators)
        self._waiting.extend(self._cutter.feed(block))

    def tick(self, t_ns: int, index: int, pct: list[float] | None, quality: list[int] | None,
             ) -> None:
        """One rule tick at sample ``index`` (time ``t_ns``): %MVC per channel, quality masks."""
        self.live = self._levels(pct, quality)
        self._note_pause(index)
        clock = self.clock
        # Sets count from 1, as the exercise's do: variation k is set k.
        self.fatigue.mark(self.progress.index + 1 if clock.phase is Phase.CONTRACT else None,
                          pct)
        waiting = self._waiting
        # While paused, reps wait: they are judged by the pause rule once it is over.
        while waiting and waiting[0].detected_index <= index and clock.phase is not Phase.PAUSED:
            self._take(t_ns, index, waiting.pop(0))
        ready, self._ready = self._ready, False
        if clock.phase is Phase.READY and ready:
            self._start_variation(t_ns, index)
            return
        if clock.phase in (Phase.DONE, Phase.PAUSED) or not clock.expired(t_ns):
            return
        if clock.phase is Phase.READY:
            self._start_variation(t_ns, index)
        elif clock.phase is Phase.REST:
            rest_s = clock.elapsed_ns(t_ns) / NS_PER_S
            self.log.emit(t_ns, EventKind.REST_ENDED, "", {"rest_s": rest_s})
            self._start_work(t_ns)

    def ready(self) -> None:
        """The player is ready: a variation's instruction ends at the next tick (in any other
        step this changes nothing)."""
        self._ready = True

    def set_user_pause(self, t_ns: int, paused: bool) -> None:
        """The player paused or resumed: the timers stop; the step goes on where it stood."""
        pauses, clock = self.pauses, self.clock
        if paused == pauses.by_user or clock.phase is Phase.DONE:
            return
        pauses.by_user = paused
        self._pause_change = paused
        if paused:
            pauses.reason = "paused by the player"
            pauses.begin(t_ns, clock.phase)
            self._paused_remaining_ns = max(0, clock.duration_ns - clock.elapsed_ns(t_ns))
            clock.enter(t_ns, Phase.PAUSED, 0)
            self.log.emit(t_ns, EventKind.USER_PAUSED, "", {"phase": pauses.resume_phase.value})
            return
        paused_ns = pauses.end(t_ns)
        self.log.emit(t_ns, EventKind.USER_RESUMED, "", {"paused_s": paused_ns / NS_PER_S})
        clock.enter(t_ns, pauses.resume_phase, self._paused_remaining_ns)

    def _note_pause(self, index: int) -> None:
        """A pause or resume applied at this tick begins or ends a paused stretch here."""
        change, self._pause_change = self._pause_change, None
        if change is True:
            self._pauses.append(PausedStretch(index, None))
        elif change is False and self._pauses and self._pauses[-1].end_index is None:
            self._pauses[-1] = PausedStretch(self._pauses[-1].start_index, index)

    # -- steps ------------------------------------------------------------------------------

    def _start_variation(self, t_ns: int, index: int) -> None:
        progress = self.progress
        variation = progress.current
        progress.start_index = index
        self.log.emit(t_ns, EventKind.VARIATION_STARTED, variation.id, {
            "number": progress.index + 1,
            "of": len(self.plan.variations),
            "name": variation.name,
            "reps": variation.reps,
            "rest_s": variation.rest_s,
            "cue": variation.cue,
            "start_index": index,
        })
        self._start_work(t_ns)

    def _start_work(self, t_ns: int) -> None:
        # The time limit only says how long a rep is expected to take: the lab waits for the
        # rep however long it takes (the cutter decides when it was one).
        self.clock.enter(t_ns, Phase.CONTRACT, s_to_ns(self.protocol.timing.contract_s))
        progress = self.progress
        self.log.emit(t_ns, EventKind.REP_STARTED, progress.current.id, {
            "set": progress.index + 1, "rep": progress.counted + 1, "restart": False,
        })

    def _take(self, t_ns: int, index: int, rep: Rep) -> None:
        """A rep the cutter completed: count it for the variation under way, or not."""
        progress = self.progress
        if (self.clock.phase is Phase.DONE or not progress.takes(rep)
                or overlaps_pause(rep.onset_index, rep.detected_index, self._pauses)):
            return
        variation = progress.current
        progress.reps[variation.id].append(rep)
        counted = rep.judged
        self.log.emit(t_ns, EventKind.REP_CUT, variation.id,
                      rep_plain(rep, self.plan, progress.counted if counted else None))
        if not counted:
            return
        if not progress.full:
            self.clock.enter(t_ns, Phase.REST, s_to_ns(variation.rest_s))
            self.log.emit(t_ns, EventKind.REST_STARTED, "",
                          {"rest_s": variation.rest_s, "after": "rep"})
            return
        self._end_variation(t_ns, index)

    def _end_variation(self, t_ns: int, index: int) -> None:
        progress = self.progress
        variation = progress.current
        self.log.emit(t_ns, EventKind.VARIATION_ENDED, variation.id, {
            "reps_counted": progress.counted,
            "reps_not_judged": progress.not_judged,
            "start_index": progress.start_index,
            "end_index": index,
        })
        progress.start_index = None
        if not progress.is_last:
            progress.index += 1
            self.clock.enter(t_ns, Phase.READY, s_to_ns(self.protocol.timing.set_rest_s))
            return
        self.clock.enter(t_ns, Phase.DONE, 0)
        self.result = self._ranked()
        self.log.emit(t_ns, EventKind.COMPARISON_RANKED, self.result.winner or "",
                      self.result.to_plain())
        self.log.emit(t_ns, EventKind.SESSION_COMPLETED, "", {
            "reps_completed": progress.counted_total(),
            "reps_prescribed": self.protocol.reps_prescribed,
        })

    def _levels(self, pct: list[float] | None, quality: list[int] | None) -> LiveLevels:
        """The bars' levels at a tick: withheld on any flag of the channels they read."""
        columns = self.target_columns + self.compensator_columns
        bad = [c for c in columns if quality is not None and quality[c] & self.gate.pause_mask]
        if bad:
            assert quality is not None
            mask = 0
            for c in bad:
                mask |= quality[c]
            labels = ", ".join(self.channels[c].label for c in bad)
            problem = (f"signal problem on {labels}: "
                       + ", ".join(flag_names(mask & self.gate.pause_mask)))
            return LiveLevels(problem=problem)
        if pct is None:
            return LiveLevels()
        target = [pct[c] for c in self.target_columns]
        compensators = [pct[c] for c in self.compensator_columns]
        target_mean, compensator_mean = _mean(target), _mean(compensators)
        share = None
        if target_mean is not None and compensator_mean is not None:
            # Summed like a rep's share (engine.rep_cutting): the work of every channel.
            share = target_share_pct(math.fsum(target), math.fsum(compensators))
        return LiveLevels(target_mean, compensator_mean, share)

    # -- outputs ----------------------------------------------------------------------------

    @property
    def step(self) -> LabStep:
        phase = self.clock.phase
        if phase is Phase.PAUSED:
            return _STEP_OF_PHASE[self.pauses.resume_phase]
        return _STEP_OF_PHASE[phase]

    def view(self, t_ns: int) -> ExerciseView:
        """The snapshot at ``t_ns``: the clock, reps and counts as every mode reads them (a
        variation is a "set", its reps the set's reps), and the lab's own view."""
        clock, progress = self.clock, self.progress
        return ExerciseView(
            protocol=self.protocol.name,
            phase=clock.phase.value,
            phase_elapsed_s=clock.elapsed_ns(t_ns) / NS_PER_S,
            phase_remaining_s=clock.remaining_s(t_ns),
            target_low_pct=self.protocol.target.low_pct,
            target_high_pct=self.protocol.target.high_pct,
            target_channels=self.target_columns,
            hold_required_s=self.protocol.timing.hold_s,
            hold_progress_s=0.0,
            in_zone=False,
            rep=progress.counted,
            reps_total=progress.current.reps,
            set_index=progress.index + 1,
            sets_total=len(self.plan.variations),
            reps_completed=progress.counted_total(),
            pause_reason=self.pauses.reason,
            kind=self.protocol.kind,
            summary=self.summary(t_ns) if clock.phase is Phase.DONE else None,
            fatigue=self.fatigue.results(),
            lab=self.lab_view(),
        )

    def lab_view(self) -> LabView:
        progress, plan = self.progress, self.plan
        variation = progress.current
        last = next((rep for rep in reversed(progress.reps[variation.id]) if rep.judged), None)
        live = self.live
        return LabView(
            step=self.step.value,
            variation_id=variation.id,
            variation_index=progress.index,
            variations_total=len(plan.variations),
            variation_name=variation.name,
            instruction=variation.instruction,
            cue=variation.cue or "",
            reps_counted=progress.counted,
            reps_total=variation.reps,
            reps_not_judged=progress.not_judged,
            in_rep=self._cutter is not None and self._cutter.in_rep,
            target_muscles=plan.targets,
            compensator_muscles=plan.compensators,
            target_pct=live.target_pct,
            compensator_pct=live.compensator_pct,
            target_share_pct=live.share_pct,
            last_rep_pct=last.metric_value(plan.metric) if last is not None else None,
            last_rep_share_pct=last.target_share_pct if last is not None else None,
            unit=plan.metric.unit,
            signal_problem=live.problem,
            result=self.result,
            learning_rest=self._cutter is None or not self._cutter.ready,
        )

    def summary(self, t_ns: int) -> SessionSummary:
        """The comparison so far at ``t_ns``: reps counted of prescribed, the ranking once
        done (``SessionSummary.comparison``)."""
        protocol, progress = self.protocol, self.progress
        done = self.clock.phase is Phase.DONE
        target = protocol.target
        variations_done = progress.index + (1 if done else 0)
        return SessionSummary(
            protocol_id=protocol.id,
            protocol_name=protocol.name,
            reps_prescribed=protocol.reps_prescribed,
            reps_attempted=progress.cut_total(),
            reps_completed=progress.counted_total(),
            sets_prescribed=len(self.plan.variations),
            sets_completed=variations_done,
            time_in_zone_s=0.0,
            paused_s=self.pauses.paused_ns(t_ns, self.clock.phase is Phase.PAUSED) / NS_PER_S,
            peak_pct_by_channel={},
            mean_symmetry_lsi_pct=None,
            alerts={},
            progression_ready=False,
            final_low_pct=target.low_pct,
            final_high_pct=target.high_pct,
            final_hold_s=protocol.timing.hold_s,
            finished=done,
            duration_s=max(0, t_ns - self.started_ns) / NS_PER_S,
            comparison=self.result or (self._ranked() if progress.cut_total() else None),
            fatigue=self.fatigue.results(),
        )

    def _ranked(self) -> ComparisonResult:
        """The ranking of the reps so far (every variation, the ones not done last)."""
        ranking = rank_variations(self.plan, self.progress.reps)
        muscle_of = {c.label: c.muscle for c in self.channels}
        return ComparisonResult.of(ranking, self.plan.confidence, muscle_of)


def normalised(block: ProcessedBlock, normalisation: Normalisation | None) -> ProcessedBlock:
    """``block`` in %MVC (a raw-envelope block through ``normalisation``; a held block, a gap,
    by its one row, so its length costs nothing)."""
    if normalisation is None or block.pct_mvc is not None:
        return block
    if is_held(block):
        envelope, pct = normalisation.apply(np.asarray(held_row(block.envelope_uv)))
        shape = block.envelope_uv.shape
        return dataclasses.replace(block, envelope_uv=np.broadcast_to(envelope, shape),
                                   pct_mvc=np.broadcast_to(pct, shape))
    envelope, pct = normalisation.apply(block.envelope_uv)
    return dataclasses.replace(block, envelope_uv=envelope, pct_mvc=pct)


def rep_plain(rep: Rep, plan: ComparisonPlan, counted_as: int | None) -> dict[str, PlainValue]:
    """What a ``rep_cut`` event records of ``rep``: where it was, whether it was scored
    (``counted_as`` its number in the variation, None when not judged) and, for a judged rep
    only, its metric and every muscle's mean and peak %MVC and onset relative to the rep's, ms
    (a rep not judged has no measures: they would come from a bad signal)."""
    judged = rep.judged
    plain = canonical({
        "number": counted_as,
        "judged": judged,
        "onset_index": rep.onset_index,
        "offset_index": rep.offset_index,
        "work_start_index": rep.work_start_index,
        "work_end_index": rep.work_end_index,
        "metric": rep.metric_value(plan.metric) if judged else None,
        "target_mean_pct": rep.target_mean_pct if judged else None,
        "target_peak_pct": rep.target_peak_pct if judged else None,
        "target_share_pct": rep.target_share_pct if judged else None,
        "symmetry_angle_pct": rep.symmetry_angle_pct if judged else None,
        "muscles": {
            m.label: {"role": m.role.value, "mean_pct": m.mean_pct, "peak_pct": m.peak_pct,
                      "onset_ms": m.onset_ms, "flagged_fraction": m.flagged_fraction}
            for m in rep.muscles if m.role is not MuscleRole.OTHER
        } if judged else {},
    })
    assert isinstance(plain, dict)
    return plain


def _mean(values: list[float]) -> float | None:
    if not values or not all(math.isfinite(v) for v in values):
        return None
    return math.fsum(values) / len(values)

