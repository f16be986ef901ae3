"""Exercise phases and their timers, in sample time.

An exercise goes ready → contract → rest → contract → … → done, with pauses in between; each
phase has a start and a length (0 for phases that end on an event rather than a timer: paused,
done). Times are sample times in ns, so a phase lasts exactly as long in a replay.
"""

from __future__ import annotations

from engine.clock import NS_PER_S
from engine.rules.kinds import Phase

TIMED_PHASES = (Phase.READY, Phase.CONTRACT, Phase.REST)
"""Phases that end when their timer runs out (the others end on an event)."""


class PhaseClock:
    """The current phase, when it started and how long it lasts."""

    __slots__ = ("duration_ns", "phase", "start_ns")

    def __init__(self, t_ns: int, ready_ns: int) -> None:
        self.phase = Phase.READY
        self.start_ns = t_ns
        self.duration_ns = ready_ns

    def enter(self, t_ns: int, phase: Phase, duration_ns: int) -> None:
        """Start ``phase`` at ``t_ns``, lasting ``duration_ns``."""
        self.phase = phase
        self.start_ns = t_ns
        self.duration_ns = duration_ns

    def elapsed_ns(self, t_ns: int) -> int:
        return t_ns - self.start_ns

    def expired(self, t_ns: int) -> bool:
        """Whether the phase's time is up at ``t_ns``."""
        return t_ns - self.start_ns >= self.duration_ns

    def remaining_s(self, t_ns: int) -> float | None:
        """Seconds left on a timed phase's clock (never negative); None for the others."""
        if self.phase not in TIMED_PHASES:
            return None
        return max(0, self.duration_ns - (t_ns - self.start_ns)) / NS_PER_S
