"""Pauses of an exercise: by a bad signal or by the player, and how long they lasted.

While paused no timer runs; an interrupted rep starts over on resuming (time in a pause must
never count as a hold). The player's pause takes precedence: a signal that recovers during it
does not resume the exercise, only the player does.
"""

from __future__ import annotations

from engine.rules.kinds import Phase


class PauseState:
    """Who paused, why, since when, the phase to resume, and the paused time so far."""

    __slots__ = ("by_user", "reason", "resume_phase", "start_ns", "total_ns")

    def __init__(self) -> None:
        self.by_user = False
        self.reason = ""
        """What the player is told while paused ("" when not paused)."""
        self.resume_phase = Phase.READY
        self.start_ns = 0
        self.total_ns = 0

    def begin(self, t_ns: int, interrupted: Phase) -> None:
        """A pause starts at ``t_ns``, interrupting phase ``interrupted``."""
        self.resume_phase = interrupted
        self.start_ns = t_ns

    def end(self, t_ns: int) -> int:
        """The pause ends at ``t_ns``; returns how long it lasted in ns."""
        paused_ns = t_ns - self.start_ns
        self.total_ns += paused_ns
        self.reason = ""
        return paused_ns

    def paused_ns(self, t_ns: int, paused_now: bool) -> int:
        """Paused time up to ``t_ns``, including a pause still under way."""
        if paused_now:
            return self.total_ns + (t_ns - self.start_ns)
        return self.total_ns
