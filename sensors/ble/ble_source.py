"""The generic BLE sensor source: scan, connect, set up, stream, and reconnect.

One :class:`BleSource` drives one device through its :class:`~sensors.ble.profile.DeviceProfile`.
bleak runs on the bridge's BLE loop; notifications cross to Trio through a drop-oldest ring and
are decoded, loss-counted and placed on the source's timeline here.

Reconnects: when the link drops, :meth:`BleSource.stream` raises
:class:`~engine.errors.LinkLostError` (a user-readable message, so the session can pause the
game and say what happened). Calling :meth:`~BleSource.stream` again rescans for the same
device, reconnects with exponential back-off until it answers, re-subscribes, re-sends the
device's setup and resumes; the outage becomes one :class:`~engine.messages.Gap` with its
length, and the sample index runs on, so nothing overlaps or repeats.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import trio
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from engine.clock import SessionClock
from engine.errors import (
    DecodeError,
    DeviceError,
    DeviceNotFoundError,
    LinkLostError,
    MyoplayError,
)
from engine.messages import Gap, SourceInfo
from engine.runtime.channels import DropOldestRing
from sensors.ble.adapter import BleBackend, as_unavailable, backend_kwargs
from sensors.ble.bridge import BleLoop, Delivery, LinkDown, Notification, shared_loop
from sensors.ble.profile import Chunk, DeviceDetails, DeviceProfile, Tracker
from sensors.ble.timeline import Timeline
from sensors.source import SourceItem

log = logging.getLogger(__name__)


class MonotonicClock:
    """Session time from the host's monotonic clock (for use outside a Trio session)."""

    def __init__(self) -> None:
        self._origin_ns = time.monotonic_ns()

    def now_ns(self) -> int:
        return time.monotonic_ns() - self._origin_ns


class LinkState(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class BleStats:
    """Counters for the session's quality report."""

    connections: int
    ring_dropped: int
    duplicates: int
    malformed: int
    samples_lost: int
    samples_estimated_lost: int
    measured_rate_hz: float | None
    discontinuities: int = 0
    """Jumps of the device's count beyond what the arrival times allow (recorded as gaps whose
    reason starts "discontinuity")."""


@dataclass(frozen=True, slots=True)
class Reconnect:
    """Back-off between reconnect attempts: ``initial_s`` doubling up to ``max_s``."""

    initial_s: float = 0.25
    max_s: float = 5.0


DEFAULT_RECONNECT = Reconnect()


class BleSource:
    """A BLE EMG device as a :class:`~sensors.source.Source`.

    ``address`` pins one device (else the first advertising device of the profile's kind is
    taken, then pinned for reconnects). ``clock`` is the session clock frames are stamped in;
    it must run in real time (the default is the host's monotonic clock).
    """

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        address: str | None = None,
        source_id: str | None = None,
        clock: SessionClock | None = None,
        loop: BleLoop | None = None,
        backend: BleBackend | None = None,
        scan_timeout_s: float = 10.0,
        connect_timeout_s: float = 15.0,
        ring_capacity: int = 2048,
        reconnect: Reconnect = DEFAULT_RECONNECT,
    ) -> None:
        self._profile = profile
        self._address = address
        self._source_id = source_id or profile.kind
        self._clock: SessionClock = clock or MonotonicClock()
        self._loop = loop or shared_loop()
        self._backend = backend
        self._scan_timeout_s = scan_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._ring_capacity = ring_capacity
        self._reconnect = reconnect
        self._state = LinkState.IDLE
        self._ring: DropOldestRing[Notification | LinkDown] | None = None
        self._delivery: Delivery | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._client: BleakClient | None = None
        self._link_id = 0
        self._connections = 0
        self._ring_dropped = 0
        self._malformed = 0
        self._unexplained_drops = 0
        self._rate_checked = False
        self._name = ""
        self._details = DeviceDetails()
        self._info: SourceInfo | None = None
        self._tracker: Tracker | None = None
        self._timeline: Timeline | None = None

    # --- what the session sees -------------------------------------------------------------

    @property
    def info(self) -> SourceInfo:
        if self._info is None:
            raise DeviceError(f"the {self._profile.display_name} has not been connected yet",
                              hint="await open() (or open_ble_source) first")
        return self._info

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def address(self) -> str | None:
        return self._address

    @property
    def details(self) -> DeviceDetails:
        """Firmware and battery as read at the last (re)connect."""
        return self._details

    @property
    def stats(self) -> BleStats:
        return BleStats(
            connections=self._connections,
            ring_dropped=self._ring_dropped,
            duplicates=self._tracker.duplicates if self._tracker else 0,
            malformed=self._malformed,
            samples_lost=self._timeline.samples_lost if self._timeline else 0,
            samples_estimated_lost=(
                self._timeline.samples_estimated_lost if self._timeline else 0
            ),
            measured_rate_hz=self._timeline.measured_rate_hz() if self._timeline else None,
            discontinuities=self._timeline.discontinuities if self._timeline else 0,
        )

    async def open(self) -> None:
        """Find, connect and set up the device; raises if it cannot (no retry)."""
        self._attach()
        if self._client is None:
            await self._connect(retry=False)

    async def stream(self) -> AsyncIterator[SourceItem]:
        """Yield frames and gaps; raise LinkLostError when the link drops (call again to resume)."""
        if self._state is LinkState.CLOSED:
            raise DeviceError(f"the {self._profile.display_name} source is closed")
        ring = self._attach()
        if self._client is None:
            await self._connect(retry=self._tracker is not None)
        assert self._tracker is not None
        assert self._timeline is not None
        tracker, timeline = self._tracker, self._timeline
        while True:
            item = await ring.receive()
            self._note_ring_drops(ring)
            if item.link != self._link_id:
                continue  # left over from an earlier connection
            if isinstance(item, LinkDown):
                for chunk in tracker.flush():
                    for record in self._place(timeline, chunk):
                        yield record
                raise self._link_lost(item)
            arrival_ns = self._session_ns(item.arrival_mono_ns)
            try:
                chunks = tracker.feed(item.char_uuid, item.payload, arrival_ns)
            except DecodeError as error:
                # One bad packet must not end the session; the device counter (or the
                # round-robin order) turns it into a counted gap.
                self._malformed += 1
                log.warning("%s: skipped a malformed packet: %s", self._source_id, error)
                continue
            for chunk in chunks:
                for record in self._place(timeline, chunk):
                    yield record
            self._check_rate(timeline)

    def _place(self, timeline: Timeline, chunk: Chunk) -> list[SourceItem]:
        """Timeline records for a chunk; a gap says if the ring dropped notifications."""
        records: list[SourceItem] = list(timeline.add(chunk))
        if self._unexplained_drops and records and isinstance(records[0], Gap):
            records[0] = dataclasses.replace(
                records[0],
                reason=f"{records[0].reason}; {self._unexplained_drops} notifications were "
                "dropped on this computer because the session fell behind",
            )
            self._unexplained_drops = 0
        return records

    def _check_rate(self, timeline: Timeline) -> None:
        """Warn once per connection when the link delivers below the nominal rate.

        The connection interval is the operating system's choice, not ours; a slow one shows
        up as a sample rate the radio cannot sustain (and as growing loss).
        """
        if self._rate_checked:
            return
        measured = timeline.measured_rate_hz()
        if measured is None:
            return
        self._rate_checked = True
        if measured < 0.95 * timeline.rate_hz:
            log.warning(
                "%s: samples arrive at %.1f Hz, below the nominal %.1f Hz; the Bluetooth "
                "connection interval may be too long (move closer, or use fewer devices on "
                "this adapter)", self._source_id, measured, timeline.rate_hz,
            )

    async def aclose(self) -> None:
        """Disconnect and stop; safe to call twice."""
        if self._state is LinkState.CLOSED:
            return
        self._state = LinkState.CLOSED
        client, self._client = self._client, None
        self._link_id += 1  # anything still in flight is stale now
        if client is not None and self._loop.running:
            with trio.CancelScope(shield=True):
                try:
                    await self._loop.run(client.disconnect, cancel_timeout_s=5.0)
                except Exception as error:  # already gone is fine: we are closing
                    log.debug("%s: disconnect on close: %s", self._source_id, error)

    # --- Trio side ---------------------------------------------------------------------------

    def _attach(self) -> DropOldestRing[Notification | LinkDown]:
        """Bind delivery to the current Trio run (a source may outlive one run)."""
        token = trio.lowlevel.current_trio_token()
        if self._ring is None or token is not self._token:
            self._ring = DropOldestRing(f"{self._source_id}-ble", self._ring_capacity)
            self._token = token
            self._delivery = Delivery(token, self._ring)
        return self._ring

    def _note_ring_drops(self, ring: DropOldestRing[Notification | LinkDown]) -> None:
        dropped = ring.take_dropped()
        if dropped:
            self._ring_dropped += dropped
            self._unexplained_drops += dropped
            log.warning("%s: the session fell behind and %d notifications were dropped",
                        self._source_id, dropped)

    def _session_ns(self, mono_ns: int) -> int:
        """Session time of a BLE-thread monotonic timestamp (the clock runs in real time)."""
        return self._clock.now_ns() - (time.monotonic_ns() - mono_ns)

    def _link_lost(self, item: LinkDown) -> LinkLostError:
        self._client = None
        self._state = LinkState.RECONNECTING
        what = f"the {self._profile.display_name}"
        assert self._timeline is not None
        self._timeline.link_lost(self._session_ns(item.at_mono_ns),
                                 f"Bluetooth link lost to {what}")
        return LinkLostError(
            f"lost the Bluetooth link to {what} ({self._address}); reconnecting",
            hint="keep the sensor switched on and close to the computer",
        )

    async def _connect(self, *, retry: bool) -> None:
        self._state = LinkState.RECONNECTING if retry else LinkState.CONNECTING
        delay_s = self._reconnect.initial_s
        while True:
            self._link_id += 1
            try:
                client, device, details = await self._loop.run(
                    functools.partial(self._open_link, self._link_id)
                )
            except Exception as error:
                unavailable = as_unavailable(error)
                if unavailable is not None:
                    raise unavailable from error
                if not retry:
                    if isinstance(error, MyoplayError):
                        raise
                    raise DeviceError(
                        f"could not connect to the {self._profile.display_name}: {error}",
                        hint="switch it off and on, and make sure no other app is connected",
                    ) from error
                log.info("%s: reconnect failed (%s); next try in %.2f s", self._source_id,
                         error, delay_s)
                await trio.sleep(delay_s)
                delay_s = min(2 * delay_s, self._reconnect.max_s)
                continue
            break
        self._client = client
        self._address = device.address
        self._name = device.name or self._profile.display_name
        self._details = details
        self._connections += 1
        self._rate_checked = False
        if self._tracker is None:
            self._info = self._profile.info(self._source_id, self._name)
            self._tracker = self._profile.new_tracker()
            self._timeline = Timeline(self._source_id, self._info.rate_hz)
        else:
            self._tracker.reset()
        self._state = LinkState.STREAMING

    # --- BLE loop side (runs in the bridge thread) -------------------------------------------

    def _matches(self, device: BLEDevice, adv: AdvertisementData) -> bool:
        if self._address is not None:
            return device.address.upper() == self._address.upper()
        return self._profile.matches(adv.local_name or device.name, adv.service_uuids)

    def _on_notification(self, link_id: int, characteristic: BleakGATTCharacteristic,
                         data: bytearray) -> None:
        delivery = self._delivery
        if delivery is not None:
            delivery.notification(link_id, characteristic.uuid, data)

    def _on_disconnect(self, link_id: int, _client: BleakClient) -> None:
        delivery = self._delivery
        if delivery is not None:
            delivery.link_down(link_id)

    async def _open_link(self, link_id: int) -> tuple[BleakClient, BLEDevice, DeviceDetails]:
        device = await BleakScanner.find_device_by_filter(
            self._matches, timeout=self._scan_timeout_s, **backend_kwargs(self._backend, "scanner")
        )
        if device is None:
            where = f" at {self._address}" if self._address else ""
            raise DeviceNotFoundError(
                f"no {self._profile.display_name}{where} found nearby",
                hint="switch it on, bring it closer, and disconnect it from other apps",
            )
        client_kwargs: dict[str, Any] = backend_kwargs(self._backend, "client")
        client = BleakClient(
            device,
            disconnected_callback=functools.partial(self._on_disconnect, link_id),
            timeout=self._connect_timeout_s,
            **client_kwargs,
        )
        await client.connect()
        try:
            # Subscribe before setup sends the start command, so no packet is missed.
            for uuid in self._profile.notify_uuids():
                await client.start_notify(uuid, functools.partial(self._on_notification, link_id))
            details = await self._profile.setup(client)
        except BaseException:
            with suppress(Exception):
                await client.disconnect()
            raise
        return client, device, details
