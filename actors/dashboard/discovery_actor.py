"""The discovery actor: finds every station's state stream and feeds its rows to the table.

liblsl's continuous resolver keeps the list of ``MyoplayState`` streams on the network up to
date on its own threads; this actor reads that list every :data:`RESOLVE_EVERY_S` (in a
thread), subscribes to each new station, and polls every subscription every :data:`POLL_S`
without waiting. Each row is checked (:func:`~actors.dashboard.state_row.parse_state_row`)
before it reaches the table; a bad row is counted and logged once per station, never shown.
The pages are woken after every poll that changed something, so a row reaches the page within
one poll of its arrival.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import pylsl  # type: ignore[import-untyped]
import trio

from actors.dashboard.hub import DashboardHub
from actors.dashboard.lsl_inlets import STREAM_ERRORS, close_inlet, open_inlet, station_of
from actors.dashboard.state_row import STATE_STREAM_TYPE, StateRowError, parse_state_row
from actors.dashboard.station_liveness import CHECK_EVERY_S
from engine.runtime.actor import Actor

log = logging.getLogger(__name__)

#: How often the resolver's list is read, seconds (a new station shows within about this).
RESOLVE_EVERY_S = 0.5
#: How often the subscriptions are polled, seconds (the latency this actor adds at most).
POLL_S = 0.02
#: Seconds liblsl keeps a stream in the resolver's list after it stopped answering.
FORGET_AFTER_S = 3.0
#: Rows taken from one station per poll, at most.
MAX_ROWS = 64


@dataclass(eq=False)
class _Subscription:
    station: str
    uid: str
    inlet: pylsl.StreamInlet
    bad_rows: int = 0


class StationDiscovery(Actor):
    """Subscribes to every publishing station and keeps ``hub.table`` up to date."""

    shutdown_timeout_s = 3.0

    def __init__(self, hub: DashboardHub) -> None:
        super().__init__("discovery")
        self.hub = hub
        self._resolver: pylsl.ContinuousResolver | None = None
        self._subscriptions: dict[str, _Subscription] = {}
        self._broken: set[str] = set()
        """Uids of streams that broke off or never answered: not tried again."""

    async def setup(self) -> None:
        self._resolver = await trio.to_thread.run_sync(partial(
            pylsl.ContinuousResolver, prop="type", value=STATE_STREAM_TYPE,
            forget_after=FORGET_AFTER_S))

    async def loop(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._resolve_forever)
            await self._read_forever()

    async def teardown(self) -> None:
        for subscription in self._subscriptions.values():
            close_inlet(subscription.inlet)
        self._subscriptions.clear()
        self._resolver = None

    async def _resolve_forever(self) -> None:
        resolver = self._resolver
        assert resolver is not None
        while True:
            for info in await trio.to_thread.run_sync(resolver.results):
                await self._subscribe(info)
            await trio.sleep(RESOLVE_EVERY_S)

    async def _subscribe(self, info: pylsl.StreamInfo) -> None:
        station = station_of(info.source_id())
        uid = info.uid()
        if station is None or station in self._subscriptions or uid in self._broken:
            return
        try:
            inlet = await open_inlet(info)
        except STREAM_ERRORS as error:
            self._broken.add(uid)
            log.warning("station %s: its state stream does not answer (%s)", station, error)
            return
        self._subscriptions[station] = _Subscription(station, uid, inlet)
        log.info("station %s found (%s)", station, info.hostname())

    async def _read_forever(self) -> None:
        next_check_s = trio.current_time()
        while True:
            now_s = trio.current_time()
            changed = False
            for subscription in list(self._subscriptions.values()):
                changed |= self._read(subscription, now_s)
            if now_s >= next_check_s:
                changed |= bool(self.hub.table.tick(now_s))
                next_check_s = now_s + CHECK_EVERY_S
            if changed:
                self.hub.notify()
            await trio.sleep(POLL_S)

    def _read(self, subscription: _Subscription, now_s: float) -> bool:
        """Take ``subscription``'s new rows into the table; True if there were any."""
        try:
            rows, _ = subscription.inlet.pull_chunk(timeout=0.0, max_samples=MAX_ROWS)
        except STREAM_ERRORS:
            # Broke off (the station stopped or crashed): its silence makes it lost, and the
            # resolver finds it again under a new uid when it is back.
            close_inlet(subscription.inlet)
            del self._subscriptions[subscription.station]
            self._broken.add(subscription.uid)
            return False
        taken = False
        for row in rows:
            try:
                state = parse_state_row(row[0])
                if state.station != subscription.station:
                    raise StateRowError(f"row names station {state.station!r}")
            except StateRowError as error:
                subscription.bad_rows += 1
                if subscription.bad_rows == 1:
                    log.warning("station %s: row left out (%s); later ones counted",
                                subscription.station, error)
                continue
            self.hub.table.update(state, now_s)
            taken = True
        return taken
