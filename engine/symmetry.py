"""Left/right symmetry of normalised activation (%MVC, never raw µV: electrode placement and
skin make raw amplitudes incomparable between legs). The one home of the symmetry formulas.

- limb symmetry index LSI = involved / uninvolved × 100 % (100 % symmetric; the return-to-sport
  goal is ≥ 90 %);
- Zifchock's symmetry angle SA = (45° − arctan(L/R)) / 90° × 100 %: bounded to ±50 %, 0 when
  symmetric, needs no reference limb; positive when the right side is higher;
- Robinson's SI = (R − L) / (½ (R + L)) × 100 %: familiar but it blows up as both sides near
  zero, so prefer SA for feedback.

The ``*_pct`` formulas take levels as they are; the rules' symmetry monitor
(:mod:`engine.rules.symmetry_monitor`) feeds them window means it has gated itself. The gated
functions without the suffix (:func:`limb_symmetry_index`, ...) are for one-off analysis: they
return None when both sides are below ``min_activation_pct`` (rest noise is not asymmetry) or a
level is not finite.
"""

from __future__ import annotations

import math

from engine.portable_trig import atan2_deg

#: Default gate: below this %MVC on both sides nothing is being compared.
MIN_ACTIVATION_PCT = 5.0


def limb_symmetry_index_pct(involved: float, uninvolved: float) -> float:
    """LSI = involved / uninvolved × 100 %."""
    return involved / uninvolved * 100.0


def symmetry_angle_pct(left: float, right: float) -> float:
    """Zifchock's SA = (45° − arctan(L / R)) / 90° × 100 %; 0 is perfect, ±50 % the extremes.

    The arctangent is the portable one, so the angle is the same on every machine.
    """
    return (45.0 - atan2_deg(left, right)) / 90.0 * 100.0


def robinson_index_pct(left: float, right: float) -> float:
    """Robinson's SI = (R − L) / (½ (R + L)) × 100 %."""
    return (right - left) / (0.5 * (right + left)) * 100.0


def _gated(left: float, right: float, min_activation_pct: float) -> bool:
    if not (math.isfinite(left) and math.isfinite(right)):
        return True
    return max(left, right) < min_activation_pct


def limb_symmetry_index(
    involved_pct: float, uninvolved_pct: float, min_activation_pct: float = MIN_ACTIVATION_PCT
) -> float | None:
    """LSI in %: the involved (operated, weaker) side relative to the uninvolved side."""
    if _gated(involved_pct, uninvolved_pct, min_activation_pct) or uninvolved_pct <= 0:
        return None
    return limb_symmetry_index_pct(max(involved_pct, 0.0), uninvolved_pct)


def symmetry_angle(
    left_pct: float, right_pct: float, min_activation_pct: float = MIN_ACTIVATION_PCT
) -> float | None:
    """Zifchock's symmetry angle in % (0 symmetric, ±50 % when one side is silent)."""
    if _gated(left_pct, right_pct, min_activation_pct):
        return None
    return symmetry_angle_pct(max(left_pct, 0.0), max(right_pct, 0.0))


def robinson_index(
    left_pct: float, right_pct: float, min_activation_pct: float = MIN_ACTIVATION_PCT
) -> float | None:
    """Robinson's symmetry index in % ((R − L) over the mean of the two)."""
    if _gated(left_pct, right_pct, min_activation_pct):
        return None
    return robinson_index_pct(left_pct, right_pct)
