"""Rule ticks: the envelope decimated by absolute sample index for rule evaluation.

Rules judge envelopes that are low-passed at a few hertz, so evaluating them at every sample of a
2 kHz stream would only cost time. A tick is taken at every absolute sample index ``i`` with
``i % factor == factor - 1``; the tick carries that sample's values and the OR of the quality
masks of all ``factor`` samples since the previous tick (so a one-sample lift-off is not missed).
Because ticks depend on absolute indices, any chunking of the same samples gives the same ticks.

Tick times come from an anchor (the first sample's index and ``t_ns``) plus the nominal sample
offset, never from per-block rounding, so they are identical for any chunking. A block whose
index does not follow the previous one (a gap) re-anchors and restarts the quality window.

A held block (:mod:`engine.held_blocks`, what the pipeline makes of a gap) gives
:class:`HeldTicks`: the one row its ticks share and a formula for their times, so a gap of
billions of samples costs no more than a frame.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.calibration import Normalisation
from engine.clock import sample_offset_ns
from engine.errors import CalibrationError, SignalError
from engine.held_blocks import held_row, is_held
from engine.messages import ProcessedBlock

RULE_RATE_HZ = 50.0
"""Nominal rule evaluation rate: 20 ms timing resolution, far finer than any hold or dwell."""


def decimation_factor(rate_hz: float, rule_rate_hz: float = RULE_RATE_HZ) -> int:
    """Samples per rule tick at ``rate_hz`` (at least 1)."""
    return max(1, round(rate_hz / rule_rate_hz))


@dataclass(frozen=True, slots=True)
class Ticks:
    """The ticks of one block, as Python lists for fast scalar stepping.

    Rows hold every channel of the block. ``pct`` is None when the block carried no %MVC;
    ``quality`` is None when no sample in the ticks' windows had a flag (the common case), else
    each row holds every channel's OR-ed mask.
    """

    t_ns: list[int]
    pct: list[list[float]] | None
    envelope_uv: list[list[float]]
    quality: list[list[int]] | None


@dataclass(frozen=True, slots=True)
class HeldTicks:
    """The ticks of a held block: ``count`` ticks that all carry the same values.

    ``pct`` (None without %MVC) and ``envelope_uv`` are every channel's held value; the first
    tick's quality window may also hold samples from before the block (``first_quality``), the
    others see only the held mask (``quality``); either is None when clean. Tick ``k`` is at
    :meth:`t_ns`, the same time :class:`Ticks` would give it.
    """

    count: int
    pct: list[float] | None
    envelope_uv: list[float]
    first_quality: list[int] | None
    quality: list[int] | None
    _anchor_t_ns: int
    _first_offset: int
    """Samples from the anchor to the first tick."""
    _factor: int
    _ns_per_sample: float

    def t_ns(self, k: int) -> int:
        """Sample time of tick ``k`` (0 ≤ k < count)."""
        return self._anchor_t_ns + round((self._first_offset + k * self._factor)
                                         * self._ns_per_sample)

    def quality_at(self, k: int) -> list[int] | None:
        """Tick ``k``'s OR-ed quality masks (None: clean)."""
        return self.first_quality if k == 0 else self.quality

    def first_at_or_after(self, t_ns: int, start: int = 0) -> int:
        """The first tick from ``start`` at or after ``t_ns`` (``count`` when none is)."""
        return bisect.bisect_left(range(self.count), t_ns, lo=start, key=self.t_ns)


class TickStream:
    """Turns consecutive processed blocks into rule ticks."""

    def __init__(self, n_channels: int) -> None:
        self.n_channels = n_channels
        self.rate_hz: float | None = None
        self.factor = 1
        self._ns_per_sample = 0.0
        self._next_index: int | None = None
        self._anchor_index = 0
        self._anchor_t_ns = 0
        self._quality_carry = np.zeros(n_channels, dtype=np.uint8)
        self._carry_set = False
        self._last_t_ns: int | None = None

    @property
    def tick_ns(self) -> int:
        """Nominal time between ticks (needs a first block)."""
        assert self.rate_hz is not None
        return sample_offset_ns(self.factor, self.rate_hz)

    def _check(self, block: ProcessedBlock) -> None:
        shape = block.envelope_uv.shape
        if len(shape) != 2 or shape[1] != self.n_channels:
            raise SignalError(
                f"processed block from {block.source_id!r} has shape {shape}, "
                f"the rules expect (samples, {self.n_channels})"
            )
        if block.quality.shape != shape or (
            block.pct_mvc is not None and block.pct_mvc.shape != shape
        ):
            raise SignalError(f"processed block from {block.source_id!r}: arrays disagree in shape")
        if block.rate_hz != self.rate_hz:
            if self.rate_hz is not None:
                raise SignalError(
                    f"sampling rate changed from {self.rate_hz} to {block.rate_hz} Hz "
                    "mid-session",
                    hint="start a new session for a new sensor configuration",
                )
            if not block.rate_hz > 0:
                raise SignalError(f"processed block rate {block.rate_hz} Hz is not positive")
            self.rate_hz = block.rate_hz
            self.factor = decimation_factor(block.rate_hz)
            self._ns_per_sample = 1e9 / block.rate_hz

    def rows(self, block: ProcessedBlock) -> slice:
        """The rows of ``block`` that are ticks (the stream must have seen its rate)."""
        return slice(self._first_tick(block.first_index), None, self.factor)

    def _first_tick(self, first_index: int) -> int:
        """Offset, in a block starting at ``first_index``, of its first tick."""
        return (self.factor - 1 - first_index) % self.factor

    def feed(
        self, block: ProcessedBlock, need_pct: bool, normalisation: Normalisation | None = None
    ) -> Ticks | HeldTicks:
        """The ticks inside ``block``; raises on out-of-order or malformed blocks.

        With ``normalisation``, the block's raw envelope is normalised at the ticks only (the
        same values as normalising every sample, for a fraction of the work). A held block
        with ticks gives :class:`HeldTicks`.
        """
        self._check(block)
        self._follow(block)
        n, factor = block.n_samples, self.factor
        pct_mvc = block.pct_mvc
        normalise = normalisation is not None and pct_mvc is None
        if need_pct and pct_mvc is None and not normalise and n:
            raise CalibrationError(
                "the exercise needs %MVC but no calibration is active",
                hint="run the MVC calibration first",
            )
        start = self._first_tick(block.first_index)
        if start >= n:
            if block.quality.any():
                self._quality_carry |= np.bitwise_or.reduce(block.quality, axis=0)
                self._carry_set = True
            return Ticks([], [] if pct_mvc is not None or normalise else None, [], None)
        if is_held(block):
            return self._held(block, start, normalisation if normalise else None)
        ends = range(start, n, factor)
        rows = self._quality_rows(block.quality, ends)
        times = self._times(block, ends)
        envelope = block.envelope_uv[start::factor]
        pct = None if pct_mvc is None else pct_mvc[start::factor]
        if normalise:
            assert normalisation is not None
            envelope, pct = normalisation.apply(np.asarray(envelope))
        return Ticks(
            t_ns=times,
            pct=None if pct is None else pct.tolist(),
            envelope_uv=envelope.tolist(),
            quality=rows,
        )

    def _held(
        self, block: ProcessedBlock, start: int, normalisation: Normalisation | None
    ) -> HeldTicks:
        """The ticks of held ``block`` (which has some, the first at row ``start``), in time
        and memory independent of its length; the same values :meth:`feed` would list."""
        n, factor = block.n_samples, self.factor
        count = len(range(start, n, factor))
        last = start + (count - 1) * factor
        envelope = held_row(block.envelope_uv)
        pct = None if block.pct_mvc is None else held_row(block.pct_mvc)
        if normalisation is not None:
            envelope, pct = normalisation.apply(np.asarray(envelope))
        mask = held_row(block.quality)[0]
        first = mask | self._quality_carry
        # The samples after the last tick carry into the next block's first tick.
        self._quality_carry = mask.copy() if last + 1 < n else np.zeros_like(mask)
        self._carry_set = bool(self._quality_carry.any())
        ticks = HeldTicks(
            count=count,
            pct=None if pct is None else pct[0].tolist(),
            envelope_uv=envelope[0].tolist(),
            first_quality=first.tolist() if first.any() else None,
            quality=mask.tolist() if mask.any() else None,
            _anchor_t_ns=self._anchor_t_ns,
            _first_offset=block.first_index - self._anchor_index + start,
            _factor=factor,
            _ns_per_sample=self._ns_per_sample,
        )
        self._check_after_last(block, ticks.t_ns(0))
        self._last_t_ns = ticks.t_ns(count - 1)
        return ticks

    def _follow(self, block: ProcessedBlock) -> None:
        """Take ``block``'s place in the stream: after a gap, re-anchor the tick times and
        restart the quality window; a block that overlaps the previous one is refused."""
        first = block.first_index
        if first != self._next_index:
            if self._next_index is not None and first < self._next_index:
                raise SignalError(
                    f"processed block from {block.source_id!r} starts at sample {first}, "
                    f"before the previous block ended ({self._next_index})",
                    hint="blocks must arrive in order without overlap",
                )
            self._anchor_index, self._anchor_t_ns = first, block.t_ns
            self._quality_carry[:] = 0
            self._carry_set = False
        self._next_index = first + block.n_samples

    def _quality_rows(
        self, quality: npt.NDArray[np.uint8], ends: range
    ) -> list[list[int]] | None:
        """Each tick's OR of the quality masks since the previous tick (None: all clean).

        The samples after the last tick are carried into the next block's first tick.
        """
        last, factor = ends[-1], self.factor
        if quality.any():
            bounds = np.arange(ends.start + 1 - factor, last + 1, factor)
            bounds[0] = 0
            window_or = np.bitwise_or.reduceat(quality[: last + 1], bounds, axis=0)
            window_or[0] |= self._quality_carry
            rows: list[list[int]] = window_or.tolist()
            self._quality_carry = np.bitwise_or.reduce(quality[last + 1 :], axis=0)
            self._carry_set = bool(self._quality_carry.any())
            return rows
        if self._carry_set:
            rows = [self._quality_carry.tolist()] + [[0] * self.n_channels] * (len(ends) - 1)
            self._quality_carry = np.zeros(self.n_channels, dtype=np.uint8)
            self._carry_set = False
            return rows
        return None

    def _times(self, block: ProcessedBlock, ends: range) -> list[int]:
        """Sample times of the ticks at rows ``ends``, from the anchor: the same for any
        chunking. Raises unless they come after the previous block's."""
        offset = block.first_index - self._anchor_index
        anchor_t, step_ns = self._anchor_t_ns, self._ns_per_sample
        times = [anchor_t + round((offset + e) * step_ns) for e in ends]
        self._check_after_last(block, times[0])
        self._last_t_ns = times[-1]
        return times

    def _check_after_last(self, block: ProcessedBlock, first_t_ns: int) -> None:
        """Raise unless ``block``'s first tick, at ``first_t_ns``, comes after the last one."""
        if self._last_t_ns is not None and first_t_ns <= self._last_t_ns:
            raise SignalError(
                f"processed block from {block.source_id!r} at sample {block.first_index} is "
                f"stamped {block.t_ns} ns, not after the previous samples ({self._last_t_ns} ns)",
                hint="sample times must increase",
            )
