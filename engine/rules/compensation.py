"""The compensation monitor: a muscle that should stay quiet taking over the target's work.

The judgement is on a ratio of channel groups (window means of %MVC), never on the channels one
by one: separate per-muscle cues do not reduce co-contraction. The formulas are in
:mod:`engine.cocontraction`; the numerator is the compensating muscle (the antagonist's place),
the denominator the target muscle (the agonist's).
"""

from __future__ import annotations

from engine.cocontraction import antagonist_ratio_of, falconer_winter_pct
from engine.messages import PlainValue, Side
from engine.protocol import CompensationRule
from engine.rules.kinds import EventKind
from engine.rules.windows import PairWindow, below_gate, denominator_floor_pct
from engine.rules.zones import Debounced


class CompensationMonitor:
    """Window means of both groups, the current metric, and the debounced alert with cool-down."""

    __slots__ = ("_window", "alert", "rule", "side", "value")

    def __init__(self, rule: CompensationRule, window_ticks: int) -> None:
        self.rule = rule
        self._window = PairWindow(window_ticks)
        dwell_ns = round(rule.min_duration_s * 1e9)
        self.alert = Debounced(dwell_ns, dwell_ns, round(rule.cooldown_s * 1e9))
        self.value: float | None = None
        self.side: Side | None = None
        """The side whose compensating muscle works hardest (None when not known)."""

    def reset_window(self) -> None:
        self._window.reset()
        self.value = None

    @property
    def clears_at(self) -> float:
        """Where the alert clears: the limit less the rule's hysteresis."""
        return self.rule.limit - self.rule.hysteresis

    def clear(self) -> bool:
        """Drop a raised alert (the contraction ended): True when one was raised. No cool-down
        follows: a next rep that compensates again is told so as soon as the rule sees it."""
        if not self.alert.active:
            return False
        self.alert.reset()
        return True

    def update(self, t_ns: int, numerator_pct: float, denominator_pct: float) -> bool:
        """Push one tick of both group means; True when the alert was raised or cleared."""
        num, den = self._window.push(numerator_pct, denominator_pct)
        rule = self.rule
        if below_gate(num, den, rule.min_activation_pct):
            self.value = None
            return self.alert.update(t_ns, False, False)
        if rule.metric == "ratio":
            value = antagonist_ratio_of(den, num, denominator_floor_pct(rule.min_activation_pct))
        else:
            value = falconer_winter_pct(max(den, 0.0), max(num, 0.0))
        self.value = value
        return self.alert.update(t_ns, value > rule.limit, value <= self.clears_at)

    def report(self, reason: str = "") -> tuple[EventKind, str, dict[str, PlainValue]]:
        """The event for the alert's latest flip: kind, subject ("hamstrings/gluteus_maximus"),
        and the numbers; ``reason`` says why a cleared alert cleared when it was not the
        muscles ("rep_end")."""
        active = self.alert.active
        kind = EventKind.COMPENSATION_ALERT if active else EventKind.COMPENSATION_CLEARED
        rule = self.rule
        data: dict[str, PlainValue] = {
            "metric": rule.metric, "value": self.value, "limit": rule.limit,
            "clears_at": self.clears_at,
            "side": self.side.value if self.side is not None else None,
        }
        if reason:
            data["reason"] = reason
        return kind, f"{rule.numerator}/{rule.denominator}", data
