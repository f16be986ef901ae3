"""The profile of each BLE sensor kind (:mod:`sensors.sensor_kinds` lists them), and
:func:`open_ble_source` to open one."""

from __future__ import annotations

from engine.clock import SessionClock
from engine.errors import ConfigError
from sensors.ble.adapter import BleBackend
from sensors.ble.ble_source import DEFAULT_RECONNECT, BleSource, Reconnect
from sensors.ble.bridge import BleLoop
from sensors.ble.diy import DiyProfile
from sensors.ble.ganglion import GanglionProfile
from sensors.ble.myo import MyoProfile
from sensors.ble.profile import DeviceProfile
from sensors.sensor_kinds import BLE_SENSOR_KINDS
from sensors.source import opened


def make_profile(
    kind: str, *, firmware: int | None = None, command_interval_s: float = 0.2
) -> DeviceProfile:
    """The profile for a device kind: "myo", "ganglion" (``firmware`` 2, 3 or None to ask the
    board) or "diy". ``command_interval_s`` paces the Myo's setup writes."""
    if kind == "myo":
        return MyoProfile(command_interval_s=command_interval_s)
    if kind == "ganglion":
        return GanglionProfile(firmware=firmware)
    if kind == "diy":
        return DiyProfile()
    raise ConfigError(
        f"unknown BLE sensor {kind!r}", hint=f"choose one of {', '.join(BLE_SENSOR_KINDS)}"
    )


def all_profiles() -> list[DeviceProfile]:
    return [make_profile(kind) for kind in BLE_SENSOR_KINDS]


async def open_ble_source(
    kind: str,
    address: str | None = None,
    *,
    firmware: int | None = None,
    source_id: str | None = None,
    clock: SessionClock | None = None,
    loop: BleLoop | None = None,
    backend: BleBackend | None = None,
    scan_timeout_s: float = 10.0,
    command_interval_s: float = 0.2,
    reconnect: Reconnect = DEFAULT_RECONNECT,
) -> BleSource:
    """Scan for, connect to and set up a BLE EMG device; returns a streaming-ready source.

    Raises :class:`~engine.errors.BluetoothUnavailableError` at once when the machine has no
    usable Bluetooth, :class:`~engine.errors.DeviceNotFoundError` when no such device answers
    within ``scan_timeout_s``. Call it before starting the session, so these are reported
    before anything else starts.
    """
    profile = make_profile(kind, firmware=firmware, command_interval_s=command_interval_s)
    source = BleSource(profile, address=address, source_id=source_id, clock=clock, loop=loop,
                       backend=backend, scan_timeout_s=scan_timeout_s, reconnect=reconnect)
    return await opened(source)
