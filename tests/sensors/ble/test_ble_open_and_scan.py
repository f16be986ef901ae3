"""Opening sources and scanning: no Bluetooth, nothing found, and the virtual-radio scan."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine.errors import BluetoothUnavailableError, ConfigError, DeviceNotFoundError
from myoplay.scan_command import format_table
from sensors.ble.bridge import BleLoop
from sensors.ble.devices import open_ble_source
from sensors.ble.scan import scan
from tests.sensors.ble.peripherals import DiyPeripheral, GanglionPeripheral, MyoPeripheral

#: A system D-Bus address with nothing behind it: BlueZ is unreachable, as on a machine with
#: no Bluetooth (the test machines have none anyway; this keeps the tests hermetic elsewhere).
NO_SYSTEM_BUS = "unix:path=/nonexistent/myoplay-test-system-bus"


def test_scan_command_without_bluetooth_says_so_in_one_line_and_exits_2():
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": NO_SYSTEM_BUS}
    done = subprocess.run([sys.executable, "-m", "myoplay", "scan", "--timeout", "1"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Bluetooth is not available on this machine" in lines[0]
    assert "Traceback" not in done.stderr


async def test_opening_a_source_without_bluetooth_fails_early_and_clearly(monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_SYSTEM_BUS)
    loop = BleLoop("no-bluetooth")
    try:
        # No backend given: the real platform backend (BlueZ over D-Bus), unreachable.
        with pytest.raises(BluetoothUnavailableError, match="not available on this machine"):
            await open_ble_source("myo", loop=loop, scan_timeout_s=5.0)
    finally:
        loop.close()


async def test_unknown_sensor_kind():
    with pytest.raises(ConfigError, match="choose one of myo, ganglion, diy"):
        await open_ble_source("fitbit")


async def test_nothing_advertising_is_device_not_found(ble, backend):
    with pytest.raises(DeviceNotFoundError, match="no OpenBCI Ganglion found nearby"):
        await open_ble_source("ganglion", backend=backend, loop=ble, scan_timeout_s=0.3)


async def test_scan_lists_supported_devices_with_name_address_signal_and_type(ble, air, backend):
    peripherals = [MyoPeripheral(air), GanglionPeripheral(air), DiyPeripheral(air)]
    for peripheral in peripherals:
        await ble.run(peripheral.power_on)
    try:
        found = await scan(0.3, loop=ble, backend=backend)
    finally:
        for peripheral in peripherals:
            await ble.run(peripheral.power_off)
    by_kind = {d.kind: d for d in found}
    assert set(by_kind) == {"myo", "ganglion", "diy"}
    assert by_kind["myo"].address == "C1:00:00:00:00:01"
    assert by_kind["ganglion"].name == "Ganglion-1a2b"
    assert all(isinstance(d.rssi_dbm, int) for d in found)
    table = format_table(found)
    assert table[0].split() == ["NAME", "ADDRESS", "SIGNAL", "TYPE"]
    assert any("OpenBCI Ganglion (--sensor ganglion)" in line for line in table)
