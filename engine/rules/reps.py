"""Reps and sets: which rep of which set is under way, what it measured, and the results.

A rep is one contract phase. Its measurements (level sum and peak, the target channels' peak
envelope, time in the zone, mean LSI) become a :class:`RepResult` when it ends; a set's reps
become a :class:`SetResult`. The order of the float sums is the tick order, the same for any
chunking of the samples.
"""

from __future__ import annotations

import math

from engine.clock import NS_PER_S
from engine.rules.session_summary import RepResult, SetResult
from engine.rules.target import Difficulty


def mean_or_none(values: list[float]) -> float | None:
    """The mean of ``values``, or None when there are none."""
    return sum(values) / len(values) if values else None


class RepStats:
    """What is measured during one contract phase, tick by tick."""

    __slots__ = ("compensated", "level_sum", "longest_hold_ns", "lsi_n", "lsi_sum", "peak",
                 "peak_uv", "ticks", "zone_ticks")

    def __init__(self) -> None:
        self.compensated = False
        """Whether the compensation alert was raised at any tick of the rep."""
        self.ticks = 0
        self.zone_ticks = 0
        self.longest_hold_ns = 0
        """The longest unbroken hold so far, up to its last tick in the zone."""
        self.level_sum = 0.0
        self.peak = -math.inf
        self.peak_uv = 0.0
        self.lsi_sum = 0.0
        self.lsi_n = 0

    def measure(
        self, level_pct: float, uv: list[float], target: tuple[int, ...], lsi_pct: float | None,
        compensating: bool = False,
    ) -> None:
        """Take one tick: the target level, every channel's envelope, the current LSI, and
        whether the compensation alert is raised."""
        self.compensated = self.compensated or compensating
        self.ticks += 1
        self.level_sum += level_pct
        if level_pct > self.peak:
            self.peak = level_pct
        for i in target:
            if uv[i] > self.peak_uv:
                self.peak_uv = uv[i]
        if lsi_pct is not None:
            self.lsi_sum += lsi_pct
            self.lsi_n += 1


class RepCounter:
    """Counts reps within sets and keeps every finished rep's and set's result."""

    __slots__ = ("attempted", "rep_in_set", "results", "set_index", "sets", "stats")

    def __init__(self) -> None:
        self.set_index = 0
        """1-based number of the current set (0 before the first rep)."""
        self.rep_in_set = 0
        self.attempted = 0
        self.stats = RepStats()
        self.results: list[RepResult] = []
        self.sets: list[SetResult] = []

    @property
    def completed(self) -> int:
        """Reps that succeeded."""
        return sum(r.success for r in self.results)

    @property
    def time_in_zone_s(self) -> float:
        return sum(r.time_in_zone_s for r in self.results)

    @property
    def mean_lsi_pct(self) -> float | None:
        return mean_or_none([r.symmetry_lsi_pct for r in self.results
                             if r.symmetry_lsi_pct is not None])

    def start(self, reps_per_set: int, *, restart: bool) -> None:
        """A contraction starts: the next rep (a new set after a full one), or the same rep
        again after a pause (``restart``); its measurements start from nothing."""
        if not restart:
            if self.rep_in_set == reps_per_set or self.set_index == 0:
                self.set_index += 1
                self.rep_in_set = 0
            self.rep_in_set += 1
        self.stats = RepStats()

    def finish(
        self,
        t_ns: int,
        success: bool,
        *,
        start_ns: int,
        tick_ns: int,
        calibrated: bool,
        difficulty: Difficulty,
        failed_by: str | None = None,
    ) -> RepResult:
        """The rep under way ends at ``t_ns`` (it started at ``start_ns``): its result, marked
        ``compensated`` when the compensation alert was raised during it; ``failed_by`` names
        what failed a rep whose hold alone would have succeeded.

        Without a calibration (an MVC test on raw envelopes) the %MVC peak and mean are None.
        """
        stats = self.stats
        measured = stats.ticks > 0 and calibrated
        result = RepResult(
            set_index=self.set_index,
            rep=self.rep_in_set,
            success=success,
            t_ns=t_ns,
            duration_s=(t_ns - start_ns) / NS_PER_S,
            time_in_zone_s=stats.zone_ticks * tick_ns / NS_PER_S,
            peak_pct=stats.peak if measured else None,
            mean_pct=stats.level_sum / stats.ticks if measured else None,
            peak_uv=stats.peak_uv,
            symmetry_lsi_pct=stats.lsi_sum / stats.lsi_n if stats.lsi_n else None,
            low_pct=difficulty.low_pct,
            high_pct=difficulty.high_pct,
            hold_s=difficulty.hold_s,
            compensated=stats.compensated,
            failed_by=failed_by,
            longest_hold_s=stats.longest_hold_ns / NS_PER_S,
        )
        self.results.append(result)
        self.attempted += 1
        return result

    def set_full(self, reps_per_set: int) -> bool:
        """Whether the rep just finished was the last of its set."""
        return self.rep_in_set >= reps_per_set

    def close_set(self) -> SetResult:
        """The current set is over: its result."""
        set_reps = [r for r in self.results if r.set_index == self.set_index]
        peaks = [r.peak_pct for r in set_reps if r.peak_pct is not None]
        lsis = [r.symmetry_lsi_pct for r in set_reps if r.symmetry_lsi_pct is not None]
        result = SetResult(
            set_index=self.set_index,
            reps=len(set_reps),
            reps_succeeded=sum(r.success for r in set_reps),
            time_in_zone_s=sum(r.time_in_zone_s for r in set_reps),
            peak_pct=max(peaks) if peaks else None,
            symmetry_lsi_pct=mean_or_none(lsis),
        )
        self.sets.append(result)
        return result
