"""Moving means over the last N rule ticks, updated in O(1) per tick.

The running sum is updated in tick order, which is the same for any chunking of the input, so
the result is bit-identical however the samples arrived.
"""

from __future__ import annotations

from collections import deque


class WindowMean:
    """Mean of the last ``length`` values pushed (fewer right after a reset)."""

    __slots__ = ("_sum", "_values", "length")

    def __init__(self, length: int) -> None:
        if length < 1:
            raise ValueError("a window holds at least one value")
        self.length = length
        self._values: deque[float] = deque()
        self._sum = 0.0

    def reset(self) -> None:
        self._values.clear()
        self._sum = 0.0

    def push(self, value: float) -> float:
        """Add ``value`` and return the window's mean."""
        values = self._values
        values.append(value)
        self._sum += value
        if len(values) > self.length:
            self._sum -= values.popleft()
        return self._sum / len(values)
