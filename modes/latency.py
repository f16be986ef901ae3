"""Frame latency statistics: last value and session-wide percentiles in constant memory.

The render actor measures, for every presented frame, the time from the arrival of the newest
sample the frame shows to the frame reaching the screen, and adds the pipeline's group delay
(the envelope's lag, which no clock can see). This object only counts: it is pure and takes
milliseconds as numbers, so it is tested without any clock.
"""

from __future__ import annotations

import math

import numpy as np

from engine.view import LatencyView

#: Histogram resolution and range; anything slower lands in the last bin (and is reported as it).
BIN_MS = 0.1
RANGE_MS = 2000.0


class LatencyStats:
    """A fixed-bin histogram of latencies in ms, with the most recent value."""

    def __init__(self) -> None:
        self._bins = np.zeros(round(RANGE_MS / BIN_MS) + 1, dtype=np.int64)
        self.count = 0
        self.last_ms = math.nan
        self.max_ms = math.nan

    def add(self, latency_ms: float) -> None:
        """Count one frame's latency; negative or non-finite values are refused."""
        if not (math.isfinite(latency_ms) and latency_ms >= 0):
            raise ValueError(f"latency must be a finite, non-negative number of ms: {latency_ms}")
        index = min(len(self._bins) - 1, int(latency_ms / BIN_MS))
        self._bins[index] += 1
        self.count += 1
        self.last_ms = latency_ms
        self.max_ms = latency_ms if math.isnan(self.max_ms) else max(self.max_ms, latency_ms)

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0–100) in ms, to the histogram's 0.1 ms (NaN when empty).

        Nearest-rank on the histogram: the upper edge of the bin holding rank ceil(q/100 * n),
        so it never reports a latency lower than the frames really had.
        """
        if not 0 <= q <= 100:
            raise ValueError(f"percentile must be within 0..100, got {q}")
        if self.count == 0:
            return math.nan
        rank = max(1, math.ceil(q / 100 * self.count))
        index = int(np.searchsorted(np.cumsum(self._bins), rank))
        return min((index + 1) * BIN_MS, self.max_ms)

    def view(self, group_delay_ms: float) -> LatencyView | None:
        """The numbers for the screen, or None before the first frame."""
        if self.count == 0:
            return None
        return LatencyView(
            last_ms=self.last_ms,
            p50_ms=self.percentile(50),
            p99_ms=self.percentile(99),
            group_delay_ms=group_delay_ms,
        )
