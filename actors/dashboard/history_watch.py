"""The history watch: reads which clients missed prescribed sessions, now and every
:data:`HISTORY_EVERY_S`, into the station table.

The reading itself (the history store, and what counts as missed) belongs to the application,
which hands it in as a plain function returning the flags by client pseudonym; it runs in a
thread, so a slow disk never holds up the pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import trio

from actors.dashboard.hub import DashboardHub
from engine.errors import MyoplayError
from engine.runtime.actor import Actor

log = logging.getLogger(__name__)

#: Seconds between two readings of the history store (sessions are filed minutes apart).
HISTORY_EVERY_S = 60.0

MissedSessions = Callable[[], Mapping[str, Sequence[str]]]


class HistoryWatch(Actor):
    """Keeps the table's missed-session alerts as ``read_missed`` finds them."""

    shutdown_timeout_s = 1.0

    def __init__(self, hub: DashboardHub, read_missed: MissedSessions) -> None:
        super().__init__("history")
        self.hub = hub
        self.read_missed = read_missed
        self._failing = False

    async def loop(self) -> None:
        while True:
            try:
                missed = await trio.to_thread.run_sync(self.read_missed, abandon_on_cancel=True)
            except MyoplayError as error:
                if not self._failing:
                    log.warning("missed sessions unknown: %s (tried again every %g s)",
                                error, HISTORY_EVERY_S)
                self._failing = True
            else:
                self._failing = False
                self.hub.table.set_missed_sessions(missed)
                self.hub.notify()
            await trio.sleep(HISTORY_EVERY_S)
