"""The symmetry monitor: left/right symmetry of one muscle, judged on %MVC window means.

Metrics (formulas in :mod:`engine.symmetry`): the limb symmetry index LSI (involved /
uninvolved, or weaker / stronger when no limb is involved), Zifchock's symmetry angle (bounded,
no reference limb) and Robinson's symmetry index (unbounded near zero). Below the activation
gate none is computed: resting noise is not asymmetry.
"""

from __future__ import annotations

from engine.messages import PlainValue, Side
from engine.protocol import SymmetryRule
from engine.rules.kinds import EventKind
from engine.rules.windows import PairWindow, below_gate, denominator_floor_pct
from engine.rules.zones import Debounced
from engine.symmetry import limb_symmetry_index_pct, robinson_index_pct, symmetry_angle_pct


class SymmetryMonitor:
    """Window means of both sides, the current metrics, and the debounced alert.

    Below the activation gate the alert keeps its state: the rest between reps neither raises
    nor clears it, only the next contraction does.
    """

    __slots__ = ("_window", "alert", "angle_pct", "involved", "lsi_pct", "rule", "value",
                 "weaker")

    def __init__(self, rule: SymmetryRule, window_ticks: int, involved: Side | None) -> None:
        self.rule = rule
        self.involved = involved
        self._window = PairWindow(window_ticks)
        dwell_ns = round(rule.min_duration_s * 1e9)
        self.alert = Debounced(dwell_ns, dwell_ns)
        self.lsi_pct: float | None = None
        self.angle_pct: float | None = None
        self.value: float | None = None
        """The rule's own metric, or None while below the activation gate."""
        self.weaker: Side | None = None
        """The side doing less (the involved side when one is), None below the gate."""

    def reset_window(self) -> None:
        self._window.reset()
        self.lsi_pct = self.angle_pct = self.value = None
        self.weaker = None

    @property
    def clears_at_pct(self) -> float:
        """Where the alert clears: the threshold moved toward symmetry by the hysteresis."""
        rule = self.rule
        if rule.metric == "lsi":
            return min(rule.threshold_pct + rule.hysteresis_pct, 100.0)
        return max(rule.threshold_pct - rule.hysteresis_pct, 0.0)

    def _bad(self, value: float) -> bool:
        threshold = self.rule.threshold_pct
        return value < threshold if self.rule.metric == "lsi" else abs(value) > threshold

    @property
    def meets_threshold(self) -> bool:
        """Whether the current window is symmetric enough to count toward a hold (below the
        activation gate nothing is symmetric: a resting pair is not a hold)."""
        return self.value is not None and not self._bad(self.value)

    def clear(self) -> bool:
        """Drop a raised alert (the contraction ended): True when one was raised."""
        if not self.alert.active:
            return False
        self.alert.reset()
        return True

    def update(self, t_ns: int, left_pct: float, right_pct: float) -> bool:
        """Push one tick of both sides; True when the alert was raised or cleared."""
        left_mean, right_mean = self._window.push(left_pct, right_pct)
        # A side below its resting baseline is not working at all: count it as zero.
        left, right = max(left_mean, 0.0), max(right_mean, 0.0)
        rule = self.rule
        if below_gate(left, right, rule.min_activation_pct):
            self.lsi_pct = self.angle_pct = self.value = None
            self.weaker = None
            return self.alert.update(t_ns, False, False)
        # A silent uninvolved side counts as the gate level, so the LSI stays finite.
        floor = denominator_floor_pct(rule.min_activation_pct)
        if self.involved is Side.LEFT:
            lsi = limb_symmetry_index_pct(left, max(right, floor))
        elif self.involved is Side.RIGHT:
            lsi = limb_symmetry_index_pct(right, max(left, floor))
        else:
            lsi = limb_symmetry_index_pct(min(left, right), max(left, right))
        self.lsi_pct = lsi
        self.angle_pct = symmetry_angle_pct(left, right)
        self.weaker = self.involved if self.involved is not None else (
            Side.LEFT if left < right else Side.RIGHT)
        clears_at = self.clears_at_pct
        if rule.metric == "lsi":
            value = lsi
            good = value >= clears_at
        else:
            value = self.angle_pct if rule.metric == "symmetry_angle" else robinson_index_pct(
                left, right
            )
            good = abs(value) <= clears_at
        self.value = value
        return self.alert.update(t_ns, self._bad(value), good)

    def report(self, reason: str = "") -> tuple[EventKind, str, dict[str, PlainValue]]:
        """The event for the alert's latest flip: kind, subject (the muscle) and numbers;
        ``reason`` says why a cleared alert cleared when it was not the muscles ("rep_end")."""
        kind = EventKind.SYMMETRY_ALERT if self.alert.active else EventKind.SYMMETRY_CLEARED
        rule = self.rule
        data: dict[str, PlainValue] = {
            "metric": rule.metric,
            "value_pct": self.value,
            "threshold_pct": rule.threshold_pct,
            "clears_at_pct": self.clears_at_pct,
            "lsi_pct": self.lsi_pct,
            "angle_pct": self.angle_pct,
            "weaker": self.weaker.value if self.weaker is not None else None,
        }
        if reason:
            data["reason"] = reason
        return kind, rule.muscle, data
