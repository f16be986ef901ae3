"""The calibration screen's logic: rest, then timed efforts per muscle, ending in a
:class:`Calibration`.

A pure state machine stepped by :class:`~engine.messages.ProcessedBlock` s from a pipeline that
has *no* calibration active (raw envelopes). Steps are counted in samples from the first block,
so the result depends only on the samples, never on how they were chunked::

    rest → muscle 1: effort 1 → recover → effort 2 → … → muscle 2: effort 1 → … → result → done

Each step is judged when it ends: a rest or an effort with a flagged sample on the channels it
measures, or an effort that does not rise above rest, is rejected with its reason (shown on
screen and sent as a ``calibration_failed`` event) and made again. During an effort the screen
shows how it compares with the muscle's best accepted effort
(``CalibrationView.best_pct_of_current``), never with noise.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.calibration import (
    REFERENCE_WINDOW_S,
    Calibration,
    ReferenceKind,
    above_noise_floor,
    effort_amplitude,
    moving_average_peak,
    resting_baseline,
)
from engine.calibration_muscles import CalibratedMuscle
from engine.clock import sample_offset_ns
from engine.errors import CalibrationError
from engine.held_blocks import held_row, is_held
from engine.messages import PlainValue, ProcessedBlock, QualityFlag, RuleEvent
from engine.rules.kinds import EventKind
from engine.view import CalibrationView

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: A channel's reference must stand this many resting standard deviations above its baseline.
MIN_REFERENCE_SNR = 5.0
#: A rest whose strongest 0.5 s moving average is more than this many times its weakest was not
#: at rest (the resting envelope's 0.5 s averages of noise vary by some 10 %): a baseline
#: measured during a contraction would hide every later effort.
MAX_REST_SWING = 2.0
#: How long a player's session shows the calibration result, s.
RESULT_SHOWN_S = 5.0
#: Rejections in a row after which the reason also says to check the electrodes.
REJECTIONS_BEFORE_HINT = 3


@dataclass(frozen=True, slots=True)
class CalibrationProtocol:
    """Durations and kind of the calibration (3 × 5 s efforts, as in the literature)."""

    rest_s: float = 5.0
    efforts: int = 3
    effort_s: float = 5.0
    recover_s: float = 30.0
    kind: ReferenceKind = "mvc"
    reference_pct_mvc: float = 100.0
    """For ``"submax"``: the share of MVC the effort is taken to be (100 = "% of reference")."""
    settle_s: float = 0.5
    """The start of the rest period is not measured while filters settle."""
    result_s: float = 0.0
    """How long each muscle's reference is shown before the exercise starts (``myoplay play``
    shows it for :data:`RESULT_SHOWN_S`; 0, as in recordings made before there was a result
    step, goes straight on)."""

    def __post_init__(self) -> None:
        if self.efforts < 1 or min(self.rest_s, self.effort_s) <= self.settle_s:
            raise CalibrationError(
                "a calibration needs at least one effort, and rest and efforts longer than "
                f"the {self.settle_s:g} s settling time"
            )
        if self.effort_s < REFERENCE_WINDOW_S or min(self.recover_s, self.result_s) < 0:
            raise CalibrationError(f"efforts must last at least {REFERENCE_WINDOW_S} s")


class CalibrationStep(enum.StrEnum):
    """The steps of a calibration, as the screen names them."""

    REST = "rest"
    EFFORT = "effort"
    RECOVER = "recover"
    RESULT = "result"
    DONE = "done"


class RejectionCause(enum.Enum):
    """Why a step was rejected; after repeated rejections the advice follows the cause.

    The value is what the player is told after repeated rejections of this cause: how it went
    on ("still ...") and what to do about it, with ``{labels}`` the channels concerned.
    """

    SIGNAL = ("still a signal problem", "check the electrodes and leads on {labels}")
    NOT_RELAXED = ("still not relaxed",
                   "support the limb and let {labels} go completely before the rest begins; "
                   "if it feels relaxed, a loose electrode there can look tense")
    NO_RISE = ("still nothing", "check the electrodes on {labels}")


@dataclass(frozen=True, slots=True)
class _Phase:
    """One step under way, in samples from the first one: ``[start, stop)``."""

    step: CalibrationStep
    muscle: int
    effort: int
    """The effort (from 0) this step measures, or, recovering, the one that comes next."""
    start: int
    stop: int


class _Pieces:
    """Envelope pieces of one step as they arrived, with their quality masks.

    Pieces are stored in C order whatever the block's layout: numpy sums an (n, ch) array in a
    different order when it is column-major, and the last bits of the baseline must not depend
    on how the samples were chunked.
    """

    __slots__ = ("_envelopes", "_quality")

    def __init__(self) -> None:
        self._envelopes: list[FloatArray] = []
        self._quality: list[npt.NDArray[np.uint8]] = []

    def __bool__(self) -> bool:
        return bool(self._envelopes)

    def add(self, envelope: FloatArray, quality: npt.NDArray[np.uint8]) -> None:
        self._envelopes.append(np.ascontiguousarray(envelope))
        self._quality.append(np.ascontiguousarray(quality))

    def envelope(self) -> FloatArray:
        return np.concatenate(self._envelopes)

    def quality(self) -> npt.NDArray[np.uint8]:
        return np.concatenate(self._quality)


def main_problem(mask: int) -> str:
    """The quality problem in ``mask`` to tell the patient about, as the screen says it
    ("saturated", "lift off"): the first in :class:`QualityFlag` order, settling only when
    alone (it follows the others)."""
    flags: list[QualityFlag] = [f for f in QualityFlag(mask) if f is not QualityFlag.SETTLING]
    first = flags[0] if flags else QualityFlag.SETTLING
    return (first.name or "").lower().replace("_", " ")


class CalibrationProcedure:
    """Runs one calibration of ``muscles`` (default: every channel together) among the channels
    ``labels`` of a pipeline with ``signature``.

    The rest is measured on every channel; then each muscle makes ``protocol.efforts`` efforts
    of its own. An effort (or the rest) is judged when it ends, on that muscle's channels only:
    one with a flagged sample (saturated, lift-off, a gap...) or that does not rise
    :data:`MIN_REFERENCE_SNR` resting standard deviations above rest is rejected, the reason
    shown through the next recovery, and made again; so a calibration never ends on a missed
    or damaged effort, and a reference never comes from flagged samples. Channels of no muscle
    get no reference (0: not calibrated). After the last effort the result is shown for
    ``protocol.result_s``; :attr:`done` then.
    """

    def __init__(
        self,
        labels: Sequence[str],
        rate_hz: float,
        pipeline_signature: Mapping[str, PlainValue],
        protocol: CalibrationProtocol | None = None,
        muscles: Sequence[CalibratedMuscle] | None = None,
    ) -> None:
        self.protocol = protocol or CalibrationProtocol()
        self.labels = tuple(labels)
        self.rate_hz = rate_hz
        self.muscles = tuple(muscles) if muscles else (
            CalibratedMuscle("every muscle", tuple(range(len(self.labels)))),)
        self._signature = dict(pipeline_signature)
        self._settle = round(self.protocol.settle_s * rate_hz)
        self._origin: int | None = None
        self._position = 0
        self._phase = self._new_phase(CalibrationStep.REST, 0, 0, 0)
        self._pieces = _Pieces()
        self._rest_mean = np.zeros(len(self.labels))
        self._rest_sd = np.zeros(len(self.labels))
        self._accepted: list[list[FloatArray]] = [[] for _ in self.muscles]
        self._rejection = ""
        self._suspects: tuple[int, ...] = ()
        """The channels the last rejection was about (to check after repeated ones)."""
        self._causes: list[RejectionCause] = []
        """Why each rejection in the current row was made, oldest first (the judging that
        rejects a step adds its cause; a step that counts clears the row)."""
        self._waiting = False
        """The last samples were passed over, flagged, before a step could begin."""
        self._calibration: Calibration | None = None
        self._end_t_ns = 0
        self.events: list[RuleEvent] = []
        """Rejected efforts not yet taken by the session (a ``calibration_failed`` event each,
        with the reason, the muscle and the effort)."""
        self._view: tuple[int, CalibrationView] | None = None

    # -- progress ----------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._phase.step is CalibrationStep.DONE

    @property
    def position(self) -> int:
        """Samples taken in so far."""
        return self._position

    @property
    def calibration(self) -> Calibration | None:
        """The calibration, once every effort is in (shown during the result step)."""
        return self._calibration

    def skip_result(self) -> None:
        """The player has read the result: end its step at the next sample (no-op before)."""
        phase = self._phase
        if phase.step is CalibrationStep.RESULT:
            self._phase = _Phase(phase.step, phase.muscle, phase.effort, phase.start,
                                 self._position)

    def _new_phase(self, step: CalibrationStep, muscle: int, effort: int, start: int) -> _Phase:
        p = self.protocol
        seconds = {CalibrationStep.REST: p.rest_s, CalibrationStep.EFFORT: p.effort_s,
                   CalibrationStep.RECOVER: p.recover_s, CalibrationStep.RESULT: p.result_s,
                   CalibrationStep.DONE: 0.0}[step]
        return _Phase(step, muscle, effort, start, start + round(seconds * self.rate_hz))

    def step(self, block: ProcessedBlock) -> int:
        """Take the next processed block (what the screen shows is :attr:`view`); returns how
        many of its samples were taken (all of them, unless it ended the calibration)."""
        if block.pct_mvc is not None:
            raise CalibrationError(
                "calibrating on a pipeline that already normalises",
                hint="clear the old calibration before calibrating again",
            )
        if block.envelope_uv.shape[1] != len(self.labels):
            raise CalibrationError(
                f"block has {block.envelope_uv.shape[1]} channels, calibration {len(self.labels)}"
            )
        if self._origin is None:
            self._origin = block.first_index
        offset = block.first_index - self._origin
        if offset != self._position:
            raise CalibrationError(
                f"calibration expected sample {self._origin + self._position}, "
                f"got {block.first_index}"
            )
        taken = 0
        while taken < block.n_samples and not self.done:
            taken += self._take(block, taken)
        return taken

    def _take(self, block: ProcessedBlock, start: int) -> int:
        """Take samples of ``block`` from row ``start`` up to the end of the current step."""
        phase = self._phase
        if phase.step in (CalibrationStep.REST, CalibrationStep.EFFORT) and (
                self._position == phase.start):
            waited = self._wait_for_clean_signal(block, start)
            self._waiting = waited > 0
            if waited:
                self._position += waited
                self._phase = self._new_phase(phase.step, phase.muscle, phase.effort,
                                              self._position)
                return waited
        n = min(block.n_samples - start, phase.stop - self._position)
        if phase.step in (CalibrationStep.REST, CalibrationStep.EFFORT):
            lo = start
            if phase.step is CalibrationStep.REST:
                lo += min(n, max(0, phase.start + self._settle - self._position))
            if lo < start + n:
                self._pieces.add(block.envelope_uv[lo:start + n], block.quality[lo:start + n])
        self._position += n
        if self._position >= phase.stop:
            self._end(block, start + n)
        return n

    def _wait_for_clean_signal(self, block: ProcessedBlock, start: int) -> int:
        """Samples from row ``start`` to pass over before the step beginning here: those
        flagged on the channels it measures (a gap, an artefact, filters settling). A step
        begun on a flagged signal could only be rejected; so it begins on the first clean
        sample, however long the wait (a gap's held block is passed over whole)."""
        columns = list(self._watched())
        if is_held(block):
            flagged = bool(held_row(block.quality)[columns].any())
            return block.n_samples - start if flagged else 0
        clean = ~block.quality[start:, columns].any(axis=1)
        return int(np.argmax(clean)) if clean.any() else block.n_samples - start

    def _watched(self) -> tuple[int, ...]:
        """The channels the step under way is judged on."""
        if self._phase.step is CalibrationStep.EFFORT:
            return self.muscles[self._phase.muscle].columns
        return tuple(sorted({c for m in self.muscles for c in m.columns}))

    def _end(self, block: ProcessedBlock, row: int) -> None:
        """The step under way ended at ``row`` of ``block``: judge it and start the next."""
        t_ns = block.t_ns + sample_offset_ns(row, block.rate_hz)
        phase, pieces = self._phase, self._pieces
        self._pieces = _Pieces()
        step = phase.step
        if step is CalibrationStep.REST:
            reason = self._judge_rest(pieces)
            if reason:
                self._reject(t_ns, reason, phase)
                self._phase = self._new_phase(CalibrationStep.REST, 0, 0, self._position)
                return
            self._rejection, self._causes = "", []
            self._next_effort(0, 0)
        elif step is CalibrationStep.EFFORT:
            reason = self._judge_effort(pieces, phase.muscle)
            if reason:
                self._reject(t_ns, reason, phase)
                self._recover_before(phase.muscle, phase.effort)
                return
            self._rejection, self._causes = "", []
            if phase.effort + 1 < self.protocol.efforts:
                self._recover_before(phase.muscle, phase.effort + 1)
            elif phase.muscle + 1 < len(self.muscles):
                self._recover_before(phase.muscle + 1, 0)
            else:
                self._finish(t_ns)
        elif step is CalibrationStep.RECOVER:
            self._next_effort(phase.muscle, phase.effort)
        else:
            self._phase = self._new_phase(CalibrationStep.DONE, phase.muscle, phase.effort,
                                          self._position)

    def _next_effort(self, muscle: int, effort: int) -> None:
        self._phase = self._new_phase(CalibrationStep.EFFORT, muscle, effort, self._position)

    def _recover_before(self, muscle: int, effort: int) -> None:
        step = CalibrationStep.RECOVER if self.protocol.recover_s > 0 else CalibrationStep.EFFORT
        self._phase = self._new_phase(step, muscle, effort, self._position)

    def _finish(self, t_ns: int) -> None:
        self._end_t_ns = t_ns
        self._calibration = self._build()
        step = CalibrationStep.RESULT if self.protocol.result_s > 0 else CalibrationStep.DONE
        self._phase = self._new_phase(step, len(self.muscles) - 1, self.protocol.efforts - 1,
                                      self._position)

    # -- judging -----------------------------------------------------------------------------

    def _judge_rest(self, pieces: _Pieces) -> str:
        """Why the rest cannot be the baseline ("" when it can); keeps it when it can."""
        columns = list(self._watched())
        quality = pieces.quality()
        flags = int(np.bitwise_or.reduce(quality[:, columns], axis=None))
        if flags:
            self._suspects = tuple(c for c in columns if quality[:, c].any())
            self._causes.append(RejectionCause.SIGNAL)
            return f"signal problem while resting: {main_problem(flags)}; keep still"
        envelope = pieces.envelope()
        watched = envelope[:, columns]
        highest = moving_average_peak(watched, self.rate_hz)
        lowest = -moving_average_peak(-watched, self.rate_hz)
        tense = [c for c, hi, lo in zip(columns, highest, lowest, strict=True)
                 if hi > MAX_REST_SWING * lo]
        if tense:
            self._suspects = tuple(tense)
            self._causes.append(RejectionCause.NOT_RELAXED)
            names = " and ".join(self.labels[c] for c in tense)
            return f"{names} did not stay relaxed during the rest: relax completely"
        usable = quality == 0
        # Channels of no muscle get no reference: a flagged one must not stop the baseline.
        usable[:, ~usable.any(axis=0)] = True
        self._rest_mean, self._rest_sd = resting_baseline(envelope, usable)
        return ""

    def _judge_effort(self, pieces: _Pieces, muscle: int) -> str:
        """Why the effort cannot count ("" when it can); keeps its amplitude when it can."""
        m = self.muscles[muscle]
        columns = list(m.columns)
        quality = pieces.quality()
        flags = int(np.bitwise_or.reduce(quality[:, columns], axis=None))
        if flags:
            self._suspects = tuple(c for c in columns if quality[:, c].any())
            self._causes.append(RejectionCause.SIGNAL)
            return f"signal problem during the effort: {main_problem(flags)}"
        amplitude = self._amplitude(pieces)
        weak = [c for c in columns
                if amplitude[c] < MIN_REFERENCE_SNR * max(float(self._rest_sd[c]), 1e-9)]
        if weak:
            self._suspects = tuple(weak)
            self._causes.append(RejectionCause.NO_RISE)
            who = m.name if len(weak) == len(columns) else " and ".join(
                self.labels[c] for c in weak)
            return f"{who} did not rise above rest: contract harder and hold"
        self._accepted[muscle].append(amplitude)
        return ""

    def _amplitude(self, pieces: _Pieces) -> FloatArray:
        envelope = above_noise_floor(pieces.envelope(), self._rest_mean)
        return effort_amplitude(envelope, self.rate_hz, pieces.quality() == 0)

    def _reject(self, t_ns: int, reason: str, phase: _Phase) -> None:
        if len(self._causes) >= REJECTIONS_BEFORE_HINT:
            reason += f" ({self._repeated_advice()})"
        self._rejection = reason
        muscle = self.muscles[phase.muscle].name if phase.step is CalibrationStep.EFFORT else ""
        self.events.append(RuleEvent(t_ns, EventKind.CALIBRATION_FAILED.value, "", {
            "reason": reason, "step": phase.step.value, "muscle": muscle,
            "effort": phase.effort + 1 if phase.step is CalibrationStep.EFFORT else 0,
        }))

    def _repeated_advice(self) -> str:
        """What to do after repeated rejections, following the cause of the latest one (how
        many of the row it caused when causes were mixed): "check the electrodes" only where
        they are the likely cause, never for a player who did not relax."""
        latest = self._causes[-1]
        tries = len(self._causes)
        same = self._causes.count(latest)
        how, advice = latest.value
        when = f"after {tries} tries" if same == tries else f"in {same} of the last {tries} tries"
        labels = ", ".join(self.labels[c] for c in self._suspects)
        return f"{how} {when}: {advice.format(labels=labels)}"

    def take_events(self) -> list[RuleEvent]:
        """The rejections since last asked."""
        out, self.events = self.events, []
        return out

    def _build(self) -> Calibration:
        reference = np.zeros(len(self.labels))
        for muscle, peaks in zip(self.muscles, self._accepted, strict=True):
            best = np.max(np.stack(peaks), axis=0)
            reference[list(muscle.columns)] = best[list(muscle.columns)]
        p = self.protocol
        return Calibration(
            channels=self.labels,
            baseline_uv=tuple(float(v) for v in self._rest_mean),
            noise_sd_uv=tuple(float(v) for v in self._rest_sd),
            reference_uv=tuple(float(v) for v in reference),
            pipeline=dict(self._signature),
            kind=p.kind,
            reference_pct_mvc=p.reference_pct_mvc,
            t_ns=self._end_t_ns,
        )

    def result(self) -> Calibration:
        """The calibration, once every effort is in; :class:`CalibrationError` before."""
        if self._calibration is None:
            raise CalibrationError("the calibration is not finished yet")
        return self._calibration

    # -- the screen --------------------------------------------------------------------------

    @property
    def view(self) -> CalibrationView:
        """What the screen shows now. Built on demand and kept until the next sample: it
        re-measures the effort under way, which a replay never asks for and a screen asks for
        once per frame."""
        if self._view is None or self._view[0] != self._position:
            self._view = (self._position, self._build_view())
        return self._view[1]

    def _build_view(self) -> CalibrationView:
        p, phase = self.protocol, self._phase
        step = phase.step
        muscle = self.muscles[phase.muscle]
        remaining_s = (phase.stop - self._position) / self.rate_hz
        which = f"{muscle.name}, effort {phase.effort + 1} of {p.efforts}"
        relative: tuple[float | None, ...] = ()
        references: tuple[tuple[str, float], ...] = ()
        index = phase.effort
        if step in (CalibrationStep.RESULT, CalibrationStep.DONE):
            assert self._calibration is not None
            reference = np.asarray(self._calibration.reference_uv)
            references = tuple((m.name, _muscle_mean(reference, m.columns))
                               for m in self.muscles)
            prompt, index = "Calibration done", p.efforts
        elif self._waiting:
            labels = ", ".join(self.labels[c] for c in self._watched())
            prompt = f"Relax and keep still: waiting for a clean signal on {labels}"
            # Shown as a recovery: nothing to push for until the signal is clean.
            step, index = CalibrationStep.RECOVER, (0 if step is CalibrationStep.REST
                                                   else phase.effort)
        elif step is CalibrationStep.REST:
            prompt, index = "Relax completely: measuring your resting level", 0
        elif step is CalibrationStep.RECOVER:
            prompt = f"Relax and breathe. Next: {which}"
        else:
            action = ("push as hard as you can!" if p.kind == "mvc"
                      else "contract firmly, stop short of pain")
            prompt, index = f"{_capital(which)}: {action}", phase.effort + 1
            relative = self._relative_now(muscle)
        return CalibrationView(
            step.value, index, p.efforts, remaining_s, p.kind, relative, prompt,
            step_s=(phase.stop - phase.start) / self.rate_hz,
            muscle="" if step is CalibrationStep.REST else muscle.name,
            instruction=muscle.instruction if step is CalibrationStep.EFFORT else "",
            muscle_number=phase.muscle + 1,
            muscles_total=len(self.muscles),
            channels_calibrated=muscle.columns,
            rejection=self._rejection,
            effort_peaks_uv=tuple(_muscle_mean(a, muscle.columns)
                                  for a in self._accepted[phase.muscle]),
            references=references,
        )

    def _relative_now(self, muscle: CalibratedMuscle) -> tuple[float | None, ...]:
        """Per channel, the effort under way relative to the best accepted one of its muscle,
        in %; None where there is no accepted effort to compare with (or another muscle)."""
        best = self._accepted[self._phase.muscle]
        if not best or not self._pieces:
            return tuple(None for _ in self.labels)
        earlier = np.max(np.stack(best), axis=0)
        current = self._amplitude(self._pieces)
        return tuple(
            100.0 * float(current[c]) / float(earlier[c]) if c in muscle.columns else None
            for c in range(len(self.labels))
        )


def _muscle_mean(values: FloatArray, columns: tuple[int, ...]) -> float:
    """A muscle's value: the mean over its channels (one channel as it is)."""
    return float(sum(float(values[c]) for c in columns) / len(columns))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
