"""Mapping a device's sample clock onto host time: offset and drift from arrival times.

Arrival time = true sample time + a latency that is never negative (radio connection events,
OS, scheduling). A least-squares line through all arrivals would be biased by that latency and
dragged around by bursts and stalls; instead :class:`DeviceClock` takes, in each block of
observations, the one that arrived earliest relative to the current line (the lower envelope,
where latency is smallest) and fits a line through the block minima of a recent window. The
selection depends on the slope, so it is refined twice per refit. The slope is the measured
host time per device unit (drift shows as a slope off nominal); the intercept the offset.
"""

from __future__ import annotations

from collections import deque

import numpy as np


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
        self._block_size = block_size
        self._points: deque[tuple[float, float]] = deque(maxlen=block_size * n_blocks)
        self._slope = nominal_ns_per_unit
        self._anchor: tuple[float, float] | None = None
        self.n_observations = 0

    @property
    def ready(self) -> bool:
        """Whether :meth:`predict` can answer (an observation and a slope are known)."""
        return self._anchor is not None and self._slope is not None

    @property
    def ns_per_unit(self) -> float:
        """Measured (or, before enough data, nominal) host nanoseconds per device unit."""
        if self._slope is None:
            raise ValueError("no rate known yet: give a nominal rate or observe more")
        return self._slope

    def observe(self, device_units: float, host_ns: float) -> None:
        """Record that device time ``device_units`` was seen arriving at ``host_ns``."""
        self.n_observations += 1
        point = (float(device_units), float(host_ns))
        self._points.append(point)
        slope = self._slope or 0.0
        if self._anchor is None or (
            point[1] - slope * point[0] < self._anchor[1] - slope * self._anchor[0]
        ):
            self._anchor = point  # earlier than the line: the line must move down to it
        if self.n_observations % self._block_size == 0:
            self._refit()

    def _refit(self) -> None:
        n_full = len(self._points) // self._block_size * self._block_size
        if n_full < 2 * self._block_size:
            return
        points = np.array(list(self._points)[-n_full:], dtype=np.float64)
        x = points[:, 0].reshape(-1, self._block_size)
        y = points[:, 1].reshape(-1, self._block_size)
        slope = self._slope
        if slope is None:
            # First guess from the ends of the window, then refined by the envelope.
            span = x[-1, -1] - x[0, 0]
            if span <= 0:
                return
            slope = (y[-1, -1] - y[0, 0]) / span
        for _ in range(2):
            rows = np.arange(x.shape[0])
            best = np.argmin(y - slope * x, axis=1)
            bx, by = x[rows, best], y[rows, best]
            dx = bx - bx.mean()
            # Element-wise products summed by numpy's pairwise add, not ``@``: a dot product
            # is the BLAS kernel's and its rounding differs from machine to machine.
            sxx = float(np.add.reduce(dx * dx))
            if sxx <= 0.0:
                return
            fitted = float(np.add.reduce(dx * (by - by.mean()))) / sxx
            if fitted <= 0.0:
                return
            slope = fitted
        self._slope = slope
        lowest = int(np.argmin(by - slope * bx))
        self._anchor = (float(bx[lowest]), float(by[lowest]))

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
