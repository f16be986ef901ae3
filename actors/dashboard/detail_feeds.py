"""The detail feeds: each station's event log always, its envelopes while a page shows them.

A clinician who opens a station wants its recent events at once, so the events stream of every
known station is followed all along (a few rows a second) and the hub keeps the last ones. The
envelope stream carries every processed sample: it is subscribed to only while some page shows
that station, and thinned for the plot (:mod:`~actors.dashboard.plot_decimation`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pylsl  # type: ignore[import-untyped]
import trio

from actors.dashboard.hub import DashboardHub, Message
from actors.dashboard.lsl_inlets import (
    STREAM_ERRORS,
    close_inlet,
    open_inlet,
    resolve_station_stream,
)
from actors.dashboard.plot_decimation import plot_points
from actors.dashboard.state_row import MAX_ROW_BYTES
from actors.lsl_streams import StreamKind
from engine.clock import NS_PER_S
from engine.runtime.actor import Actor

log = logging.getLogger(__name__)

#: How often the feeds are polled and sent on, seconds (the plot's refresh: 10 Hz).
DETAIL_POLL_S = 0.1
#: Seconds before a stream that was not found (or broke off) is looked for again.
RETRY_S = 2.0
#: Envelope samples taken per poll, at most (1 s of 8 channels at 2 kHz fits).
MAX_ENVELOPE_ROWS = 4096


@dataclass(eq=False)
class _Feed:
    station: str
    kind: StreamKind
    inlet: pylsl.StreamInlet
    labels: list[str]
    origin_s: float | None = None


def _labels(info: pylsl.StreamInfo) -> list[str]:
    """The channel labels a full description names (``channels/channel/label``)."""
    labels = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty():
        labels.append(channel.child_value("label"))
        channel = channel.next_sibling()
    return labels or [f"ch{i + 1}" for i in range(info.channel_count())]


def event_rows(rows: list[list[str]]) -> list[Message]:
    """A station's event rows as the page's log takes them: each JSON record with ``t_s``,
    its session time in seconds (rows that are not a JSON object are left out)."""
    taken = []
    for (text,) in rows:
        if len(text) > MAX_ROW_BYTES:
            continue
        try:
            record = json.loads(text)
        except ValueError:
            continue
        if isinstance(record, dict):
            t_ns = record.get("t_ns")
            record["t_s"] = t_ns / NS_PER_S if isinstance(t_ns, int) else None
            taken.append(record)
    return taken


class DetailFeeds(Actor):
    """Follows the stations' events and the watched stations' envelopes (see the module)."""

    shutdown_timeout_s = 3.0

    def __init__(self, hub: DashboardHub) -> None:
        super().__init__("details")
        self.hub = hub
        self._feeds: dict[tuple[str, StreamKind], _Feed] = {}
        self._retry_at_s: dict[tuple[str, StreamKind], float] = {}
        self._opening: set[tuple[str, StreamKind]] = set()

    async def loop(self) -> None:
        async with trio.open_nursery() as nursery:
            while True:
                self._open_wanted(nursery)
                for feed in list(self._feeds.values()):
                    self._read(feed)
                await trio.sleep(DETAIL_POLL_S)

    async def teardown(self) -> None:
        for feed in self._feeds.values():
            close_inlet(feed.inlet)
        self._feeds.clear()

    def _wanted(self) -> set[tuple[str, StreamKind]]:
        watched = self.hub.watched()
        return ({(station, StreamKind.EVENTS) for station in self.hub.table.stations()}
                | {(station, StreamKind.ENVELOPE) for station in watched})

    def _open_wanted(self, nursery: trio.Nursery) -> None:
        wanted = self._wanted()
        for key in list(self._feeds):
            if key not in wanted:
                close_inlet(self._feeds.pop(key).inlet)
        now_s = trio.current_time()
        for key in wanted - set(self._feeds) - self._opening:
            if now_s >= self._retry_at_s.get(key, now_s):
                self._opening.add(key)
                nursery.start_soon(self._open, key)

    async def _open(self, key: tuple[str, StreamKind]) -> None:
        station, kind = key
        try:
            info = await resolve_station_stream(station, kind)
            if info is not None:
                inlet = await open_inlet(info)
                full = await trio.to_thread.run_sync(inlet.info, 2.0, abandon_on_cancel=True)
                if key in self._wanted():
                    self._feeds[key] = _Feed(station, kind, inlet, _labels(full))
                else:
                    close_inlet(inlet)
        except STREAM_ERRORS as error:
            log.info("station %s: no %s stream yet (%s)", station, kind.value, error)
        finally:
            self._opening.discard(key)
            self._retry_at_s[key] = trio.current_time() + RETRY_S

    def _read(self, feed: _Feed) -> None:
        try:
            rows, stamps = feed.inlet.pull_chunk(timeout=0.0, max_samples=MAX_ENVELOPE_ROWS)
        except STREAM_ERRORS:
            close_inlet(feed.inlet)
            del self._feeds[(feed.station, feed.kind)]
            return
        if not stamps:
            return
        if feed.kind is StreamKind.EVENTS:
            taken = event_rows(rows)
            if taken:
                self.hub.publish_detail(feed.station, {"type": "events", "station": feed.station,
                                                       "rows": taken})
            return
        if feed.origin_s is None:
            feed.origin_s = stamps[0]
        self.hub.publish_detail(feed.station, {
            "type": "envelope", "station": feed.station, "labels": feed.labels,
            "points": plot_points(rows, stamps, feed.origin_s)})
