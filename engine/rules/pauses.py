"""Pauses of an exercise: by a bad signal or by the player, and how long they lasted.

While paused no timer runs and time in a pause never counts as a hold. What happens to a rep
under way depends on who paused:

- the player (P): the rep waits where it was. On resuming, its time limit, its measurements and
  the hold in progress go on from where they stood, so a patient who stops to adjust the leg
  does not lose eight seconds of a ten-second hold;
- a signal problem: the rep starts over once the signal has been clean for the protocol's
  ``resume_after_s``. The samples just before a problem is detected may already be bad, and a
  hold across a dropout is not a proven continuous hold, so neither it nor the rep's
  measurements are kept.

The player's pause takes precedence: a signal that recovers during it does not resume the
exercise, only the player does (and a rep a signal problem interrupted still starts over).
"""

from __future__ import annotations

from engine.rules.kinds import Phase


class PauseState:
    """Who paused, why, since when, the phase to resume, and the paused time so far."""

    __slots__ = ("by_user", "kept_contract", "reason", "resume_phase", "start_ns", "total_ns")

    def __init__(self) -> None:
        self.by_user = False
        self.reason = ""
        """What the player is told while paused ("" when not paused)."""
        self.resume_phase = Phase.READY
        self.start_ns = 0
        self.total_ns = 0
        self.kept_contract: tuple[int, int] | None = None
        """A rep the player paused: its contract phase's elapsed time and time limit, in ns."""

    def begin(self, t_ns: int, interrupted: Phase) -> None:
        """A pause starts at ``t_ns``, interrupting phase ``interrupted``."""
        self.resume_phase = interrupted
        self.start_ns = t_ns
        self.kept_contract = None

    def keep_contract(self, elapsed_ns: int, duration_ns: int) -> None:
        """The interrupted rep waits: it goes on from ``elapsed_ns`` of its ``duration_ns``."""
        self.kept_contract = (elapsed_ns, duration_ns)

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
