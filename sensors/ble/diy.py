"""The open "DIY EMG" GATT profile (docs/ble-profile.md): decoding and loss accounting.

Made for makers streaming from an ESP32 with an analog EMG front end. Every data notification
says which sample it starts at (a 32-bit running sample counter), the sample rate and the
channel count, then carries int16 samples, all little-endian, so loss is counted exactly and a
packet can be decoded without any other context.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from engine.errors import DecodeError
from engine.messages import ChannelInfo, SourceInfo
from sensors.ble.profile import (
    Chunk,
    DeviceDetails,
    Tracker,
    read_battery,
    read_optional,
    write_command,
)

if TYPE_CHECKING:
    from bleak import BleakClient


def diy_uuid(short: int) -> str:
    """Full UUID of a DIY EMG attribute: 16-bit short form in our random 128-bit base."""
    return f"779a{short:04x}-a768-4797-bb11-f64fc5748437"


SERVICE_UUID = diy_uuid(0x0001)
DATA_CHAR = diy_uuid(0x0002)
INFO_CHAR = diy_uuid(0x0003)
CONTROL_CHAR = diy_uuid(0x0004)

PROTOCOL_VERSION = 1
CMD_STOP = b"\x00"
CMD_START = b"\x01"
MAX_CHANNELS = 8
COUNTER_MODULO = 1 << 32

_HEADER = struct.Struct("<BBHI")
_INFO = struct.Struct("<BBHf")


@dataclass(frozen=True, slots=True, eq=False)
class DiyPacket:
    """One data notification: ``samples`` (n, channels) int16, the first at ``first_sample``."""

    first_sample: int
    rate_hz: int
    samples: npt.NDArray[np.int16]

    @property
    def n_channels(self) -> int:
        return int(self.samples.shape[1])


@dataclass(frozen=True, slots=True)
class DiyInfo:
    """The info characteristic: stream layout and the µV value of one count."""

    n_channels: int
    rate_hz: int
    uv_per_count: float
    labels: tuple[str, ...]

    def channels(self) -> tuple[ChannelInfo, ...]:
        return tuple(ChannelInfo(label, "") for label in self.labels)


def _check_layout(version: int, n_channels: int, rate_hz: int, what: str) -> None:
    if version != PROTOCOL_VERSION:
        raise DecodeError(f"DIY EMG {what}: protocol version {version}, this is version "
                          f"{PROTOCOL_VERSION}", hint="update myoplay or the device firmware")
    if not 1 <= n_channels <= MAX_CHANNELS:
        raise DecodeError(f"DIY EMG {what}: {n_channels} channels (1 to {MAX_CHANNELS} allowed)")
    if rate_hz == 0:
        raise DecodeError(f"DIY EMG {what}: sample rate 0 Hz")


def decode_packet(payload: bytes) -> DiyPacket:
    """Decode a data notification (layout in docs/ble-profile.md)."""
    if len(payload) < _HEADER.size:
        raise DecodeError(f"DIY EMG packet of {len(payload)} bytes is shorter than its "
                          f"{_HEADER.size}-byte header")
    version, n_channels, rate_hz, first = _HEADER.unpack_from(payload)
    _check_layout(version, n_channels, rate_hz, "packet")
    body = len(payload) - _HEADER.size
    frame_bytes = 2 * n_channels
    if body == 0 or body % frame_bytes:
        raise DecodeError(f"DIY EMG packet body of {body} bytes is not a whole number of "
                          f"{n_channels}-channel samples")
    samples = np.frombuffer(payload, dtype="<i2", offset=_HEADER.size).reshape(-1, n_channels)
    return DiyPacket(first, rate_hz, samples)


def decode_info(payload: bytes) -> DiyInfo:
    """Decode the info characteristic: header, then optional comma-separated UTF-8 labels."""
    if len(payload) < _INFO.size:
        raise DecodeError(f"DIY EMG info of {len(payload)} bytes is shorter than {_INFO.size}")
    version, n_channels, rate_hz, uv_per_count = _INFO.unpack_from(payload)
    _check_layout(version, n_channels, rate_hz, "info")
    if not (np.isfinite(uv_per_count) and uv_per_count > 0):
        raise DecodeError(f"DIY EMG info: µV per count must be positive, got {uv_per_count}")
    try:
        text = payload[_INFO.size :].decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("DIY EMG info: channel labels are not UTF-8") from None
    labels = tuple(label.strip() for label in text.split(",")) if text else ()
    if not labels:
        labels = tuple(f"ch{i + 1}" for i in range(n_channels))
    if len(labels) != n_channels or not all(labels):
        raise DecodeError(f"DIY EMG info: {len(labels)} labels for {n_channels} channels")
    return DiyInfo(n_channels, rate_hz, float(uv_per_count), labels)


def encode_info(info: DiyInfo) -> bytes:
    """The info characteristic's bytes (for firmware authors and emulators)."""
    head = _INFO.pack(PROTOCOL_VERSION, info.n_channels, info.rate_hz, info.uv_per_count)
    return head + ",".join(info.labels).encode("utf-8")


def encode_packet(first_sample: int, rate_hz: int, samples: npt.ArrayLike) -> bytes:
    """A data notification's bytes (for firmware authors and emulators)."""
    array = np.asarray(samples, dtype="<i2")
    head = _HEADER.pack(PROTOCOL_VERSION, array.shape[1], rate_hz, first_sample % COUNTER_MODULO)
    return head + array.tobytes()


class DiyTracker:
    """Exact loss accounting from the running sample counter.

    The counter keeps running across connections while the device stays powered, so an outage
    is counted exactly too; a counter that went backwards (device restarted) is left to the
    timeline to estimate.
    """

    def __init__(self, info: DiyInfo) -> None:
        self._info = info
        self.duplicates = 0
        self._next: int | None = None
        self.reset()

    def reset(self) -> None:
        self._new_connection = True

    def feed(self, char_uuid: str, payload: bytes, arrival_ns: int) -> list[Chunk]:
        if char_uuid != DATA_CHAR:
            raise DecodeError(f"notification from a characteristic that is not DIY EMG data: "
                              f"{char_uuid}")
        packet = decode_packet(payload)
        if packet.n_channels != self._info.n_channels or packet.rate_hz != self._info.rate_hz:
            raise DecodeError(
                f"DIY EMG packet says {packet.n_channels} channels at {packet.rate_hz} Hz but the "
                f"device announced {self._info.n_channels} at {self._info.rate_hz} Hz"
            )
        n = packet.samples.shape[0]
        lost: int | None = None
        if self._next is not None:
            ahead = (packet.first_sample - self._next) % COUNTER_MODULO
            if ahead >= COUNTER_MODULO // 2:
                behind = COUNTER_MODULO - ahead
                if behind <= n and not self._new_connection:
                    # A repeat of samples already passed on (BlueZ double delivery).
                    self.duplicates += 1
                    return []
                lost = None  # the device restarted its counter
            else:
                lost = ahead
        self._next = (packet.first_sample + n) % COUNTER_MODULO
        self._new_connection = False
        return [Chunk(packet.samples, arrival_ns, lost,
                      reason="packets lost (counted from the DIY EMG sample counter)")]

    def flush(self) -> list[Chunk]:
        return []


class DiyProfile:
    """A DIY EMG device (docs/ble-profile.md) for the generic BLE source.

    Setup reads the info characteristic (channels, rate, µV per count, labels) and writes the
    start command, after every (re)connect.
    """

    kind = "diy"
    display_name = "DIY EMG device"

    def __init__(self) -> None:
        self.device_info: DiyInfo | None = None

    def matches(self, name: str | None, service_uuids: Sequence[str]) -> bool:
        return SERVICE_UUID in service_uuids

    def notify_uuids(self) -> Sequence[str]:
        return (DATA_CHAR,)

    async def setup(self, client: BleakClient) -> DeviceDetails:
        raw = await read_optional(client, INFO_CHAR)
        if raw is None:
            raise DecodeError("the device has no DIY EMG info characteristic",
                              hint="see docs/ble-profile.md for what the firmware must expose")
        info = decode_info(raw)
        if self.device_info is not None and info != self.device_info:
            raise DecodeError(
                "the DIY EMG device changed its channels, rate or scale between connections",
                hint="restart the session after changing the firmware settings",
            )
        self.device_info = info
        battery = await read_battery(client)
        await write_command(client, CONTROL_CHAR, CMD_START)
        return DeviceDetails(firmware=f"DIY EMG profile v{PROTOCOL_VERSION}", battery_pct=battery)

    def _require_info(self) -> DiyInfo:
        if self.device_info is None:
            raise DecodeError("the DIY EMG device has not been set up yet")
        return self.device_info

    def info(self, source_id: str, name: str) -> SourceInfo:
        info = self._require_info()
        return SourceInfo(source_id, name, self.kind, float(info.rate_hz), info.channels(),
                          dtype="<i2", scale=info.uv_per_count, unit="uV",
                          device_clock="counter")

    def new_tracker(self) -> Tracker:
        return DiyTracker(self._require_info())
