"""Fatigue per set: the median-frequency slope of every tracked muscle over each set's work.

The rules judge ticks; the spectrum needs every sample. So the exercise marks, at each tick,
which set is contracting (None in the ready, rest, paused and done phases) and which of its
muscles are active (at or above :data:`ACTIVE_MIN_PCT`); a sample takes the marks of the last
tick at or before it. A block's band-passed samples then go to a
:class:`~engine.fatigue.FatigueTracker` with a sample counting only where its set is
contracting, its muscle active and its quality mask clean, so a 1 s window counts only if it
lies wholly in one contraction of clean, active signal. Each window's median frequency is filed
under the set it lies in, at its time under contraction in that set; the slope per set comes
from :func:`~engine.fatigue.fatigue_trend` (the formulas live in :mod:`engine.fatigue`).

A gap (a block without band-passed samples, or one that does not follow the last) ends the
tracker's stretch; the next block starts a new one, so no window spans the gap.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.fatigue import FatigueTracker, fatigue_trend
from engine.messages import ChannelInfo, ProcessedBlock
from engine.rules.session_summary import SetFatigue

ACTIVE_MIN_PCT = 10.0
"""Lowest %MVC at which a muscle's spectrum counts: below it the noise floor's spectrum
weighs in the median frequency (a low band such as a post-operative quad set's 20–40 %MVC is
well above it)."""
MIN_WINDOWS = 3
"""Fewest MDF windows a slope is fitted through (a line needs three points to say anything)."""


@dataclass(frozen=True, slots=True)
class _Span:
    """A stretch of samples [start, stop) in which set ``set_index`` was contracting, after
    ``worked_before`` samples of that set's contraction."""

    start: int
    stop: int
    set_index: int
    worked_before: int


class FatigueWatch:
    """Median frequency per set and tracked column of one exercise (see the module docstring).

    ``columns`` are the channel columns the exercise reads; ``channels`` name them.
    """

    def __init__(self, channels: Sequence[ChannelInfo], columns: tuple[int, ...]) -> None:
        self._channels = tuple(channels)
        self._columns = columns
        self._marks: list[tuple[int | None, tuple[bool, ...]]] = []
        self._carry: tuple[int | None, tuple[bool, ...]] = (None, ())
        """The marks that hold at the start of the next block (the last tick's)."""
        self._tracker: FatigueTracker | None = None
        self._tracker_base = 0
        """Absolute sample index of the tracker's sample 0."""
        self._next_index: int | None = None
        self._spans: list[_Span] = []
        self._points: dict[tuple[int, int], list[tuple[float, float]]] = {}
        """(set, column) → (time under contraction s, MDF Hz), oldest first."""
        self._results: tuple[SetFatigue, ...] | None = ()

    def mark(self, set_index: int | None, pct: list[float] | None) -> None:
        """One tick judged: the set contracting (None if none) and every column's %MVC (None
        without a calibration: then every tracked column counts while contracting)."""
        active = tuple(pct is None or pct[c] >= ACTIVE_MIN_PCT for c in self._columns)
        self._marks.append((set_index, active))

    def feed(self, block: ProcessedBlock, tick_rows: slice) -> None:
        """Take ``block`` after its ticks were judged (``tick_rows``: the rows that were
        ticks; the marks since the last block are theirs, the last of them if the exercise
        started within the block)."""
        n = block.n_samples
        if n == 0:
            return  # no sample, no tick: nothing changes (the stretch goes on)
        marks, self._marks = self._marks, []
        band = block.band_uv
        if band is None or block.first_index != self._next_index:
            self._tracker = None
        if band is None:
            self._carry = (None, ())
            self._next_index = None
            return
        rows = list(range(n))[tick_rows]
        keep = min(len(rows), len(marks))
        rows, marks = rows[len(rows) - keep:], marks[len(marks) - keep:]
        # The marks of each sample: the last tick's at or before it (the carried ones before the
        # block's first tick).
        states = [self._carry, *marks]
        lengths = np.diff(np.asarray([0, *rows, n]))
        resting = (False,) * len(self._columns)
        flags = np.array([f if set_index is not None else resting for set_index, f in states],
                         dtype=bool).reshape(len(states), len(self._columns))
        active = np.repeat(flags, lengths, axis=0)
        start = block.first_index
        for set_index, run in itertools.groupby(
            zip((m[0] for m in states), lengths.tolist(), strict=True), key=lambda m: m[0]
        ):
            size = sum(length for _, length in run)
            if set_index is not None and size:
                self._add_span(start, start + size, set_index)
            start += size
        if marks:
            self._carry = marks[-1]
        columns = list(self._columns)
        active &= block.quality[:, columns] == 0
        if self._tracker is None:
            self._tracker = FatigueTracker(block.rate_hz, len(self._columns),
                                           (0.0, block.rate_hz / 2))
            self._tracker_base = block.first_index
        points = self._tracker.process(band[:, columns], active,
                                       block.first_index - self._tracker_base)
        for point in points:
            self._file(self._tracker_base + point.centre_index, point.channel, point.mdf_hz,
                       block.rate_hz)
        self._next_index = block.first_index + n

    def _add_span(self, start: int, stop: int, set_index: int) -> None:
        spans = self._spans
        last = spans[-1] if spans else None
        if last is not None and last.stop == start and last.set_index == set_index:
            spans[-1] = _Span(last.start, stop, set_index, last.worked_before)
            return
        worked = 0
        if last is not None and last.set_index == set_index:
            worked = last.worked_before + last.stop - last.start
        spans.append(_Span(start, stop, set_index, worked))

    def _file(self, index: int, column: int, mdf_hz: float, rate_hz: float) -> None:
        """File one window's MDF, centred at sample ``index``, under its set."""
        k = bisect.bisect_right([s.start for s in self._spans], index) - 1
        if k < 0 or index >= self._spans[k].stop:
            return  # a window wholly active lies in a contraction; this guards the arithmetic
        span = self._spans[k]
        work_s = (span.worked_before + index - span.start) / rate_hz
        self._points.setdefault((span.set_index, column), []).append((work_s, mdf_hz))
        self._results = None

    def results(self) -> tuple[SetFatigue, ...]:
        """Every set so far (the current one included) and tracked column with enough windows,
        by set, then column."""
        if self._results is None:
            found = []
            for (set_index, column), points in sorted(self._points.items()):
                if len(points) < MIN_WINDOWS:
                    continue
                times = [t for t, _ in points]
                trend = fatigue_trend(times, [f for _, f in points])
                channel = self._channels[self._columns[column]]
                found.append(SetFatigue(
                    set_index=set_index, channel=channel.label, muscle=channel.muscle,
                    side=channel.side.value, slope_pct_per_s=trend.slope_pct_per_s,
                    start_hz=trend.start_hz, windows=trend.n_points,
                    contraction_s=times[-1] - times[0],
                ))
            self._results = tuple(found)
        return self._results
