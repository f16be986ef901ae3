"""Left/right symmetry of normalised activation (%MVC, never raw µV: electrode placement and
skin make raw amplitudes incomparable between legs).

Three indices, each returning None when both sides are below ``min_activation_pct`` (rest noise
is not asymmetry):

- limb symmetry index LSI = involved / uninvolved × 100 % (100 % symmetric; the return-to-sport
  goal is ≥ 90 %);
- Zifchock's symmetry angle SA = (45° − arctan(L/R)) / 90° × 100 %: bounded to ±50 %, 0 when
  symmetric, needs no reference limb; positive when the right side is higher;
- Robinson's SI = (R − L) / (½ (R + L)) × 100 %: familiar but it blows up as both sides near
  zero, so prefer SA for feedback.
"""

from __future__ import annotations

import math

from engine.portable_trig import atan2_deg

#: Default gate: below this %MVC on both sides nothing is being compared.
MIN_ACTIVATION_PCT = 5.0


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
    return 100.0 * max(involved_pct, 0.0) / uninvolved_pct


def symmetry_angle(
    left_pct: float, right_pct: float, min_activation_pct: float = MIN_ACTIVATION_PCT
) -> float | None:
    """Zifchock's symmetry angle in % (0 symmetric, ±50 % when one side is silent)."""
    if _gated(left_pct, right_pct, min_activation_pct):
        return None
    angle_deg = atan2_deg(max(left_pct, 0.0), max(right_pct, 0.0))
    return (45.0 - angle_deg) / 90.0 * 100.0


def robinson_index(
    left_pct: float, right_pct: float, min_activation_pct: float = MIN_ACTIVATION_PCT
) -> float | None:
    """Robinson's symmetry index in % ((R − L) over the mean of the two)."""
    if _gated(left_pct, right_pct, min_activation_pct):
        return None
    return 100.0 * (right_pct - left_pct) / (0.5 * (right_pct + left_pct))
