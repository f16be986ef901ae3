"""Co-contraction of an agonist/antagonist pair on normalised envelopes (%MVC). The one home of
the co-contraction formulas: the rules' compensation monitor
(:mod:`engine.rules.compensation`) applies the scalar ones to its window means.

The indices are not interchangeable, so every result names the one used:

- ``"winter"`` (default), Winter's common area: 2·∫min(A, B) / (∫A + ∫B) × 100 %. Bounded
  0–100 %, symmetric, and needs no decision about which muscle leads, so it stays meaningful
  when roles swap inside the window (bridges, gait). Used for compensation feedback.
- ``"falconer_winter"``, Falconer & Winter's CCI: 2·I_ant / (I_ag + I_ant) × 100 %, where I_ag
  and I_ant integrate the agonist's and antagonist's envelopes. Reads as "antagonist share" and
  passes 100 % when the antagonist dominates; right when the task fixes the agonist (quad sets:
  quadriceps agonist, hamstrings antagonist).
- the antagonist ratio, mean antagonist over mean agonist (what a compensation rule limits);
- the target share, target / (target + compensators) × 100 % (what an exercise comparison
  shows beside each variation, :mod:`engine.rep_cutting`).

For a cue, feed back the ratio itself (separate per-muscle cues do not reduce co-contraction).
The window functions return None when neither muscle reaches ``min_activation_pct`` on average.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

CoContractionIndex = Literal["winter", "falconer_winter"]
DEFAULT_INDEX: CoContractionIndex = "winter"
MIN_ACTIVATION_PCT = 5.0


def winter_pct(common: float, agonist: float, antagonist: float) -> float:
    """Winter's common area, 2·common / (agonist + antagonist) × 100 %, from integrals."""
    return 2.0 * common / (agonist + antagonist) * 100.0


def falconer_winter_pct(agonist: float, antagonist: float) -> float:
    """Falconer & Winter's CCI, 2·antagonist / (antagonist + agonist) × 100 %."""
    return 2.0 * antagonist / (antagonist + agonist) * 100.0


def target_share_pct(target: float, compensators: float,
                     min_activation_pct: float = MIN_ACTIVATION_PCT) -> float | None:
    """The target's share of the work, target / (target + compensators) × 100 %, from mean
    activations (%MVC; the compensators' summed): a hip extension at 40 % glute and 60 %
    hamstring has a gluteal share of 40 %. None when neither reaches ``min_activation_pct``
    (resting noise has no share); negative levels count as 0."""
    target, compensators = max(target, 0.0), max(compensators, 0.0)
    if max(target, compensators) < min_activation_pct:
        return None
    return target / (target + compensators) * 100.0


def antagonist_ratio_of(agonist: float, antagonist: float, floor_pct: float) -> float:
    """Antagonist over agonist; a negative antagonist counts as 0 and the agonist as at least
    ``floor_pct`` (a silent agonist under an active antagonist reads as a large ratio, not as a
    division by zero)."""
    return max(antagonist, 0.0) / max(agonist, floor_pct)


def co_contraction(
    agonist_pct: npt.ArrayLike,
    antagonist_pct: npt.ArrayLike,
    index: CoContractionIndex = DEFAULT_INDEX,
    min_activation_pct: float = MIN_ACTIVATION_PCT,
) -> float | None:
    """Co-contraction in % over equal-length windows of two envelopes (samples at one rate)."""
    a = np.clip(np.asarray(agonist_pct, dtype=np.float64), 0.0, None)
    b = np.clip(np.asarray(antagonist_pct, dtype=np.float64), 0.0, None)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("co-contraction needs two 1-D envelopes of equal length")
    if a.size == 0 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    if max(a.mean(), b.mean()) < min_activation_pct:
        return None
    agonist, antagonist = float(a.sum()), float(b.sum())
    if index == "winter":
        return winter_pct(float(np.minimum(a, b).sum()), agonist, antagonist)
    if index == "falconer_winter":
        return falconer_winter_pct(agonist, antagonist)
    raise ValueError(f"unknown co-contraction index {index!r}; use 'winter' or 'falconer_winter'")


def antagonist_ratio(
    agonist_pct: npt.ArrayLike,
    antagonist_pct: npt.ArrayLike,
    min_activation_pct: float = MIN_ACTIVATION_PCT,
) -> float | None:
    """Mean antagonist over mean agonist activation (the compensation ratio a rule limits)."""
    a = float(np.asarray(agonist_pct, dtype=np.float64).mean())
    b = float(np.asarray(antagonist_pct, dtype=np.float64).mean())
    if not (np.isfinite(a) and np.isfinite(b)) or a < min_activation_pct:
        return None
    return antagonist_ratio_of(a, b, min_activation_pct)
