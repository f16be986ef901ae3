"""Moving means over the last N rule ticks, updated in O(1) per tick, and the activation gate
the muscle comparisons (symmetry, compensation) share.

The running sum is updated in tick order, which is the same for any chunking of the input, so
the result is bit-identical however the samples arrived.
"""

from __future__ import annotations

from collections import deque

DENOMINATOR_FLOOR_PCT = 1.0
"""A comparison's denominator never counts as less than this (or its activation gate): a silent
reference muscle beside an active one is the worst case, and must read as a large ratio, not a
division by zero."""


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


class PairWindow:
    """Window means of two muscle groups compared with each other, pushed together."""

    __slots__ = ("_first", "_second")

    def __init__(self, length: int) -> None:
        self._first = WindowMean(length)
        self._second = WindowMean(length)

    def reset(self) -> None:
        self._first.reset()
        self._second.reset()

    def push(self, first_pct: float, second_pct: float) -> tuple[float, float]:
        """Add one tick of both groups; return both window means."""
        return self._first.push(first_pct), self._second.push(second_pct)


def below_gate(first_pct: float, second_pct: float, min_activation_pct: float) -> bool:
    """True when neither group is active enough to compare (rest noise is not a finding)."""
    return max(first_pct, second_pct) < min_activation_pct or first_pct + second_pct <= 0.0


def denominator_floor_pct(min_activation_pct: float) -> float:
    """The least a comparison's denominator counts as: the gate, and never below 1 %MVC."""
    return max(min_activation_pct, DENOMINATOR_FLOOR_PCT)
