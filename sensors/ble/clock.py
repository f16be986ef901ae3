"""Mapping a device's sample clock onto host time: offset and drift from arrival times.

Arrival time = true sample time + a latency that is never negative (radio, OS, scheduling).
A least-squares line through all arrivals would be biased by that latency and dragged around by
bursts and stalls; instead :class:`DeviceClock` keeps the earliest arrival of each block of
observations (the lower envelope, where latency is smallest) and fits a line through the recent
block minima. The slope is the measured host time per device unit (drift shows as a slope off
nominal); the intercept the offset.
"""

from __future__ import annotations

from collections import deque


class DeviceClock:
    """Running robust linear fit ``host_ns ≈ offset + slope * device_units``.

    ``device_units`` are whatever the device counts in (sample indices here);
    ``nominal_ns_per_unit`` is used until two blocks of observations give a measured slope.
    """

    def __init__(
        self,
        nominal_ns_per_unit: float | None = None,
        *,
        block_size: int = 16,
        n_blocks: int = 128,
    ) -> None:
        if block_size < 1 or n_blocks < 2:
            raise ValueError("block_size must be >= 1 and n_blocks >= 2")
        self._nominal = nominal_ns_per_unit
        self._block_size = block_size
        self._minima: deque[tuple[float, float]] = deque(maxlen=n_blocks)
        self._block_best: tuple[float, float] | None = None
        self._block_count = 0
        self._slope = nominal_ns_per_unit
        self._anchor: tuple[float, float] | None = None
        self.n_observations = 0

    @property
    def ns_per_unit(self) -> float:
        """Measured (or, before enough data, nominal) host nanoseconds per device unit."""
        if self._slope is None:
            raise ValueError("no rate known yet: give a nominal rate or observe more")
        return self._slope

    def observe(self, device_units: float, host_ns: float) -> None:
        """Record that device time ``device_units`` was seen arriving at ``host_ns``."""
        self.n_observations += 1
        slope = self._slope if self._slope is not None else 0.0
        if self._block_best is None or (
            host_ns - slope * device_units
            < self._block_best[1] - slope * self._block_best[0]
        ):
            self._block_best = (float(device_units), float(host_ns))
        if self._anchor is None or (
            host_ns - slope * device_units < self._anchor[1] - slope * self._anchor[0]
        ):
            # Until the first fit, the earliest arrival relative to the line is the anchor.
            self._anchor = (float(device_units), float(host_ns))
        self._block_count += 1
        if self._block_count >= self._block_size:
            self._minima.append(self._block_best)
            self._block_best = None
            self._block_count = 0
            self._refit()

    def _refit(self) -> None:
        if len(self._minima) < 2:
            return
        n = len(self._minima)
        mean_x = sum(x for x, _ in self._minima) / n
        mean_y = sum(y for _, y in self._minima) / n
        sxx = sum((x - mean_x) ** 2 for x, _ in self._minima)
        if sxx <= 0.0:
            return
        sxy = sum((x - mean_x) * (y - mean_y) for x, y in self._minima)
        slope = sxy / sxx
        if slope <= 0.0:
            return
        self._slope = slope
        # Re-anchor on the lowest point relative to the new line, so the line is the envelope.
        self._anchor = min(self._minima, key=lambda p: p[1] - slope * p[0])

    def predict(self, device_units: float) -> float:
        """Host time (ns) at which device time ``device_units`` would arrive with least delay."""
        if self._anchor is None:
            raise ValueError("no observation yet")
        x0, y0 = self._anchor
        return y0 + self.ns_per_unit * (device_units - x0)

    def units_at(self, host_ns: float) -> float:
        """Device time (units) that arrives, with least delay, at ``host_ns``."""
        if self._anchor is None:
            raise ValueError("no observation yet")
        x0, y0 = self._anchor
        return x0 + (host_ns - y0) / self.ns_per_unit

    @property
    def ready(self) -> bool:
        return self._anchor is not None and self._slope is not None
