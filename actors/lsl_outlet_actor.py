"""Publishing a session over Lab Streaming Layer: raw EMG, envelopes, %MVC and events.

Two parts. :class:`LslPublisher` owns the outlets (the network side): whoever starts the
session makes it and closes it after the session, so a recorder connected to it (LabRecorder,
a test's inlet) receives the last samples before the streams go away, and a restarted actor
re-attaches to the same outlets. :class:`LslOutletActor` is the thin shell that takes what the
session's edges offered (through a :class:`~engine.runtime.channels.DropOldestRing`), turns it
into rows with the pure :class:`~actors.lsl_streams.LslFeed` and pushes them.

Channel policy, edge "session → lsl": drop oldest. The taps on the session's channels only
``put_nowait`` into the ring, so publishing can never hold up sensing, judging or recording;
when the outlet falls more than the ring's capacity behind, the oldest items are dropped,
counted in :attr:`LslOutletActor.dropped` and announced on the events stream as an
``lsl_dropped`` marker (a recorder then knows its copy has a hole; the session's own recording
has none). Pushing to an outlet never waits either: liblsl buffers for its consumers.

Times: each row carries its session time plus one offset, fixed at the first row, that puts
session time on the LSL clock (``pylsl.local_clock()``), so rows keep their exact sample
spacing and a recorder aligns them with other LSL streams.
"""

from __future__ import annotations

import json
import logging
import time

import pylsl  # type: ignore[import-untyped]
import trio

from actors.lsl_streams import Chunk, LslFeed, StreamKind, StreamSpec, session_streams
from engine.errors import DeviceError
from engine.messages import ProcessedBlock, Record, SourceInfo
from engine.runtime.actor import Actor
from engine.runtime.channels import DropOldestRing

log = logging.getLogger(__name__)

#: Items (frames, blocks, records) the ring holds: about 20 s of a 1 kHz session in 20 ms
#: frames, far more than a healthy outlet ever lags.
LSL_RING_CAPACITY = 4096
#: Seconds of data liblsl keeps for a slow consumer before it drops (its own policy).
MAX_BUFFERED_S = 60
#: Seconds a closing outlet with consumers waits for its last rows to leave.
LINGER_S = 0.5
#: Once a recorder subscribed to one stream, how long to wait for it on the others, seconds.
OTHERS_S = 1.0
#: How often to look for a first recorder, seconds.
POLL_CONSUMERS_S = 0.01

LslItem = Record | ProcessedBlock


def stream_info(spec: StreamSpec) -> pylsl.StreamInfo:
    """``spec`` as an LSL stream description: channels with label, unit, type, muscle and
    side, the acquisition device, and the station."""
    info = pylsl.StreamInfo(spec.name, spec.type, len(spec.channels), spec.rate_hz,
                            spec.channel_format, spec.source_id)
    desc = info.desc()
    channels = desc.append_child("channels")
    for channel in spec.channels:
        node = channels.append_child("channel")
        node.append_child_value("label", channel.label)
        node.append_child_value("unit", channel.unit)
        node.append_child_value("type", channel.type)
        if channel.muscle:
            node.append_child_value("muscle", channel.muscle)
        if channel.side:
            node.append_child_value("side", channel.side)
    acquisition = desc.append_child("acquisition")
    acquisition.append_child_value("manufacturer", "myoplay")
    acquisition.append_child_value("model", spec.device)
    desc.append_child_value("station", spec.station)
    desc.append_child_value("content", spec.kind.value)
    return info


class LslPublisher:
    """The outlets of one station, opened for a session's source and closed by the caller.

    ``wait_for_consumers_s`` > 0 makes :meth:`start` wait up to that long for a recorder, so
    nothing is streamed before LabRecorder listens.
    """

    def __init__(self, station: str, *, wait_for_consumers_s: float = 0.0) -> None:
        self.station = station
        self.wait_for_consumers_s = wait_for_consumers_s
        self.streams: tuple[StreamSpec, ...] = ()
        self._outlets: dict[StreamKind, pylsl.StreamOutlet] = {}
        self._origin_s: float | None = None
        self.pushed: dict[StreamKind, int] = {kind: 0 for kind in StreamKind}
        """Rows pushed per stream."""

    def open(self, source: SourceInfo) -> None:
        """Create the outlets for ``source`` (once: again does nothing); a
        :class:`~engine.errors.DeviceError` says why liblsl could not."""
        if self._outlets:
            return
        streams = session_streams(self.station, source)
        try:
            self._outlets = {spec.kind: pylsl.StreamOutlet(stream_info(spec),
                                                           max_buffered=MAX_BUFFERED_S)
                             for spec in streams}
        except (RuntimeError, OSError, ValueError) as error:
            raise DeviceError(f"could not publish over Lab Streaming Layer: {error}",
                              hint="check the network settings, or leave out --lsl") from None
        self.streams = streams

    async def start(self, source: SourceInfo) -> bool:
        """Open the outlets for ``source`` and wait (``wait_for_consumers_s``) for recorders,
        before the session starts, so its time limit does not run meanwhile; True when every
        stream has a consumer."""
        self.open(source)
        if self.wait_for_consumers_s <= 0:
            return False
        ready: bool = await trio.to_thread.run_sync(self.wait_for_consumers,
                                                    abandon_on_cancel=True)
        return ready

    def wait_for_consumers(self) -> bool:
        """Block (call it in a thread) until a recorder has subscribed to one of the streams,
        then up to :data:`OTHERS_S` more for the rest (a recorder subscribes to the streams it
        records one after another); True when every stream has a consumer."""
        outlets = list(self._outlets.values())
        deadline = time.monotonic() + self.wait_for_consumers_s
        while not any(outlet.have_consumers() for outlet in outlets):
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_CONSUMERS_S)
        deadline = time.monotonic() + OTHERS_S
        for outlet in outlets:
            if not outlet.wait_for_consumers(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def push(self, chunk: Chunk) -> None:
        """Send ``chunk``'s rows, stamped on the LSL clock."""
        outlet = self._outlets.get(chunk.kind)
        if outlet is None or not len(chunk.times_s):
            return
        if self._origin_s is None:
            self._origin_s = pylsl.local_clock() - float(chunk.times_s[-1])
        stamps = (chunk.times_s + self._origin_s).tolist()
        values = chunk.values
        if isinstance(values, list):
            outlet.push_chunk([[v] for v in values], stamps)
        else:
            outlet.push_chunk(values, stamps)
        self.pushed[chunk.kind] += len(stamps)

    def describe(self) -> str:
        """One line for the terminal: the station and what it published."""
        return (f"LSL: published as station {self.station}: "
                f"{self.pushed[StreamKind.RAW]} samples, "
                f"{self.pushed[StreamKind.EVENTS]} events")

    def close(self) -> None:
        """Withdraw the streams (safe to call twice). A stream with a consumer is kept for
        :data:`LINGER_S` first, so the last rows pushed reach it before it goes."""
        if any(outlet.have_consumers() for outlet in self._outlets.values()):
            time.sleep(LINGER_S)
        self._outlets.clear()

    def __enter__(self) -> LslPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LslOutletActor(Actor):
    """Publishes what the session's taps put in ``ring`` through ``publisher``.

    Stopped, it first pushes what the ring still holds, so a session that ends leaves nothing
    unpublished.
    """

    def __init__(self, publisher: LslPublisher, feed: LslFeed,
                 ring: DropOldestRing[LslItem]) -> None:
        super().__init__("lsl")
        self.publisher = publisher
        self.feed = feed
        self.ring = ring
        self.dropped = 0
        """Items dropped because the outlet fell behind (each announced as a marker)."""
        self.failed = 0
        """Items that could not be published (an error turning them into rows or pushing)."""

    async def setup(self) -> None:
        self.publisher.open(self.feed.source)

    async def loop(self) -> None:
        while True:
            self._publish(await self.ring.receive())

    async def teardown(self) -> None:
        while self.ring.qsize:
            self._publish(self.ring.receive_nowait())

    def _publish(self, item: LslItem) -> None:
        """Publish ``item``. A failure costs that item only: it is counted and logged, and
        never crashes this actor, whose restarts would count against the session's own."""
        try:
            self._push(item)
        except Exception:
            self.failed += 1
            if self.failed == 1:
                log.exception("LSL outlet: could not publish an item (later failures counted)")

    def _push(self, item: LslItem) -> None:
        dropped = self.ring.take_dropped()
        chunks = self.feed.take(item)
        if dropped:
            self.dropped += dropped
            log.warning("LSL outlet fell behind: %d items not published", dropped)
            times = next((c.times_s[:1] for c in chunks), None)
            if times is not None:
                marker = json.dumps({"type": "lsl_dropped", "items": dropped}, sort_keys=True)
                self.publisher.push(Chunk(StreamKind.EVENTS, [marker], times))
        for chunk in chunks:
            self.publisher.push(chunk)


def new_ring() -> DropOldestRing[LslItem]:
    """The session → lsl edge (drop oldest; see the module's policy)."""
    return DropOldestRing("session→lsl", LSL_RING_CAPACITY)

