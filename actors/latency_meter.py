"""On-screen latency: from a sample's arrival to the first frame that shows it, in real ms.

Pure: the render actor passes clock readings in, so the arithmetic is tested without a clock.
The processing pipeline's group delay (the envelope's lag, which no clock can see) is added to
every measurement. A simulated session may run faster than real time (``time_scale`` Trio
seconds per real second), and latency is still reported in real milliseconds.
"""

from __future__ import annotations

from actors.actor_messages import ViewUpdate
from engine.view import LatencyView
from modes.latency import LatencyStats


class LatencyMeter:
    """Counts the latency of each view the first time it is on screen."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if not time_scale > 0:
            raise ValueError(f"time scale must be positive, got {time_scale}")
        self.time_scale = time_scale
        """Trio seconds per real second."""
        self.stats = LatencyStats()

    def readout(self, update: ViewUpdate | None) -> LatencyView | None:
        """The numbers to show with ``update`` (None before the first view or measurement)."""
        return self.stats.view(update.group_delay_ms) if update is not None else None

    def presented(self, update: ViewUpdate, now_s: float) -> None:
        """Count ``update`` as first on screen at Trio time ``now_s``.

        Only a view's first frame counts: later frames of the same view show no newer sample,
        and a paused or finished session would otherwise inflate the tail.
        """
        elapsed_ms = (now_s - update.arrival_s) * 1000.0 / self.time_scale
        self.stats.add(max(0.0, elapsed_ms) + update.group_delay_ms)
