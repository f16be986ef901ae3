"""The bands an exercise judged its reps on: the first, and every change with its reason.

Reps of one session are judged on different bands when shaping or the clinician moves it; a
summary that shows only the final band misreports every earlier rep. Each period says from
which rep (0-based, in the session) and from which sample time it applied.
"""

from __future__ import annotations

from engine.rules.session_summary import BandPeriod
from engine.rules.target import Difficulty


class BandHistory:
    """Every band an exercise used, oldest first (the first one from the exercise's start)."""

    __slots__ = ("periods",)

    def __init__(self, t_ns: int, difficulty: Difficulty) -> None:
        self.periods = [_period(t_ns, difficulty, "protocol", 0)]

    def start_at(self, t_ns: int) -> None:
        """The exercise's first sample is at ``t_ns``: the starting band applies from there."""
        first = self.periods[0]
        if len(self.periods) == 1 and first.t_ns < t_ns:
            self.periods[0] = _period(t_ns, Difficulty(first.low_pct, first.high_pct,
                                                       first.hold_s), first.reason, 0)

    def change(self, t_ns: int, difficulty: Difficulty, reason: str, from_rep: int) -> None:
        """The band became ``difficulty`` at ``t_ns`` for ``reason``, from rep ``from_rep`` on."""
        self.periods.append(_period(t_ns, difficulty, reason, from_rep))


def _period(t_ns: int, difficulty: Difficulty, reason: str, from_rep: int) -> BandPeriod:
    return BandPeriod(t_ns=t_ns, from_rep=from_rep, low_pct=difficulty.low_pct,
                      high_pct=difficulty.high_pct, hold_s=difficulty.hold_s, reason=reason)
