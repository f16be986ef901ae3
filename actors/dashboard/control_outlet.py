"""The control outlet: the dashboard's one ``MyoplayControl`` stream, carrying the remote
changes the clinician makes on the page (rows from :class:`~actors.dashboard.control_rows.
ControlRows`) to the stations that allow them.

The rows' numbering lives in the hub, so a restarted outlet goes on counting and a station
never mistakes a new change for one it already applied. LSL delivers a row only to the inlets
connected when it is pushed, so each change is sent again every
:data:`~actors.dashboard.control_rows.RESEND_EVERY_S` (same row, same number: the station
applies it once) until the station's state row confirms it, for at most
:data:`~actors.dashboard.control_rows.GIVE_UP_AFTER_S`.
"""

from __future__ import annotations

import logging

import pylsl  # type: ignore[import-untyped]
import trio

from actors.dashboard.control_rows import (
    CONTROL_STREAM_TYPE,
    RESEND_EVERY_S,
    PendingChange,
    control_stream_name,
)
from actors.dashboard.hub import DashboardHub
from engine.errors import DeviceError
from engine.runtime.actor import Actor

log = logging.getLogger(__name__)


class ControlOutlet(Actor):
    """Sends each change queued in the hub on the control stream."""

    shutdown_timeout_s = 1.0

    def __init__(self, hub: DashboardHub, dashboard_id: str) -> None:
        super().__init__("control")
        self.hub = hub
        self.name = control_stream_name(dashboard_id)
        self._outlet: pylsl.StreamOutlet | None = None

    async def setup(self) -> None:
        info = pylsl.StreamInfo(self.name, CONTROL_STREAM_TYPE, 1, 0.0, "string", self.name)
        info.desc().append_child_value("clinician", self.hub.control.clinician)
        try:
            self._outlet = pylsl.StreamOutlet(info)
        except (RuntimeError, OSError, ValueError) as error:
            raise DeviceError(f"could not open the control stream: {error}",
                              hint="check the network settings") from None

    async def loop(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._send_again)
            async for change in self.hub.changes_receive:
                state = self.hub.table.state(change.station)
                pending = PendingChange(change, self.hub.control.row(change),
                                        state.last_remote_change if state else None,
                                        trio.current_time())
                self._push(pending.row)
                self.hub.pending.append(pending)
                log.info("remote change sent: %s", pending.row)

    async def _send_again(self) -> None:
        """Send each change again until its station confirms it, or give up."""
        while True:
            await trio.sleep(RESEND_EVERY_S)
            now_s = trio.current_time()
            keep = []
            for pending in self.hub.pending:
                state = self.hub.table.state(pending.change.station)
                if state is not None and pending.confirmed_by(state.last_remote_change):
                    continue
                if pending.expired(now_s):
                    log.warning("remote change not confirmed by %s, given up: %s",
                                pending.change.station, pending.row)
                    continue
                self._push(pending.row)
                keep.append(pending)
            self.hub.pending[:] = keep

    def _push(self, row: str) -> None:
        assert self._outlet is not None
        self._outlet.push_sample([row])

    async def teardown(self) -> None:
        self._outlet = None
