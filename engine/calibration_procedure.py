"""The calibration screen's logic: rest, then timed efforts, ending in a :class:`Calibration`.

A pure state machine stepped by :class:`~engine.messages.ProcessedBlock` s from a pipeline that
has *no* calibration active (raw envelopes). Phases are counted in samples from the first block,
so the result depends only on the samples, never on how they were chunked::

    rest (rest_s) → effort 1 (effort_s) → recover (recover_s) → effort 2 → … → effort N → done

Samples with any quality flag are left out of every measurement. After each effort the screen
can show how it compared with the best so far (``CalibrationView.best_pct_of_current``).
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
    build_calibration,
    effort_amplitude,
)
from engine.clock import sample_offset_ns
from engine.errors import CalibrationError
from engine.messages import PlainValue, ProcessedBlock
from engine.view import CalibrationView

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: A channel's reference must stand this many resting standard deviations above its baseline.
MIN_REFERENCE_SNR = 5.0


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

    def __post_init__(self) -> None:
        if self.efforts < 1 or min(self.rest_s, self.effort_s) <= self.settle_s:
            raise CalibrationError(
                "a calibration needs at least one effort, and rest and efforts longer than "
                f"the {self.settle_s:g} s settling time"
            )
        if self.effort_s < REFERENCE_WINDOW_S or self.recover_s < 0:
            raise CalibrationError(f"efforts must last at least {REFERENCE_WINDOW_S} s")


class CalibrationStep(enum.StrEnum):
    """The steps of a calibration, as the screen names them."""

    REST = "rest"
    EFFORT = "effort"
    RECOVER = "recover"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class _Phase:
    """One step of the schedule, in samples from the first one: ``[start, stop)``."""

    step: CalibrationStep
    effort_index: int
    start: int
    stop: int


class CalibrationSchedule:
    """The steps of ``protocol`` at ``rate_hz``, in samples: rest, then efforts with recoveries
    between them; the first ``settle`` samples of the rest are not measured."""

    __slots__ = ("phases", "settle", "total")

    def __init__(self, protocol: CalibrationProtocol, rate_hz: float) -> None:
        durations = [(CalibrationStep.REST, 0, protocol.rest_s)]
        for k in range(protocol.efforts):
            durations.append((CalibrationStep.EFFORT, k, protocol.effort_s))
            if k < protocol.efforts - 1 and protocol.recover_s > 0:
                durations.append((CalibrationStep.RECOVER, k, protocol.recover_s))
        self.phases: list[_Phase] = []
        start = 0
        for step, k, seconds in durations:
            stop = start + round(seconds * rate_hz)
            self.phases.append(_Phase(step, k, start, stop))
            start = stop
        self.total = start
        self.settle = round(protocol.settle_s * rate_hz)

    def at(self, position: int) -> _Phase:
        """The step that sample ``position`` (before :attr:`total`) belongs to."""
        return next(ph for ph in self.phases if ph.start <= position < ph.stop)

    def effort(self, index: int) -> _Phase:
        return next(
            ph for ph in self.phases
            if ph.step is CalibrationStep.EFFORT and ph.effort_index == index
        )


class _Pieces:
    """Envelope pieces of one step as they arrived, with their usable-sample masks.

    Pieces are stored in C order whatever the block's layout: numpy sums an (n, ch) array in a
    different order when it is column-major, and the last bits of the baseline must not depend
    on how the samples were chunked.
    """

    __slots__ = ("_envelopes", "_usable")

    def __init__(self) -> None:
        self._envelopes: list[FloatArray] = []
        self._usable: list[BoolArray] = []

    def __bool__(self) -> bool:
        return bool(self._envelopes)

    def add(self, envelope: FloatArray, usable: BoolArray) -> None:
        self._envelopes.append(np.ascontiguousarray(envelope))
        self._usable.append(np.ascontiguousarray(usable))

    def envelope(self) -> FloatArray:
        return np.concatenate(self._envelopes)

    def usable(self) -> BoolArray:
        return np.concatenate(self._usable)


class CalibrationProcedure:
    """Runs one calibration for the channels ``labels`` of a pipeline with ``signature``."""

    def __init__(
        self,
        labels: Sequence[str],
        rate_hz: float,
        pipeline_signature: Mapping[str, PlainValue],
        protocol: CalibrationProtocol | None = None,
    ) -> None:
        self.protocol = protocol or CalibrationProtocol()
        self.labels = tuple(labels)
        self.rate_hz = rate_hz
        self._signature = dict(pipeline_signature)
        self._schedule = CalibrationSchedule(self.protocol, rate_hz)
        self._rest = _Pieces()
        self._efforts = [_Pieces() for _ in range(self.protocol.efforts)]
        self._finished_peaks: dict[int, FloatArray] = {}
        self._rest_mean: FloatArray | None = None
        self._origin: int | None = None
        self._position = 0
        self._end_t_ns = 0
        self._view: tuple[int, CalibrationView] | None = None

    @property
    def done(self) -> bool:
        return self._position >= self._schedule.total

    @property
    def length(self) -> int:
        """Samples the whole calibration takes."""
        return self._schedule.total

    @property
    def position(self) -> int:
        """Samples taken in so far (the block that finishes it may hold more than it needs)."""
        return self._position

    def step(self, block: ProcessedBlock) -> None:
        """Take the next processed block (what the screen shows is :attr:`view`)."""
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
        self._store(block, offset)
        self._position = min(offset + block.n_samples, self._schedule.total)
        consumed = self._position - offset
        self._end_t_ns = block.t_ns + sample_offset_ns(consumed, block.rate_hz)

    def _store(self, block: ProcessedBlock, offset: int) -> None:
        """Keep the rest's and the efforts' samples of ``block`` (which starts at ``offset``)."""
        schedule = self._schedule
        for phase in schedule.phases:
            lo, hi = max(phase.start, offset), min(phase.stop, offset + block.n_samples)
            if lo >= hi:
                continue
            part = slice(lo - offset, hi - offset)
            # Usable samples judged per stored part, never over the whole block: a gap's block
            # can hold billions of samples past the calibration's end.
            if phase.step is CalibrationStep.REST:
                skip = max(0, phase.start + schedule.settle - lo)
                part = slice(part.start + min(skip, hi - lo), part.stop)
                self._rest.add(block.envelope_uv[part], block.quality[part] == 0)
            elif phase.step is CalibrationStep.EFFORT:
                self._efforts[phase.effort_index].add(block.envelope_uv[part],
                                                      block.quality[part] == 0)

    @property
    def view(self) -> CalibrationView:
        """What the screen shows now. Built on demand and kept until the next sample: it
        re-measures the effort under way, which a replay never asks for and a screen asks for
        once per frame."""
        if self._view is None or self._view[0] != self._position:
            self._view = (self._position, self._build_view())
        return self._view[1]

    def _build_view(self) -> CalibrationView:
        p = self.protocol
        if self.done:
            return CalibrationView(
                CalibrationStep.DONE.value, p.efforts, p.efforts, 0.0, p.kind,
                self._relative_peaks(p.efforts - 1), "Calibration complete",
            )
        phase = self._schedule.at(self._position)
        remaining_s = (phase.stop - self._position) / self.rate_hz
        number = phase.effort_index + 1
        if phase.step is CalibrationStep.REST:
            prompt = "Relax completely: measuring your resting level"
            return CalibrationView(phase.step.value, 0, p.efforts, remaining_s, p.kind, (), prompt)
        if phase.step is CalibrationStep.RECOVER:
            prompt = f"Relax and breathe. Effort {number + 1} of {p.efforts} next"
        elif p.kind == "mvc":
            prompt = f"Effort {number} of {p.efforts}: push as hard as you can!"
        else:
            prompt = f"Effort {number} of {p.efforts}: contract firmly, stop short of pain"
        return CalibrationView(
            phase.step.value, number, p.efforts, remaining_s, p.kind,
            self._relative_peaks(phase.effort_index), prompt,
        )

    def _relative_peaks(self, effort: int) -> tuple[float, ...]:
        """This effort's amplitude relative to the best of the earlier ones, in %."""
        current = self._effort_peak(effort)
        earlier = (
            np.max([self._effort_peak(k) for k in range(effort)], axis=0) if effort else current
        )
        safe = np.where(earlier > 0, earlier, 1.0)
        return tuple(float(v) for v in np.where(earlier > 0, 100.0 * current / safe, 0.0))

    def _effort_peak(self, effort: int) -> FloatArray:
        """An effort's amplitude above the resting noise floor (cached once it is over)."""
        if effort in self._finished_peaks:
            return self._finished_peaks[effort]
        pieces = self._efforts[effort]
        if not pieces:
            return np.zeros(len(self.labels))
        envelope = above_noise_floor(pieces.envelope(), self._rest_level())
        peak = effort_amplitude(envelope, self.rate_hz, pieces.usable())
        if self._position >= self._schedule.effort(effort).stop:
            self._finished_peaks[effort] = peak
        return peak

    def _rest_level(self) -> FloatArray:
        if self._rest_mean is None:
            rest = self._rest.envelope()
            usable = self._rest.usable()
            counts = np.maximum(usable.sum(axis=0), 1)
            self._rest_mean = np.where(usable, rest, 0.0).sum(axis=0) / counts
        return self._rest_mean

    def result(self) -> Calibration:
        """The calibration, once :attr:`done`; :class:`CalibrationError` says what went wrong."""
        if not self.done:
            raise CalibrationError("the calibration is not finished yet")
        p = self.protocol
        calibration = build_calibration(
            self.labels,
            self._rest.envelope(),
            [e.envelope() for e in self._efforts],
            self.rate_hz,
            self._signature,
            rest_usable=self._rest.usable(),
            effort_usable=[e.usable() for e in self._efforts],
            kind=p.kind,
            reference_pct_mvc=p.reference_pct_mvc,
            t_ns=self._end_t_ns,
        )
        weak = [
            label
            for label, ref, sd in zip(
                self.labels, calibration.reference_uv, calibration.noise_sd_uv, strict=True
            )
            if ref < MIN_REFERENCE_SNR * max(sd, 1e-9)
        ]
        if weak:
            raise CalibrationError(
                f"the efforts barely rose above rest on {', '.join(weak)}",
                hint="check those electrodes and repeat the calibration",
            )
        return calibration
