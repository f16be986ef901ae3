"""Holds: time spent in the zone, with brief dips tolerated, until the required hold time."""

from __future__ import annotations

import enum

from engine.rules.kinds import EventKind


class HoldChange(enum.Enum):
    """What happened to a hold at a tick; the value is the event that reports it."""

    STARTED = EventKind.HOLD_STARTED
    COMPLETED = EventKind.HOLD_COMPLETED
    BROKEN = EventKind.HOLD_BROKEN


class Hold:
    """Tracks one hold attempt from zone entry to completion or a dip that lasted too long.

    A dip (the zone left) of at most ``dip_tolerance_ns`` does not break the hold and its time
    counts: patients waver, and punishing a 200 ms wobble teaches nothing.

    A hold can be frozen (the player paused): its progress stops at the moment of the pause
    and, after :meth:`resume`, goes on from there as if the pause had never happened.
    """

    __slots__ = ("_dip_since_ns", "dip_tolerance_ns", "frozen_at_ns", "required_ns", "start_ns")

    def __init__(self, required_ns: int, dip_tolerance_ns: int) -> None:
        self.required_ns = required_ns
        self.dip_tolerance_ns = dip_tolerance_ns
        self.start_ns: int | None = None
        self._dip_since_ns: int | None = None
        self.frozen_at_ns: int | None = None
        """When the hold was frozen by a pause (None while running)."""

    @property
    def holding(self) -> bool:
        return self.start_ns is not None

    def progress_ns(self, t_ns: int) -> int:
        """Time held by ``t_ns`` (dips within the tolerance included; a frozen hold's stops)."""
        if self.start_ns is None:
            return 0
        end_ns = t_ns if self.frozen_at_ns is None else min(t_ns, self.frozen_at_ns)
        return end_ns - self.start_ns

    def reset(self) -> None:
        self.start_ns = None
        self._dip_since_ns = None
        self.frozen_at_ns = None

    def freeze(self, t_ns: int) -> None:
        """Stop the clock at ``t_ns``: the player paused in the middle of the hold."""
        self.frozen_at_ns = t_ns

    def resume(self, t_ns: int) -> None:
        """Go on at ``t_ns`` where the frozen hold stood: its times move by the pause."""
        if self.frozen_at_ns is None:
            return
        delta_ns = t_ns - self.frozen_at_ns
        self.frozen_at_ns = None
        if self.start_ns is not None:
            self.start_ns += delta_ns
        if self._dip_since_ns is not None:
            self._dip_since_ns += delta_ns

    def update(self, t_ns: int, in_zone: bool) -> HoldChange | None:
        """Take the zone state at ``t_ns`` and say whether the hold started, completed or broke."""
        if self.start_ns is None:
            if in_zone:
                self.start_ns = t_ns
                self._dip_since_ns = None
                return HoldChange.STARTED
            return None
        if in_zone:
            self._dip_since_ns = None
        elif self._dip_since_ns is None:
            self._dip_since_ns = t_ns
        if self._dip_since_ns is not None and t_ns - self._dip_since_ns > self.dip_tolerance_ns:
            self.reset()
            return HoldChange.BROKEN
        if t_ns - self.start_ns >= self.required_ns:
            return HoldChange.COMPLETED
        return None
