"""What the dashboard's actors share: the station table, the pages' wake-up call, the detail
subscriptions and the queue of remote changes.

The supervision tree owns one hub and hands it to every actor, so a restarted actor (the
discovery, the web server, the control outlet) finds the same table and the same queues and
the pages never notice. Every method runs in the Trio thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trio

from actors.dashboard.control_rows import ChangeRequest, ControlRows, PendingChange
from actors.dashboard.station_liveness import Liveness
from actors.dashboard.station_table import StationTable

#: Detail messages a page may fall behind by before the oldest are dropped (the plot and log
#: only ever need the newest).
DETAIL_BUFFER = 64
#: Remote changes waiting for the control outlet, at most.
CHANGE_BUFFER = 32
#: Events kept per station for a page that opens its log.
EVENT_HISTORY = 200

Message = dict[str, Any]


@dataclass(eq=False)
class DetailSubscription:
    """One page's view of one station's envelopes and events."""

    station: str
    send: trio.MemorySendChannel[Message]
    receive: trio.MemoryReceiveChannel[Message]


@dataclass
class DashboardHub:
    """Shared state of one dashboard (see the module docstring)."""

    control: ControlRows
    """Words and numbers the remote changes (the clinician's label is its ``clinician``)."""
    table: StationTable = field(default_factory=StationTable)
    _changed: trio.Event = field(default_factory=trio.Event)
    _subscriptions: list[DetailSubscription] = field(default_factory=list)
    events: dict[str, deque[Message]] = field(default_factory=dict)
    pending: list[PendingChange] = field(default_factory=list)
    """Changes sent and not yet confirmed by their station."""
    changes_send: trio.MemorySendChannel[ChangeRequest] = field(init=False)
    changes_receive: trio.MemoryReceiveChannel[ChangeRequest] = field(init=False)

    def __post_init__(self) -> None:
        self.changes_send, self.changes_receive = trio.open_memory_channel[ChangeRequest](
            CHANGE_BUFFER)

    def now_s(self) -> float:
        """The dashboard's clock (Trio's, so tests can mock it)."""
        return trio.current_time()

    # -- the cards --------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake every page waiting for a change of the table."""
        self._changed.set()
        self._changed = trio.Event()

    async def wait_change(self, seen_version: int) -> int:
        """Return the table's version once it is newer than ``seen_version``."""
        while self.table.version <= seen_version:
            await self._changed.wait()
        return self.table.version

    # -- a station's envelopes and events ---------------------------------------------------

    @contextmanager
    def subscribe(self, station: str) -> Iterator[DetailSubscription]:
        """Receive ``station``'s detail messages while inside; starts with its recent events."""
        send, receive = trio.open_memory_channel[Message](DETAIL_BUFFER)
        subscription = DetailSubscription(station, send, receive)
        self._subscriptions.append(subscription)
        recent = list(self.events.get(station, ()))
        if recent:
            send.send_nowait({"type": "events", "station": station, "rows": recent})
        try:
            yield subscription
        finally:
            self._subscriptions.remove(subscription)
            send.close()

    def watched(self) -> set[str]:
        """The stations some page shows the detail of."""
        return {s.station for s in self._subscriptions}

    def publish_detail(self, station: str, message: Message) -> None:
        """Hand ``message`` to every page watching ``station``; a page too far behind loses
        its oldest message, never holds up the others."""
        if message.get("type") == "events":
            kept = self.events.setdefault(station, deque(maxlen=EVENT_HISTORY))
            kept.extend(message["rows"])
        for subscription in self._subscriptions:
            if subscription.station != station:
                continue
            try:
                subscription.send.send_nowait(message)
            except trio.WouldBlock:
                subscription.receive.receive_nowait()
                subscription.send.send_nowait(message)

    # -- remote changes ---------------------------------------------------------------------

    def request_change(self, change: ChangeRequest) -> str | None:
        """Queue ``change`` for the control outlet; None when queued, else why not (in words
        for the clinician)."""
        state = self.table.state(change.station)
        if state is None:
            return f"no station {change.station}"
        if not state.remote_allowed:
            return f"{change.station} does not take remote changes (started without " \
                   "--allow-remote)"
        if state.ended:
            return f"the session on {change.station} has ended"
        if self.table.liveness(change.station) is Liveness.LOST:
            return f"{change.station} is not answering"
        try:
            self.changes_send.send_nowait(change)
        except trio.WouldBlock:
            return "too many changes at once: try again"
        return None
