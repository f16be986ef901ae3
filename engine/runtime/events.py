"""The supervision event stream: what every supervisor did, in order, for logs and tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

EventKind = Literal[
    "started", "exited", "crashed", "restarted", "gave_up", "stop_timeout", "stopped", "poisoned"
]

_LEVELS: dict[EventKind, int] = {
    "started": logging.DEBUG,
    "exited": logging.INFO,
    "crashed": logging.WARNING,
    "restarted": logging.INFO,
    "gave_up": logging.ERROR,
    "stop_timeout": logging.ERROR,
    "stopped": logging.DEBUG,
    "poisoned": logging.WARNING,
}

logger = logging.getLogger("myoplay.supervision")


@dataclass(frozen=True)
class SupervisionEvent:
    """One thing that happened to a child.

    ``t_s`` is Trio time (``trio.current_time()``), so MockClock tests can check it exactly.
    ``reason`` says why, in words (the exception for a crash, the cause for a stop).

    Kinds: "started" (first time ready), "restarted" (ready again after a restart), "exited"
    (returned normally), "crashed" (raised), "stopped" (ended after the supervisor cancelled it),
    "stop_timeout" (still running when its shutdown timeout ran out), "gave_up" (restart
    intensity exceeded; ``child_id`` names the child whose failure tipped it), "poisoned" (an
    input that crashed the child twice was skipped).
    """

    t_s: float
    supervisor_id: str
    child_id: str
    kind: EventKind
    reason: str = ""

    def __str__(self) -> str:
        text = f"[{self.t_s:.6f}] {self.supervisor_id}/{self.child_id} {self.kind}"
        return f"{text}: {self.reason}" if self.reason else text


class SupervisionLog:
    """Append-only record of supervision events, shared by a tree of supervisors.

    Each event is also passed to every subscriber (in subscription order) and logged on the
    ``myoplay.supervision`` logger.
    """

    def __init__(self) -> None:
        self._events: list[SupervisionEvent] = []
        self._subscribers: list[Callable[[SupervisionEvent], None]] = []

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[SupervisionEvent]:
        return iter(tuple(self._events))

    @property
    def events(self) -> tuple[SupervisionEvent, ...]:
        return tuple(self._events)

    def subscribe(self, callback: Callable[[SupervisionEvent], None]) -> None:
        self._subscribers.append(callback)

    def emit(self, event: SupervisionEvent) -> None:
        self._events.append(event)
        logger.log(_LEVELS[event.kind], "%s", event)
        for callback in self._subscribers:
            callback(event)

    def select(
        self, kind: EventKind | None = None, child_id: str | None = None
    ) -> list[SupervisionEvent]:
        """Events of one kind and/or about one child, in order."""
        return [
            event
            for event in self._events
            if (kind is None or event.kind == kind)
            and (child_id is None or event.child_id == child_id)
        ]
