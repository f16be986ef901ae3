"""Left/right symmetry of one muscle, on %MVC window means, gated on a minimum activation.

Metrics (see the signal design notes): the limb symmetry index LSI (involved / uninvolved, or
weaker / stronger when no limb is involved), Zifchock's symmetry angle (bounded, no reference
limb) and Robinson's symmetry index (unbounded near zero). Below the activation gate none is
computed: resting noise is not asymmetry.
"""

from __future__ import annotations

from engine.messages import Side
from engine.portable_trig import atan2_deg
from engine.protocol import SymmetryRule
from engine.rules.compensation import DENOMINATOR_FLOOR_PCT
from engine.rules.windows import WindowMean
from engine.rules.zones import Debounced


def limb_symmetry_index_pct(involved: float, uninvolved: float) -> float:
    """LSI = involved / uninvolved × 100 %."""
    return involved / uninvolved * 100.0


def symmetry_angle_pct(left: float, right: float) -> float:
    """Zifchock's SA = (45° − arctan(L / R)) / 90° × 100 %; 0 is perfect, ±50 % the extremes."""
    return (45.0 - atan2_deg(left, right)) / 90.0 * 100.0


def robinson_index_pct(left: float, right: float) -> float:
    """Robinson's SI = (R − L) / (½ (R + L)) × 100 %."""
    return (right - left) / (0.5 * (right + left)) * 100.0


class SymmetryMonitor:
    """Window means of both sides, the current metrics, and the debounced alert.

    Below the activation gate the alert keeps its state: the rest between reps neither raises
    nor clears it, only the next contraction does.
    """

    __slots__ = ("_left", "_right", "alert", "angle_pct", "involved", "lsi_pct", "rule", "value")

    def __init__(self, rule: SymmetryRule, window_ticks: int, involved: Side | None) -> None:
        self.rule = rule
        self.involved = involved
        self._left = WindowMean(window_ticks)
        self._right = WindowMean(window_ticks)
        dwell_ns = round(rule.min_duration_s * 1e9)
        self.alert = Debounced(dwell_ns, dwell_ns)
        self.lsi_pct: float | None = None
        self.angle_pct: float | None = None
        self.value: float | None = None
        """The rule's own metric, or None while below the activation gate."""

    def reset_window(self) -> None:
        self._left.reset()
        self._right.reset()
        self.lsi_pct = self.angle_pct = self.value = None

    def update(self, t_ns: int, left_pct: float, right_pct: float) -> bool:
        """Push one tick of both sides; True when the alert was raised or cleared."""
        # A side below its resting baseline is not working at all: count it as zero.
        left = max(self._left.push(left_pct), 0.0)
        right = max(self._right.push(right_pct), 0.0)
        rule = self.rule
        if max(left, right) < rule.min_activation_pct or left + right <= 0.0:
            self.lsi_pct = self.angle_pct = self.value = None
            return self.alert.update(t_ns, False, False)
        # A silent uninvolved side counts as the gate level, so the LSI stays finite.
        floor = max(rule.min_activation_pct, DENOMINATOR_FLOOR_PCT)
        if self.involved is Side.LEFT:
            lsi = limb_symmetry_index_pct(left, max(right, floor))
        elif self.involved is Side.RIGHT:
            lsi = limb_symmetry_index_pct(right, max(left, floor))
        else:
            lsi = limb_symmetry_index_pct(min(left, right), max(left, right))
        self.lsi_pct = lsi
        self.angle_pct = symmetry_angle_pct(left, right)
        threshold, margin = rule.threshold_pct, rule.hysteresis_pct
        if rule.metric == "lsi":
            value = lsi
            bad, good = value < threshold, value >= min(threshold + margin, 100.0)
        else:
            value = self.angle_pct if rule.metric == "symmetry_angle" else robinson_index_pct(
                left, right
            )
            bad, good = abs(value) > threshold, abs(value) <= max(threshold - margin, 0.0)
        self.value = value
        return self.alert.update(t_ns, bad, good)
