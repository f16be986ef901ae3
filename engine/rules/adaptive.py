"""Adaptive difficulty: the band and hold follow recent performance, inside protocol bounds.

Shaping: after ``window_reps`` successes in a row the band rises by at most ``step_pct`` and
never above the best mean level the patient actually sustained in those reps, so the next target
sits just above what they have shown they can do; the hold grows by ``hold_step_s``. After as
many failures in a row both step back down, protecting the sense of competence. Every value is
clamped to the protocol's bounds.
"""

from __future__ import annotations

from engine.protocol import AdaptiveRule
from engine.rules.session_summary import RepResult
from engine.rules.target import Difficulty


class AdaptiveTarget:
    """Proposes the next difficulty after each rep, or None to keep the current one."""

    def __init__(self, rule: AdaptiveRule) -> None:
        self.rule = rule
        self._streak: list[RepResult] = []

    def after_rep(self, rep: RepResult) -> tuple[Difficulty, str] | None:
        """Take a finished rep; return the new difficulty and why, when it should change."""
        if self._streak and self._streak[-1].success != rep.success:
            self._streak.clear()
        self._streak.append(rep)
        rule = self.rule
        if len(self._streak) < rule.window_reps:
            return None
        width = rep.high_pct - rep.low_pct
        if rep.success:
            best = max((r.mean_pct for r in self._streak if r.mean_pct is not None), default=0.0)
            low = max(rep.low_pct, min(rep.low_pct + rule.step_pct, best))
            hold = rep.hold_s + rule.hold_step_s
            reason = "shaping_up"
        else:
            low = rep.low_pct - rule.step_pct
            hold = rep.hold_s - rule.hold_step_s
            reason = "shaping_down"
        self._streak.clear()
        low = min(max(low, rule.low_min_pct), rule.low_max_pct)
        hold = min(max(hold, rule.hold_min_s), rule.hold_max_s)
        if low == rep.low_pct and hold == rep.hold_s:
            return None
        return Difficulty(low, low + width, hold), reason
