"""The rules' output: events in the order they became true, and the count of alerts raised."""

from __future__ import annotations

from engine.messages import PlainValue, RuleEvent
from engine.rules.kinds import ALERT_KINDS, EventKind


class EventLog:
    """Collects the events of one :meth:`RulesEngine.step` and counts alerts for the summary."""

    __slots__ = ("_events", "alerts")

    def __init__(self) -> None:
        self._events: list[RuleEvent] = []
        self.alerts: dict[str, int] = {}
        """Alerts raised in the current exercise, by kind (see :data:`ALERT_KINDS`)."""

    def emit(
        self, t_ns: int, kind: EventKind, subject: str, data: dict[str, PlainValue]
    ) -> None:
        """Record that ``kind`` became true at sample time ``t_ns``."""
        name = kind.value  # a plain str: the recorded bytes must not depend on the enum
        if kind in ALERT_KINDS:
            self.alerts[name] = self.alerts.get(name, 0) + 1
        self._events.append(RuleEvent(t_ns, name, subject, data))

    def take(self) -> list[RuleEvent]:
        """The events since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def reset_alerts(self) -> None:
        """Start counting again (a new exercise)."""
        self.alerts = {}
