"""When a supervisor restarts a child, and when it gives up: pure policy, no Trio.

Times are seconds on whatever clock the caller reads (Trio's, so MockClock tests cover both).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delay before the k-th consecutive restart of a child: ``initial_s * factor**(k-1)``,
    capped at ``max_s``. A child that ran healthy for ``reset_after_s`` starts again from k=1.
    """

    initial_s: float = 0.05
    factor: float = 2.0
    max_s: float = 5.0
    reset_after_s: float = 10.0

    def __post_init__(self) -> None:
        if min(self.initial_s, self.max_s, self.reset_after_s) < 0 or self.factor < 1.0:
            raise ValueError(f"{self!r}: delays must be >= 0 and the factor >= 1")

    def delay_s(self, consecutive: int) -> float:
        """Seconds to wait before consecutive restart number ``consecutive`` (1-based)."""
        if consecutive < 1:
            return 0.0
        if self.factor == 1.0:
            return min(self.initial_s, self.max_s)
        # Bounded loop rather than ``factor ** k``, which overflows for long restart runs.
        delay_s = self.initial_s
        for _ in range(consecutive - 1):
            delay_s *= self.factor
            if delay_s >= self.max_s:
                break
        return min(delay_s, self.max_s)


class RestartIntensity:
    """OTP's restart intensity: at most ``max_restarts`` restarts within any ``period_s``."""

    def __init__(self, max_restarts: int, period_s: float) -> None:
        if max_restarts < 0 or not period_s > 0:
            raise ValueError("need max_restarts >= 0 and period_s > 0")
        self.max_restarts = max_restarts
        self.period_s = period_s
        self._times_s: deque[float] = deque()

    def clear(self) -> None:
        self._times_s.clear()

    def record(self, now_s: float) -> int:
        """Count a restart at ``now_s``; returns the restarts in the sliding window, which
        exceed :attr:`max_restarts` when the supervisor must give up."""
        self._times_s.append(now_s)
        while self._times_s[0] <= now_s - self.period_s:
            self._times_s.popleft()
        return len(self._times_s)

    def exceeded(self, count: int) -> bool:
        return count > self.max_restarts
