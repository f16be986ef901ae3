"""The session clock on Trio's clock, so tests drive it with ``trio.testing.MockClock``."""

from __future__ import annotations

import trio

from engine.clock import NS_PER_S


class TrioSessionClock:
    """Session time in integer nanoseconds, read from ``trio.current_time()``.

    ``origin_s`` is the Trio time that counts as session time zero; by default the moment the
    clock is made. Must be made and read inside ``trio.run``. Under ``MockClock`` it moves only
    when the test (or the autojumping clock) moves it, which is what makes runtime tests exact.
    """

    def __init__(self, origin_s: float | None = None) -> None:
        self._origin_s = trio.current_time() if origin_s is None else origin_s

    @property
    def origin_s(self) -> float:
        return self._origin_s

    def now_ns(self) -> int:
        """Nanoseconds since the origin, rounded to the nearest."""
        return round((trio.current_time() - self._origin_s) * NS_PER_S)
