"""Comparisons between muscles: symmetry and compensation, each optional, on window means.

The monitors are built once the tick rate is known (their windows are sized in ticks, and the
rate comes with the first block). Both compare muscles, so they only ever see normalised envelopes.

Their alerts belong to a contraction: when a rep ends they are cleared (with a ``reason`` of
"rep_end"), so no alert sits through the rest, into the next rep or over the session's end; a
rep that starts compensating again is told so as soon as the rule sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.messages import Side
from engine.protocol import Protocol
from engine.rules.compensation import CompensationMonitor
from engine.rules.event_log import EventLog
from engine.rules.muscle_columns import MuscleColumns, group_mean
from engine.rules.symmetry_monitor import SymmetryMonitor
from engine.rules.target import each_side_level
from engine.rules.ticks import TickStream
from engine.view import AlertView


class MuscleComparisons:
    """The protocol's symmetry and compensation monitors (either may be absent).

    ``sides`` are the source's channels' sides, by column: they name the side of a compensating
    muscle and split the target into sides for a hold judged on each side.
    """

    __slots__ = (
        "_built", "_columns", "_involved_side", "_log", "_protocol", "_sides", "compensation",
        "symmetry",
    )

    def __init__(
        self,
        protocol: Protocol,
        columns: MuscleColumns,
        involved_side: Side | None,
        log: EventLog,
        sides: Sequence[Side] = (),
    ) -> None:
        self._protocol = protocol
        self._columns = columns
        self._involved_side = involved_side
        self._log = log
        self._sides = tuple(sides)
        self.symmetry: SymmetryMonitor | None = None
        self.compensation: CompensationMonitor | None = None
        self._built = False

    def build(self, ticks: TickStream) -> None:
        """Make the monitors once ``ticks`` knows its rate, sizing their windows in ticks."""
        if self._built or ticks.rate_hz is None:
            return
        self._built = True
        tick_rate_hz = ticks.rate_hz / ticks.factor
        protocol = self._protocol
        if protocol.symmetry is not None:
            window_ticks = max(1, round(protocol.symmetry.window_s * tick_rate_hz))
            involved = self._involved_side if protocol.target.side == "involved" else None
            self.symmetry = SymmetryMonitor(protocol.symmetry, window_ticks, involved)
        if protocol.compensation is not None:
            window_ticks = max(1, round(protocol.compensation.window_s * tick_rate_hz))
            self.compensation = CompensationMonitor(protocol.compensation, window_ticks)

    @property
    def lsi_pct(self) -> float | None:
        """The current limb symmetry index (None without symmetry, or below its gate)."""
        return self.symmetry.lsi_pct if self.symmetry is not None else None

    @property
    def compensating(self) -> bool:
        """Whether the compensation alert is raised now."""
        return self.compensation is not None and self.compensation.alert.active

    def update(self, t_ns: int, pct: list[float]) -> None:
        """Push one tick of %MVC; report any alert raised or cleared."""
        columns = self._columns
        symmetry, compensation = self.symmetry, self.compensation
        if symmetry is not None and symmetry.update(
            t_ns, group_mean(pct, columns.symmetry_left), group_mean(pct, columns.symmetry_right)
        ):
            self._log.emit(t_ns, *symmetry.report())
        if compensation is not None:
            if not compensation.alert.active:
                # Named when raised and kept while it stands, so the banner does not flicker.
                compensation.side = self._hardest_side(pct, columns.numerator)
            if compensation.update(
                t_ns, group_mean(pct, columns.numerator), group_mean(pct, columns.denominator)
            ):
                self._log.emit(t_ns, *compensation.report())

    def _hardest_side(self, pct: list[float], group: tuple[int, ...]) -> Side | None:
        """The side of the column of ``group`` working hardest (None without sides)."""
        if not group or len(self._sides) <= max(group):
            return None
        column = max(group, key=lambda c: pct[c])
        side = self._sides[column]
        return side if side in (Side.LEFT, Side.RIGHT) else None

    def hold_terms(
        self, level_pct: float, pct: list[float] | None, low_pct: float, high_pct: float
    ) -> tuple[float, bool]:
        """The level the zone judges and whether the tick is symmetric enough to count.

        A protocol whose symmetry rule judges holds on each side (``hold_success =
        "each_side"``) needs every side in the band (:func:`~engine.rules.target.each_side_level`)
        and its symmetry metric within the threshold; otherwise the mean level alone decides.
        """
        symmetry = self.symmetry
        if pct is None or symmetry is None or symmetry.rule.hold_success != "each_side":
            return level_pct, True
        sides = self._sides
        by_side = tuple(
            group_mean(pct, columns) for side in (Side.LEFT, Side.RIGHT)
            if (columns := tuple(c for c in self._columns.target
                                 if c < len(sides) and sides[c] is side))
        )
        if len(by_side) < 2:
            return level_pct, symmetry.meets_threshold
        return each_side_level(by_side, level_pct, low_pct, high_pct), symmetry.meets_threshold

    def reset_windows(self) -> None:
        """Forget the windows (after a pause: the samples before it are not comparable)."""
        for monitor in (self.symmetry, self.compensation):
            if monitor is not None:
                monitor.reset_window()

    def clear_alerts(self, t_ns: int) -> None:
        """The contraction ended: clear raised alerts (reported, reason "rep_end") and start the
        windows afresh for the next one."""
        symmetry, compensation = self.symmetry, self.compensation
        if symmetry is not None and symmetry.clear():
            self._log.emit(t_ns, *symmetry.report("rep_end"))
        if compensation is not None and compensation.clear():
            self._log.emit(t_ns, *compensation.report("rep_end"))
        self.reset_windows()

    def active_alerts(self) -> list[str]:
        """Names of the alerts now raised, for the view ("symmetry", "compensation")."""
        alerts = []
        if self.symmetry is not None and self.symmetry.alert.active:
            alerts.append("symmetry")
        if self.compensation is not None and self.compensation.alert.active:
            alerts.append("compensation")
        return alerts

    def alert_views(self) -> tuple[AlertView, ...]:
        """The raised alerts in detail for the view: who, which side, and the limits."""
        views = []
        symmetry, compensation = self.symmetry, self.compensation
        if symmetry is not None and symmetry.alert.active:
            views.append(AlertView(
                kind="symmetry", muscle=symmetry.rule.muscle,
                side=symmetry.weaker.value if symmetry.weaker is not None else "",
                target_muscle=symmetry.rule.muscle, metric=symmetry.rule.metric,
                value=symmetry.value, alert_at=symmetry.rule.threshold_pct,
                clears_at=symmetry.clears_at_pct,
            ))
        if compensation is not None and compensation.alert.active:
            views.append(AlertView(
                kind="compensation", muscle=compensation.rule.numerator,
                side=compensation.side.value if compensation.side is not None else "",
                target_muscle=compensation.rule.denominator, metric=compensation.rule.metric,
                value=compensation.value, alert_at=compensation.rule.limit,
                clears_at=compensation.clears_at,
            ))
        return tuple(views)
