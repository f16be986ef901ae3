"""Reps and sets: which rep of which set is under way, what it measured, and the results.

A rep is one contract phase. Its measurements (level sum and peak, the target channels' peak
envelope, time in the zone, mean LSI) become a :class:`RepResult` when it ends; a set's reps
become a :class:`SetResult`. The order of the float sums is the tick order, the same for any
chunking of the samples.

A rep's means (its target level's, and every channel's working-phase mean) run from its onset,
the first tick its target level reaches :func:`onset_threshold_pct`: before it the patient is
still answering the cue (a simple reaction time is 0.2–0.3 s, then the muscle and its envelope
rise), and counting that rest read a 10 s hold's mean about 5 % low, a 5 s hold's about 9 %.
A rep that never reaches its onset (the patient did not contract, or far too little) is
measured over its whole contract phase, so a missing effort still reads as one.
"""

from __future__ import annotations

import math

from engine.clock import NS_PER_S
from engine.rules.session_summary import RepResult, SetResult
from engine.rules.target import Difficulty

#: The lowest onset a rep has, %MVC: above the envelope's scatter at rest.
ONSET_FLOOR_PCT = 5.0


def mean_or_none(values: list[float]) -> float | None:
    """The mean of ``values``, or None when there are none."""
    return sum(values) / len(values) if values else None


def onset_threshold_pct(low_pct: float) -> float:
    """Where a rep judged on a band starting at ``low_pct`` %MVC begins to be measured: half
    way to the band, and at least :data:`ONSET_FLOOR_PCT`."""
    return max(ONSET_FLOOR_PCT, low_pct / 2)


class _Means:
    """Sums for the means of a rep's target level and of every channel's %MVC."""

    __slots__ = ("channel_sums", "channel_ticks", "level_sum", "ticks")

    def __init__(self) -> None:
        self.ticks = 0
        self.level_sum = 0.0
        self.channel_ticks = 0
        """Ticks with every channel's %MVC (calibrated)."""
        self.channel_sums: dict[int, float] = {}

    def add(self, level: float, pct: list[float] | None, columns: tuple[int, ...]) -> None:
        self.ticks += 1
        self.level_sum += level
        if pct is not None:
            self.channel_ticks += 1
            sums = self.channel_sums
            for column in columns:
                sums[column] = sums.get(column, 0.0) + pct[column]


class RepStats:
    """What is measured during one contract phase, tick by tick.

    ``onset_pct`` is the target level (%MVC) from which the rep's means run (None: from its
    first tick, as on raw envelopes); see the module's docstring."""

    __slots__ = ("compensated", "longest_hold_ns", "lsi_n", "lsi_sum", "onset_pct", "peak",
                 "peak_uv", "since_onset", "ticks", "whole", "zone_ticks")

    def __init__(self, onset_pct: float | None = None) -> None:
        self.onset_pct = onset_pct
        self.compensated = False
        """Whether the compensation alert was raised at any tick of the rep."""
        self.ticks = 0
        self.zone_ticks = 0
        self.longest_hold_ns = 0
        """The longest unbroken hold so far, up to its last tick in the zone."""
        self.whole = _Means()
        """Over every tick of the rep until its onset: the rep's means if it never has one
        (no longer added to from the onset on)."""
        self.since_onset: _Means | None = None
        """From the rep's onset on (None until it is reached)."""
        self.peak = -math.inf
        self.peak_uv = 0.0
        self.lsi_sum = 0.0
        self.lsi_n = 0

    @property
    def means(self) -> _Means:
        """The sums the rep's means come from: since its onset, or its whole if it has none."""
        return self.since_onset if self.since_onset is not None else self.whole

    @property
    def mean_level(self) -> float | None:
        """The mean target level (None before the first tick)."""
        means = self.means
        return means.level_sum / means.ticks if means.ticks else None

    def measure(
        self, level_pct: float, uv: list[float], target: tuple[int, ...], lsi_pct: float | None,
        compensating: bool = False, pct: list[float] | None = None,
        columns: tuple[int, ...] = (),
    ) -> None:
        """Take one tick: the target level, every channel's envelope, the current LSI, whether
        the compensation alert is raised, and (calibrated) every channel's %MVC, summed for the
        ``columns`` judged."""
        self.compensated = self.compensated or compensating
        self.ticks += 1
        # Raw envelopes (no calibration, ``pct`` None) have no %MVC onset: measured whole.
        if self.since_onset is None and (
            self.onset_pct is None or pct is None or level_pct >= self.onset_pct
        ):
            self.since_onset = _Means()
        self.means.add(level_pct, pct, columns)
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

    __slots__ = (
        "_working_sums",
        "_working_ticks",
        "attempted",
        "rep_in_set",
        "results",
        "set_index",
        "sets",
        "stats",
    )

    def __init__(self) -> None:
        self.set_index = 0
        """1-based number of the current set (0 before the first rep)."""
        self.rep_in_set = 0
        self.attempted = 0
        self.stats = RepStats()
        self.results: list[RepResult] = []
        self.sets: list[SetResult] = []
        # Every channel's %MVC summed over the earlier contract phases' measured ticks.
        self._working_sums: dict[int, float] = {}
        self._working_ticks = 0

    def working_means_pct(self) -> dict[int, float]:
        """Every channel's mean %MVC over the working phase: the contract phases' ticks from
        each one's onset (rest and pauses left out), the one under way included; empty
        without a calibration."""
        current = self.stats.means
        ticks = self._working_ticks + current.channel_ticks
        if not ticks:
            return {}
        columns = {*self._working_sums, *current.channel_sums}
        return {c: (self._working_sums.get(c, 0.0) + current.channel_sums.get(c, 0.0)) / ticks
                for c in sorted(columns)}

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

    def start(self, reps_per_set: int, *, restart: bool,
              onset_pct: float | None = None) -> None:
        """A contraction starts: the next rep (a new set after a full one), or the same rep
        again after a pause (``restart``); its measurements start from nothing, its means at
        ``onset_pct`` (see :class:`RepStats`). What the last one measured stays in the working
        means."""
        if not restart:
            if self.rep_in_set == reps_per_set or self.set_index == 0:
                self.set_index += 1
                self.rep_in_set = 0
            self.rep_in_set += 1
        done = self.stats.means
        for column, total in done.channel_sums.items():
            self._working_sums[column] = self._working_sums.get(column, 0.0) + total
        self._working_ticks += done.channel_ticks
        self.stats = RepStats(onset_pct)

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
            mean_pct=stats.mean_level if measured else None,
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
