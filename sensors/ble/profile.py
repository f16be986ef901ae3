"""What each supported BLE device contributes: its GATT layout, setup and packet tracker.

A :class:`DeviceProfile` describes one kind of device to the generic BLE source; a
:class:`Tracker` turns that device's notifications into :class:`Chunk` records that say how
many samples arrived and how many were lost just before them. Trackers are pure (no I/O, no
clock of their own): arrival times are handed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy.typing as npt

from engine.errors import DeviceError
from engine.messages import SourceInfo

if TYPE_CHECKING:
    from bleak import BleakClient

BATTERY_LEVEL_CHAR = "00002a19-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_CHAR = "00002a26-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True, slots=True, eq=False)
class Chunk:
    """Consecutive samples from one notification, in the device's raw type.

    ``lost_before`` samples were lost just before them: counted from a device counter when
    ``exact``, estimated otherwise; ``None`` means the tracker cannot tell (first packet after a
    new connection to a device whose counter restarted), so the timeline estimates it from time.
    ``reason`` says why they are missing.
    """

    samples: npt.NDArray[Any]
    arrival_ns: int
    lost_before: int | None = 0
    exact: bool = True
    reason: str = "packets lost on the radio link"


class Tracker(Protocol):
    """Per-connection packet state of one device (counters, last sample, order)."""

    duplicates: int

    def reset(self) -> None:
        """A new connection begins: forget per-connection state, keep what spans connections."""

    def feed(self, char_uuid: str, payload: bytes, arrival_ns: int) -> list[Chunk]:
        """Decode one notification (raising DecodeError if malformed) into chunks."""
        ...

    def flush(self) -> list[Chunk]:
        """Return chunks still held back (the link went down)."""
        ...


@dataclass(slots=True)
class DeviceDetails:
    """What setup learnt about the connected device (shown to the user, kept in the source)."""

    firmware: str = ""
    battery_pct: int | None = None


class DeviceProfile(Protocol):
    """One kind of BLE EMG device as the generic source sees it."""

    @property
    def kind(self) -> str:
        """Short name used on the command line: "myo", "ganglion", "diy"."""
        ...

    @property
    def display_name(self) -> str:
        """Name for people: "Myo armband"."""
        ...

    def matches(self, name: str | None, service_uuids: Sequence[str]) -> bool:
        """Whether an advertisement (local name, advertised services) is this kind of device."""
        ...

    def notify_uuids(self) -> Sequence[str]:
        """Characteristics to subscribe to, before setup sends any start command."""
        ...

    async def setup(self, client: BleakClient) -> DeviceDetails:
        """Configure the connected device and start streaming (runs on the BLE loop)."""
        ...

    def info(self, source_id: str, name: str) -> SourceInfo:
        """The source description, valid once setup ran at least once."""
        ...

    def new_tracker(self) -> Tracker:
        """A fresh tracker for a new source (called after the first setup)."""
        ...


def has_characteristic(client: BleakClient, uuid: str) -> bool:
    return client.services.get_characteristic(uuid) is not None


async def read_optional(client: BleakClient, uuid: str) -> bytes | None:
    """Read a characteristic the device may not have (battery, firmware revision)."""
    if not has_characteristic(client, uuid):
        return None
    return bytes(await client.read_gatt_char(uuid))


async def read_battery(client: BleakClient) -> int | None:
    """Battery level in percent from the standard Battery Service, if present and sane."""
    value = await read_optional(client, BATTERY_LEVEL_CHAR)
    if not value or value[0] > 100:
        return None
    return value[0]


async def write_command(client: BleakClient, uuid: str, command: bytes) -> None:
    """Write a command, with response when the characteristic allows it (never silently lost)."""
    characteristic = client.services.get_characteristic(uuid)
    if characteristic is None:
        raise DeviceError(f"the device has no command characteristic {uuid}",
                          hint="is this really the device kind you chose?")
    await client.write_gatt_char(characteristic, command,
                                 response="write" in characteristic.properties)
