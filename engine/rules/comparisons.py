"""The muscle comparisons a protocol asks for: left/right symmetry and compensation.

Both judge window means over a number of rule ticks, so they are built once the tick rate is
known (at the first block). Both compare muscles, so they only ever see normalised envelopes.
"""

from __future__ import annotations

from engine.messages import Side
from engine.protocol import Protocol
from engine.rules.compensation import CompensationMonitor
from engine.rules.event_log import EventLog
from engine.rules.muscle_columns import MuscleColumns, group_mean
from engine.rules.symmetry_monitor import SymmetryMonitor
from engine.rules.ticks import TickStream


class MuscleComparisons:
    """The protocol's symmetry and compensation monitors (either may be absent)."""

    __slots__ = (
        "_built", "_columns", "_involved_side", "_log", "_protocol", "compensation", "symmetry"
    )

    def __init__(
        self,
        protocol: Protocol,
        columns: MuscleColumns,
        involved_side: Side | None,
        log: EventLog,
    ) -> None:
        self._protocol = protocol
        self._columns = columns
        self._involved_side = involved_side
        self._log = log
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

    def update(self, t_ns: int, pct: list[float]) -> None:
        """Push one tick of %MVC; report any alert raised or cleared."""
        columns = self._columns
        symmetry, compensation = self.symmetry, self.compensation
        if symmetry is not None and symmetry.update(
            t_ns, group_mean(pct, columns.symmetry_left), group_mean(pct, columns.symmetry_right)
        ):
            self._log.emit(t_ns, *symmetry.report())
        if compensation is not None and compensation.update(
            t_ns, group_mean(pct, columns.numerator), group_mean(pct, columns.denominator)
        ):
            self._log.emit(t_ns, *compensation.report())

    def reset_windows(self) -> None:
        """Forget the windows (after a pause: the samples before it are not comparable)."""
        for monitor in (self.symmetry, self.compensation):
            if monitor is not None:
                monitor.reset_window()

    def active_alerts(self) -> list[str]:
        """Names of the alerts now raised, for the view ("symmetry", "compensation")."""
        alerts = []
        if self.symmetry is not None and self.symmetry.alert.active:
            alerts.append("symmetry")
        if self.compensation is not None and self.compensation.alert.active:
            alerts.append("compensation")
        return alerts
