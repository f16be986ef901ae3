"""Debounced two-state judgements: a %MVC zone with hysteresis and dwell, and alert states.

Both flip only after their condition has held for a dwell time measured in sample time, so a
level that chatters across a threshold does not flood the player with events.
"""

from __future__ import annotations


class Debounced:
    """A state that turns on after ``set`` held ``on_ns`` and off after ``clear`` held ``off_ns``.

    After turning off it stays off for ``cooldown_ns``, so an alert cannot re-fire at once.
    Using separate set and clear conditions gives hysteresis: between them nothing changes.
    """

    __slots__ = ("_cooldown_until_ns", "_since_ns", "active", "cooldown_ns", "off_ns", "on_ns")

    def __init__(self, on_ns: int, off_ns: int, cooldown_ns: int = 0) -> None:
        self.on_ns = on_ns
        self.off_ns = off_ns
        self.cooldown_ns = cooldown_ns
        self.active = False
        self._since_ns: int | None = None
        self._cooldown_until_ns = -(2**62)

    def reset(self) -> None:
        """Forget the state and any pending change (the cool-down is kept)."""
        self.active = False
        self._since_ns = None

    def shift(self, delta_ns: int) -> None:
        """Move a pending change ``delta_ns`` later: time that stood still (a player's pause)."""
        if self._since_ns is not None:
            self._since_ns += delta_ns

    def update(self, t_ns: int, set_cond: bool, clear_cond: bool) -> bool:
        """Take the conditions at sample time ``t_ns``; True when the state flipped."""
        if self.active:
            wanted, dwell_ns = clear_cond, self.off_ns
        else:
            wanted, dwell_ns = set_cond and t_ns >= self._cooldown_until_ns, self.on_ns
        if not wanted:
            self._since_ns = None
            return False
        if self._since_ns is None:
            self._since_ns = t_ns
        if t_ns - self._since_ns < dwell_ns:
            return False
        self.active = not self.active
        self._since_ns = None
        if not self.active:
            self._cooldown_until_ns = t_ns + self.cooldown_ns
        return True


class Zone:
    """Whether a level is inside the target band ``[low_pct, high_pct]``.

    The level enters when it is inside the band and leaves when it is more than
    ``hysteresis_pct`` outside it, each after ``dwell_ns``. A ``low_pct`` of 0 means no lower
    bound (a relaxation drill's "stay below the line").
    """

    __slots__ = ("_state", "high_pct", "hysteresis_pct", "low_pct")

    def __init__(self, low_pct: float, high_pct: float, hysteresis_pct: float, dwell_ns: int):
        self.low_pct = low_pct
        self.high_pct = high_pct
        self.hysteresis_pct = hysteresis_pct
        self._state = Debounced(dwell_ns, dwell_ns)

    @property
    def inside(self) -> bool:
        return self._state.active

    def set_band(self, low_pct: float, high_pct: float) -> None:
        self.low_pct = low_pct
        self.high_pct = high_pct

    def reset(self) -> None:
        self._state.reset()

    def shift(self, delta_ns: int) -> None:
        """Keep the state; a pending entry or exit waits ``delta_ns`` longer (a pause)."""
        self._state.shift(delta_ns)

    def update(self, t_ns: int, level_pct: float) -> bool:
        """Take the level at ``t_ns``; True when the zone was entered or left."""
        low = self.low_pct if self.low_pct > 0 else float("-inf")
        margin = self.hysteresis_pct
        inside = low <= level_pct <= self.high_pct
        outside = level_pct < low - margin or level_pct > self.high_pct + margin
        return self._state.update(t_ns, inside, outside)
