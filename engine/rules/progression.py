"""Progression: ready for more load when recent reps were strong and symmetric enough."""

from __future__ import annotations

from collections.abc import Sequence

from engine.messages import PlainValue
from engine.protocol import ProgressionRule
from engine.rules.session_summary import RepResult


def progression_evidence(
    rule: ProgressionRule, reps: Sequence[RepResult]
) -> dict[str, PlainValue] | None:
    """The evidence that the last ``rule.last_reps`` reps meet the rule, or None if they do not.

    Every one of them must have succeeded and peaked at ``min_peak_pct`` or more; with a symmetry
    requirement, each must also have a measured LSI of at least ``min_symmetry_pct``.
    """
    recent = list(reps[-rule.last_reps :])
    if len(recent) < rule.last_reps:
        return None
    for rep in recent:
        if not rep.success or rep.peak_pct is None or rep.peak_pct < rule.min_peak_pct:
            return None
        if rule.min_symmetry_pct is not None and (
            rep.symmetry_lsi_pct is None or rep.symmetry_lsi_pct < rule.min_symmetry_pct
        ):
            return None
    peaks = [r.peak_pct for r in recent if r.peak_pct is not None]
    lsis = [r.symmetry_lsi_pct for r in recent if r.symmetry_lsi_pct is not None]
    return {
        "reps": len(recent),
        "min_peak_pct": min(peaks),
        "min_symmetry_lsi_pct": min(lsis) if lsis else None,
        "required_peak_pct": rule.min_peak_pct,
        "required_symmetry_pct": rule.min_symmetry_pct,
    }


class ProgressionWatch:
    """Says once per exercise when the patient is ready for more load (None: no rule)."""

    __slots__ = ("ready", "rule")

    def __init__(self, rule: ProgressionRule | None) -> None:
        self.rule = rule
        self.ready = False

    def after_rep(self, reps: Sequence[RepResult]) -> dict[str, PlainValue] | None:
        """The evidence, the first time the reps so far meet the rule; else None."""
        if self.rule is None or self.ready:
            return None
        evidence = progression_evidence(self.rule, reps)
        self.ready = evidence is not None
        return evidence
