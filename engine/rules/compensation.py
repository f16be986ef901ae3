"""Compensation: a muscle that should stay quiet taking over the target muscle's work.

The judgement is on a ratio of channel groups (window means of %MVC), never on the channels one
by one: separate per-muscle cues do not reduce co-contraction.
"""

from __future__ import annotations

from engine.protocol import CompensationRule
from engine.rules.windows import WindowMean
from engine.rules.zones import Debounced

DENOMINATOR_FLOOR_PCT = 1.0
"""The denominator never counts as less than this (or the gate): a silent target muscle with an
active compensator is the worst case, and must read as a large ratio, not a division by zero."""


class CompensationMonitor:
    """Window means of both groups, the current metric, and the debounced alert with cool-down."""

    __slots__ = ("_den", "_num", "alert", "rule", "value")

    def __init__(self, rule: CompensationRule, window_ticks: int) -> None:
        self.rule = rule
        self._num = WindowMean(window_ticks)
        self._den = WindowMean(window_ticks)
        dwell_ns = round(rule.min_duration_s * 1e9)
        self.alert = Debounced(dwell_ns, dwell_ns, round(rule.cooldown_s * 1e9))
        self.value: float | None = None

    def reset_window(self) -> None:
        self._num.reset()
        self._den.reset()
        self.value = None

    def update(self, t_ns: int, numerator_pct: float, denominator_pct: float) -> bool:
        """Push one tick of both group means; True when the alert was raised or cleared."""
        num = self._num.push(numerator_pct)
        den = self._den.push(denominator_pct)
        rule = self.rule
        if max(num, den) < rule.min_activation_pct or num + den <= 0.0:
            self.value = None
            return self.alert.update(t_ns, False, False)
        if rule.metric == "ratio":
            value = max(num, 0.0) / max(den, rule.min_activation_pct, DENOMINATOR_FLOOR_PCT)
        else:
            value = 2.0 * max(num, 0.0) / (max(num, 0.0) + max(den, 0.0)) * 100.0
        self.value = value
        return self.alert.update(t_ns, value > rule.limit, value <= rule.limit - rule.hysteresis)
