"""Adaptive difficulty: the band and hold follow recent performance, inside protocol bounds.

Shaping: after ``window_reps`` successes in a row the band rises by at most ``step_pct`` and
never above the best mean level the patient actually sustained in those reps, so the next target
sits just above what they have shown they can do; the hold grows by ``hold_step_s``. After as
many failures in a row both step back down, protecting the sense of competence.

What a physiotherapist signs off is the limits, and they always hold: the band's low edge stays
within ``low_min_pct`` … ``low_max_pct``, its top edge never passes ``ceiling_pct``, and in one
session it rises at most ``max_rise_per_session_pct`` above the band the session started with
(or the clinician last set: their choice is the new starting point). Shaping up never lowers
the band and shaping down never raises it, even when a clinician put it outside the bounds.
"""

from __future__ import annotations

from engine.protocol import AdaptiveRule
from engine.rules.session_summary import RepResult
from engine.rules.target import Difficulty

#: Why shaping up stopped short of its step: the protocol's limit that held the band.
CAPPED_BY_CEILING = "ceiling"
CAPPED_BY_SESSION = "session_limit"
CAPPED_BY_LOW_MAX = "low_max"
CAPPED_BY_PERFORMANCE = "sustained_level"


class AdaptiveTarget:
    """Proposes the next difficulty after each rep, or None to keep the current one.

    ``start_low_pct`` is the low edge the session's rise is counted from (the protocol's).
    """

    def __init__(self, rule: AdaptiveRule, start_low_pct: float) -> None:
        self.rule = rule
        self.base_low_pct = start_low_pct
        """Where this session's rise is counted from (%MVC)."""
        self.capped_by: str | None = None
        """Which limit held the last proposal (one of the ``CAPPED_BY_*`` names), or None."""
        self._streak: list[RepResult] = []

    def rebase(self, difficulty: Difficulty) -> None:
        """The clinician set ``difficulty``: count the session's rise from it, start afresh."""
        self.base_low_pct = difficulty.low_pct
        self._streak.clear()

    def highest_low_pct(self, width_pct: float) -> tuple[float, str]:
        """The highest low edge shaping may reach for a band ``width_pct`` wide, and the limit
        that sets it."""
        rule = self.rule
        limits = (
            (rule.ceiling_pct - width_pct, CAPPED_BY_CEILING),
            (self.base_low_pct + rule.max_rise_per_session_pct, CAPPED_BY_SESSION),
            (rule.low_max_pct, CAPPED_BY_LOW_MAX),
        )
        return min(limits)

    def after_rep(self, rep: RepResult) -> tuple[Difficulty, str] | None:
        """Take a finished rep; return the new difficulty and why, when it should change."""
        if self._streak and self._streak[-1].success != rep.success:
            self._streak.clear()
        self._streak.append(rep)
        rule = self.rule
        if len(self._streak) < rule.window_reps:
            return None
        width = rep.high_pct - rep.low_pct
        self.capped_by = None
        if rep.success:
            best = max((r.mean_pct for r in self._streak if r.mean_pct is not None), default=0.0)
            highest, limit = self.highest_low_pct(width)
            candidates = ((rep.low_pct + rule.step_pct, None), (best, CAPPED_BY_PERFORMANCE),
                          (highest, limit))
            low, self.capped_by = min(candidates, key=lambda c: c[0])
            low = max(rep.low_pct, low)
            hold = min(rep.hold_s + rule.hold_step_s, max(rule.hold_max_s, rep.hold_s))
            reason = "shaping_up"
        else:
            low = min(rep.low_pct, max(rep.low_pct - rule.step_pct, rule.low_min_pct))
            hold = min(rep.hold_s, max(rep.hold_s - rule.hold_step_s, rule.hold_min_s))
            reason = "shaping_down"
        self._streak.clear()
        if low == rep.low_pct and hold == rep.hold_s:
            return None
        return Difficulty(low, low + width, hold), reason
