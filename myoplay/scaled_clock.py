"""A Trio clock that runs a fixed number of times faster than real time.

``myoplay play --speed X`` runs a simulated session on it: the virtual patient's samples, the
supervisors' back-off and the renderer's pacing all follow Trio's clock, so the whole session
plays X times faster and records exactly what a real-time run would. (Tests use
``trio.testing.MockClock``; this is the application's own, with no test-only machinery.)
"""

from __future__ import annotations

import time

import trio

from engine.errors import ConfigError


class ScaledClock(trio.abc.Clock):
    """Trio time that starts at 0 and advances ``speed`` seconds per real second."""

    def __init__(self, speed: float) -> None:
        if not speed > 0:
            raise ConfigError(f"the speed must be positive, got {speed}")
        self.speed = speed
        self._real_start = time.perf_counter()

    def __repr__(self) -> str:
        return f"<ScaledClock speed={self.speed:g} time={self.current_time():.6f}>"

    def start_clock(self) -> None:
        """Trio calls this when the run begins: Trio time 0 is now."""
        self._real_start = time.perf_counter()

    def current_time(self) -> float:
        return (time.perf_counter() - self._real_start) * self.speed

    def deadline_to_sleep_time(self, deadline: float) -> float:
        """Real seconds until Trio time reaches ``deadline`` (never negative)."""
        return max(0.0, (deadline - self.current_time()) / self.speed)
