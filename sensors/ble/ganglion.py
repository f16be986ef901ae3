"""OpenBCI Ganglion (4 channels, 200 Hz over BLE): packet decoding, firmware 2 and 3.

Every notification is 20 bytes; byte 0 is the packet id, the rest two samples of four channels
packed most significant bit first.

- Firmware 3.x: ids 0–99 carry 18-bit fields, 100–199 19-bit fields, each an *absolute* value:
  the N−1 most significant bits of the 24-bit sample followed by a sign bit. Decoding clears the
  sign bit, sign-extends from it and shifts left by 24 − N, which restores the 24-bit scale with
  the dropped low bits as zeros.
- Firmware 2.x: id 0 is one raw sample (four 24-bit big-endian signed values); ids 1–100 carry
  18-bit *deltas*, 101–200 19-bit deltas, with the sign in bit 0 (a set bit 0 means the field is
  the N-bit value minus 2**N); each sample is the previous one minus its delta. A lost packet
  breaks the chain until the next raw packet, so those samples are recorded as a gap.
- ids 201–205 report impedance (ASCII digits, ending in "Z"), 206–207 ASCII messages.

Scale: 1.2 V reference / (2**23 − 1) / 1.5 / gain 51, in µV per count.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from engine.errors import DecodeError
from engine.messages import ChannelInfo, SourceInfo
from sensors.ble.profile import (
    FIRMWARE_REVISION_CHAR,
    Chunk,
    DeviceDetails,
    Tracker,
    read_battery,
    read_optional,
    write_command,
)

if TYPE_CHECKING:
    from bleak import BleakClient

log = logging.getLogger(__name__)

RATE_HZ = 200.0
N_CHANNELS = 4
PACKET_BYTES = 20
UV_PER_COUNT = 1.2e6 / (8388607 * 1.5 * 51)

SERVICE_UUID = "0000fe84-0000-1000-8000-00805f9b34fb"
NOTIFY_CHAR = "2d30c082-f39f-4ce6-923f-3484ea480596"
WRITE_CHAR = "2d30c083-f39f-4ce6-923f-3484ea480596"

CMD_START = b"b"
CMD_STOP = b"s"

#: Packet ids of firmware 3 wrap within each compression range of 100.
FW3_ID_PERIOD = 100
#: Firmware 2 cycles raw (id 0), then 100 delta packets: 101 positions.
FW2_ID_PERIOD = 101


class PacketKind(enum.Enum):
    SAMPLES = "samples"
    RAW = "raw"
    DELTAS = "deltas"
    IMPEDANCE = "impedance"
    MESSAGE = "message"


@dataclass(frozen=True, slots=True, eq=False)
class GanglionPacket:
    """One decoded notification.

    ``values`` has shape (samples, 4) int32: absolute samples (firmware 3 or a firmware 2 raw
    packet) or deltas (firmware 2 compressed packets). Impedance packets give ``channel`` and
    ``impedance`` (as the board reports it); message packets give ``text``.
    """

    packet_id: int
    kind: PacketKind
    values: npt.NDArray[np.int32] | None = None
    channel: int | None = None
    impedance: int | None = None
    text: str | None = None


def channel_layout() -> tuple[ChannelInfo, ...]:
    return tuple(ChannelInfo(f"ch{i + 1}", "") for i in range(N_CHANNELS))


def _fields(packet: bytes, bits: int) -> list[int]:
    """The eight ``bits``-wide fields after the id byte, most significant bit first."""
    n_bytes = bits  # 8 fields x bits = bits bytes
    packed = int.from_bytes(packet[1 : 1 + n_bytes], "big")
    mask = (1 << bits) - 1
    total = 8 * bits
    return [(packed >> (total - bits * (i + 1))) & mask for i in range(8)]


def _absolute(field: int, bits: int) -> int:
    """Firmware 3 field -> 24-bit-scale sample (bit 0 is the sign)."""
    value = field & ~1
    if field & 1:
        value -= 1 << bits
    return value << (24 - bits)


def _delta(field: int, bits: int) -> int:
    """Firmware 2 field -> signed delta (bit 0 set means negative)."""
    return field - (1 << bits) if field & 1 else field


def _ascii(packet: bytes, what: str) -> str:
    try:
        return packet[1:].rstrip(b"\x00").decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError(f"Ganglion {what} packet {packet[0]} is not ASCII") from None


def _status(packet: bytes) -> GanglionPacket:
    packet_id = packet[0]
    if 201 <= packet_id <= 205:
        text = _ascii(packet, "impedance")
        digits = text.split("Z", 1)[0]
        if "Z" not in text or not digits.isdigit():
            raise DecodeError(f"Ganglion impedance packet {packet_id} is malformed: {text!r:.40}")
        return GanglionPacket(packet_id, PacketKind.IMPEDANCE, channel=packet_id - 200,
                              impedance=int(digits))
    if packet_id in (206, 207):
        return GanglionPacket(packet_id, PacketKind.MESSAGE, text=_ascii(packet, "message"))
    raise DecodeError(f"Ganglion packet id {packet_id} is not defined by its firmware")


def _check_length(packet: bytes) -> None:
    if len(packet) != PACKET_BYTES:
        raise DecodeError(f"Ganglion packets are {PACKET_BYTES} bytes, got {len(packet)}")


def decode_fw3(packet: bytes) -> GanglionPacket:
    """Decode a firmware 3.x notification."""
    _check_length(packet)
    packet_id = packet[0]
    if packet_id >= 200:
        return _status(packet)
    bits = 18 if packet_id < 100 else 19
    values = np.array([_absolute(f, bits) for f in _fields(packet, bits)], dtype=np.int32)
    return GanglionPacket(packet_id, PacketKind.SAMPLES, values.reshape(2, N_CHANNELS))


def decode_fw2(packet: bytes) -> GanglionPacket:
    """Decode a firmware 2.x notification (deltas are returned as deltas, not integrated)."""
    _check_length(packet)
    packet_id = packet[0]
    if packet_id == 0:
        raw = [int.from_bytes(packet[1 + 3 * i : 4 + 3 * i], "big", signed=True)
               for i in range(N_CHANNELS)]
        return GanglionPacket(0, PacketKind.RAW, np.array([raw], dtype=np.int32))
    if packet_id > 200:
        return _status(packet)
    bits = 18 if packet_id <= 100 else 19
    values = np.array([_delta(f, bits) for f in _fields(packet, bits)], dtype=np.int32)
    return GanglionPacket(packet_id, PacketKind.DELTAS, values.reshape(2, N_CHANNELS))


def _check_char(char_uuid: str) -> None:
    if char_uuid != NOTIFY_CHAR:
        raise DecodeError(f"notification from a characteristic that is not Ganglion data: "
                          f"{char_uuid}")


class _GanglionTracker:
    """What both firmware trackers share: status packets, duplicate detection."""

    def __init__(self) -> None:
        self.duplicates = 0
        self.impedance: dict[int, int] = {}
        self.messages: list[str] = []
        self._last: tuple[int, bytes] | None = None

    def _is_status_or_repeat(self, packet: GanglionPacket, payload: bytes) -> bool:
        """Note impedance/message packets and count repeats; True if there are no samples."""
        if packet.kind is PacketKind.IMPEDANCE:
            assert packet.channel is not None
            assert packet.impedance is not None
            self.impedance[packet.channel] = packet.impedance
            return True
        if packet.kind is PacketKind.MESSAGE:
            assert packet.text is not None
            self.messages.append(packet.text)
            return True
        if self._last is not None and self._last[1] == payload:
            # BlueZ can deliver a notification twice; ids advance, so a repeat is identical.
            self.duplicates += 1
            return True
        return False

    def flush(self) -> list[Chunk]:
        return []


class GanglionFw3Tracker(_GanglionTracker):
    """Loss accounting for firmware 3: the packet id counts modulo 100, two samples each."""

    def reset(self) -> None:
        self._last = None

    def feed(self, char_uuid: str, payload: bytes, arrival_ns: int) -> list[Chunk]:
        _check_char(char_uuid)
        packet = decode_fw3(payload)
        if self._is_status_or_repeat(packet, payload):
            return []
        assert packet.values is not None
        lost: int | None = None
        if self._last is not None:
            lost = 2 * ((packet.packet_id - self._last[0] - 1) % FW3_ID_PERIOD)
        self._last = (packet.packet_id, payload)
        return [Chunk(packet.values, arrival_ns, lost, reason="packets lost on the radio link "
                      "(counted from the Ganglion packet id)")]


def _fw2_position(packet_id: int) -> int:
    return packet_id if packet_id <= 100 else packet_id - 100


class GanglionFw2Tracker(_GanglionTracker):
    """Firmware 2: integrate deltas from the last raw packet; a loss unsyncs until the next one.

    Samples that arrive while unsynced cannot be reconstructed, so they are counted into the
    gap that ends at the next raw packet (reason says so) instead of being passed on as data.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        self._last = None
        self._current: npt.NDArray[np.int64] | None = None
        self._unsynced = 0
        self._first = True

    def feed(self, char_uuid: str, payload: bytes, arrival_ns: int) -> list[Chunk]:
        _check_char(char_uuid)
        packet = decode_fw2(payload)
        if self._is_status_or_repeat(packet, payload):
            return []
        assert packet.values is not None
        position = _fw2_position(packet.packet_id)
        if self._last is not None:
            previous = _fw2_position(self._last[0])
            missed = (position - previous - 1) % FW2_ID_PERIOD
            if missed:
                # Missed positions are delta packets (2 samples) except a missed raw one (1).
                raw_missed = int(previous + missed >= FW2_ID_PERIOD)
                self._unsynced += 2 * missed - raw_missed
                self._current = None
        self._last = (packet.packet_id, payload)
        if packet.kind is PacketKind.RAW:
            self._current = packet.values[0].astype(np.int64)
            return [self._resync(packet.values, arrival_ns)]
        if self._current is None:
            self._unsynced += 2
            return []
        out = np.empty((2, N_CHANNELS), dtype=np.int64)
        out[0] = self._current - packet.values[0]
        out[1] = out[0] - packet.values[1]
        if np.any(out > 0x7FFFFF) or np.any(out < -0x800000):
            self._current = None
            self._unsynced += 2
            raise DecodeError("Ganglion firmware 2 deltas ran outside the 24-bit range; "
                              "the stream is corrupt or not firmware 2")
        self._current = out[1]
        chunk = Chunk(out.astype(np.int32), arrival_ns, None if self._first else 0)
        self._first = False
        return [chunk]

    def _resync(self, values: npt.NDArray[np.int32], arrival_ns: int) -> Chunk:
        lost: int | None = self._unsynced
        reason = ("packets lost on the radio link; firmware 2 deltas could not be rebuilt until "
                  "the next raw packet (counted from the Ganglion packet id)")
        if self._first:
            # Samples before the very first raw packet of a connection have no anchor: the
            # timeline estimates the outage they belong to.
            lost = None
        self._unsynced = 0
        self._first = False
        return Chunk(values.copy(), arrival_ns, lost, reason=reason)


def new_tracker(firmware: int) -> Tracker:
    """The tracker for a firmware major version (2 or 3)."""
    if firmware == 2:
        return GanglionFw2Tracker()
    if firmware == 3:
        return GanglionFw3Tracker()
    raise DecodeError(f"unsupported Ganglion firmware {firmware} (2 and 3 are)")


def firmware_major(revision: str) -> int | None:
    """Major version from a firmware revision string such as "3.0.1" or "v2.0.0"."""
    text = revision.strip().lstrip("vV")
    head = text.split(".", 1)[0]
    return int(head) if head.isdigit() else None


class GanglionProfile:
    """The OpenBCI Ganglion for the generic BLE source.

    ``firmware`` (2 or 3) picks the packet format; when None it is read from the Device
    Information firmware revision string, and firmware 3 (current since 2023) is assumed when
    the board does not say. The board resets whenever a connection opens, so the start command
    is sent again after every reconnect (after subscribing, so no packet is missed).
    """

    kind = "ganglion"
    display_name = "OpenBCI Ganglion"

    def __init__(self, *, firmware: int | None = None) -> None:
        if firmware not in (None, 2, 3):
            raise DecodeError(f"unsupported Ganglion firmware {firmware} (2 and 3 are)")
        self.firmware = firmware

    def matches(self, name: str | None, service_uuids: Sequence[str]) -> bool:
        return SERVICE_UUID in service_uuids or (name or "").startswith("Ganglion")

    def notify_uuids(self) -> Sequence[str]:
        return (NOTIFY_CHAR,)

    async def setup(self, client: BleakClient) -> DeviceDetails:
        revision_bytes = await read_optional(client, FIRMWARE_REVISION_CHAR)
        revision = revision_bytes.decode("utf-8", "replace") if revision_bytes else ""
        if self.firmware is None:
            major = firmware_major(revision) if revision else None
            if major not in (2, 3):
                log.warning("Ganglion firmware %r not recognised; decoding as firmware 3 "
                            "(pass firmware=2 for older boards)", revision)
                major = 3
            self.firmware = major
        battery = await read_battery(client)
        await write_command(client, WRITE_CHAR, CMD_START)
        return DeviceDetails(firmware=revision or f"{self.firmware}.x", battery_pct=battery)

    def info(self, source_id: str, name: str) -> SourceInfo:
        return SourceInfo(source_id, name, self.kind, RATE_HZ, channel_layout(), dtype="<i4",
                          scale=UV_PER_COUNT, unit="uV", device_clock="counter")

    def new_tracker(self) -> Tracker:
        return new_tracker(self.firmware or 3)
