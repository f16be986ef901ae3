"""End to end over the real path: bleak (BleakScanner/BleakClient on a bumble-backed test
backend) -> bridge thread -> Trio -> BleSource -> frames and gaps, against virtual sensors.

Emulators run faster than real time; each test streams ten seconds' worth of samples, injects
notification loss, then forces twenty disconnects and checks that every outage became a Gap,
that streaming resumed each time with the device's setup re-sent, and that no sample was
duplicated or reordered.
"""

from __future__ import annotations

from contextlib import aclosing

import numpy as np
import pytest
import trio

from engine.errors import LinkLostError
from engine.messages import Gap, SampleFrame
from sensors.ble import myo
from sensors.ble.ble_source import BleSource, Reconnect
from sensors.ble.devices import open_ble_source
from sensors.ble.diy import DiyProfile
from tests.sensors.ble.peripherals import (
    DiyPeripheral,
    GanglionPeripheral,
    MyoPeripheral,
    VirtualPeripheral,
)

FAST_RECONNECT = Reconnect(initial_s=0.02, max_s=0.2)
N_DISCONNECTS = 20


async def consume(source: BleSource, n_samples: int, records: list) -> None:
    got = 0
    async with aclosing(source.stream()) as stream:
        async for record in stream:
            records.append(record)
            if isinstance(record, SampleFrame):
                got += record.n_samples
                if got >= n_samples:
                    return


async def _drain(source: BleSource, records: list) -> None:
    async with aclosing(source.stream()) as stream:
        async for record in stream:
            records.append(record)


async def until_link_lost(source: BleSource, records: list) -> None:
    with pytest.raises(LinkLostError, match="lost the Bluetooth link"):
        await _drain(source, records)


def true_ids(records: list, peripheral: VirtualPeripheral) -> list[list[int]]:
    """Per frame, the true indices the emulator encoded into its samples."""
    return [[peripheral.true_index(row) for row in np.asarray(r.data)]
            for r in records if isinstance(r, SampleFrame)]


def check_timeline(records: list, peripheral: VirtualPeripheral) -> list[tuple[Gap, int]]:
    """Indices contiguous (gaps included), true samples strictly increasing; returns each gap
    with the number of true samples actually missing across it."""
    expected_index = None
    previous_true = None
    pending_gap: Gap | None = None
    gaps = []
    for record in records:
        if isinstance(record, Gap):
            assert record.first_index == expected_index
            assert record.duration_ns > 0
            pending_gap = record
            continue
        ids = [peripheral.true_index(row) for row in np.asarray(record.data)]
        assert ids == list(range(ids[0], ids[0] + len(ids))), "a frame is not consecutive"
        if expected_index is not None:
            if pending_gap is None:
                assert record.first_index == expected_index
                assert ids[0] == previous_true + 1, "samples missing without a Gap"
            else:
                assert ids[0] > previous_true + 1, "a Gap where nothing was missing"
                if pending_gap.n_missing >= 0:
                    assert record.first_index == expected_index + pending_gap.n_missing
                else:
                    assert record.first_index >= expected_index
                gaps.append((pending_gap, ids[0] - previous_true - 1))
        else:
            assert pending_gap is None
        pending_gap = None
        expected_index = record.first_index + record.n_samples
        previous_true = ids[-1]
    return gaps


async def run_scenario(ble, backend, peripheral: VirtualPeripheral, kind: str, **options):
    await ble.run(peripheral.power_on)
    source = await open_ble_source(kind, backend=backend, loop=ble, scan_timeout_s=5.0,
                                   reconnect=FAST_RECONNECT, **options)
    records: list = []
    try:
        await consume(source, 2000, records)  # ten seconds at 200 Hz
        streamed_before_disconnects = len(records)
        for _ in range(N_DISCONNECTS):
            await ble.run(lambda: peripheral.vanish(0.02))
            await until_link_lost(source, records)
            await consume(source, 40, records)
        return source, records, streamed_before_disconnects
    finally:
        await source.aclose()
        await ble.run(peripheral.power_off)


async def test_diy_device_end_to_end(ble, air, backend):
    peripheral = DiyPeripheral(air, speed=10.0, drop={20, 50, 51, 52}, duplicate={30, 70},
                               corrupt={90})
    source, records, _ = await run_scenario(ble, backend, peripheral, "diy")
    info = source.info
    assert (info.kind, info.rate_hz, info.dtype, info.scale) == ("diy", 200.0, "<i2", 0.5)
    assert info.labels == ("left quad", "right quad")
    gaps = check_timeline(records, peripheral)
    link_gaps = [(g, n) for g, n in gaps if "link" in g.reason]
    loss_gaps = [(g, n) for g, n in gaps if "link" not in g.reason]
    # Injected loss (and a malformed packet, skipped) is counted exactly from the counter.
    assert [g.n_missing for g, _ in loss_gaps] == [10, 30, 10]
    assert source.stats.malformed == 1
    assert sum(g.n_missing for g, _ in loss_gaps) == len(peripheral.dropped_indices)
    # Every outage is a Gap; the counter runs on while the device is away, so even those are
    # exact.
    assert len(link_gaps) == N_DISCONNECTS
    assert all(g.n_missing == n for g, n in link_gaps)
    assert source.stats.duplicates == 2
    assert source.stats.measured_rate_hz == pytest.approx(200.0 * 10.0, rel=0.2)  # speed 10
    assert source.stats.connections == N_DISCONNECTS + 1
    assert peripheral.starts == N_DISCONNECTS + 1


@pytest.mark.parametrize("firmware", [3, 2])
async def test_ganglion_end_to_end(ble, air, backend, firmware):
    drop = {150, 400, 401, 402} if firmware == 3 else {150, 420}
    peripheral = GanglionPeripheral(air, firmware=firmware, speed=5.0, drop=drop,
                                    duplicate={200})
    source, records, _ = await run_scenario(ble, backend, peripheral, "ganglion")
    info = source.info
    assert (info.kind, info.rate_hz, info.dtype, info.unit) == ("ganglion", 200.0, "<i4", "uV")
    assert info.scale == pytest.approx(0.0018699, rel=1e-4)
    assert source.details.firmware.startswith(str(firmware))
    gaps = check_timeline(records, peripheral)
    link_gaps = [(g, n) for g, n in gaps if "link lost" in g.reason]
    loss_gaps = [(g, n) for g, n in gaps if "link lost" not in g.reason]
    assert len(link_gaps) == N_DISCONNECTS
    assert all(g.n_missing == -1 for g, _ in link_gaps)  # the board resets: estimated
    # Injected loss counted exactly from the packet id...
    assert all(g.n_missing == n for g, n in loss_gaps)
    if firmware == 3:
        assert [g.n_missing for g, _ in loss_gaps] == [2, 6]
    else:
        # ...and on firmware 2 the samples that cannot be rebuilt until the next raw packet
        # are part of the gap, which says so.
        assert len(loss_gaps) == 2
        assert all("unsynced" in g.reason or "rebuilt" in g.reason for g, _ in loss_gaps)
        assert sum(g.n_missing for g, _ in loss_gaps) > len(peripheral.dropped_indices)
    assert source.stats.duplicates == 1
    assert peripheral.starts == N_DISCONNECTS + 1


async def test_myo_end_to_end(ble, air, backend):
    # Single, double, whole-cycle (4) and two-cycle (8) runs of lost notifications: the
    # round robin cannot see the last two, only arrival timing can.
    drop = {300, *range(400, 402), *range(500, 504), *range(600, 608)}
    peripheral = MyoPeripheral(air, speed=2.0, drop=drop, duplicate={350})
    source, records, _ = await run_scenario(ble, backend, peripheral, "myo",
                                            command_interval_s=0.005)
    info = source.info
    assert (info.kind, info.rate_hz, info.dtype, info.n_channels) == ("myo", 200.0, "|i1", 8)
    assert source.details.battery_pct == 87
    assert source.details.firmware.startswith("1.5.1970")
    gaps = check_timeline(records, peripheral)
    link_gaps = [(g, n) for g, n in gaps if "link lost" in g.reason]
    loss_gaps = [(g, n) for g, n in gaps if "link lost" not in g.reason]
    assert len(link_gaps) == N_DISCONNECTS
    # Loss is estimated (no counter): n_missing is -1, but the index jump and the duration
    # match the true loss.
    assert [n for _, n in loss_gaps] == [2, 4, 8, 16]
    assert all(g.n_missing == -1 for g, _ in loss_gaps)
    assert [g.duration_ns for g, _ in loss_gaps] == [10_000_000, 20_000_000, 40_000_000,
                                                     80_000_000]
    assert source.stats.duplicates == 1
    # Setup re-sent on every connection: never-sleep, then raw EMG mode.
    assert peripheral.commands == [myo.CMD_NEVER_SLEEP, myo.CMD_RAW_EMG] * (N_DISCONNECTS + 1)


async def test_reconnect_backs_off_while_the_device_stays_away(ble, air, backend, caplog):
    peripheral = DiyPeripheral(air, speed=10.0)
    await ble.run(peripheral.power_on)
    source = await open_ble_source("diy", backend=backend, loop=ble, scan_timeout_s=0.1,
                                   reconnect=Reconnect(initial_s=0.05, max_s=0.1))
    records: list = []
    try:
        await consume(source, 100, records)
        await ble.run(lambda: peripheral.vanish(0.6))
        await until_link_lost(source, records)
        with caplog.at_level("INFO", logger="sensors.ble.ble_source"):
            await consume(source, 50, records)
    finally:
        await source.aclose()
        await ble.run(peripheral.power_off)
    retries = [r for r in caplog.records if "reconnect failed" in r.getMessage()]
    assert len(retries) >= 2
    assert "no DIY EMG device" in retries[0].getMessage()
    (gap, missing), = check_timeline(records, peripheral)
    assert gap.n_missing == missing  # the counter ran on while it was away: exact
    assert "reconnected after" in gap.reason


async def test_an_address_pins_one_device_among_several(ble, air, backend):
    first = DiyPeripheral(air, address="C3:00:00:00:00:03")
    second = DiyPeripheral(air, address="C3:00:00:00:00:04")
    for peripheral in (first, second):
        await ble.run(peripheral.power_on)
    try:
        source = await open_ble_source("diy", "c3:00:00:00:00:04", backend=backend, loop=ble,
                                       scan_timeout_s=2.0)
        await source.aclose()
    finally:
        for peripheral in (first, second):
            await ble.run(peripheral.power_off)
    assert source.address == "C3:00:00:00:00:04"
    assert (first.connections, second.connections) == (0, 1)


async def test_a_session_that_falls_behind_loses_the_oldest_notifications_as_a_counted_gap(
        ble, air, backend):
    peripheral = DiyPeripheral(air, speed=10.0)
    await ble.run(peripheral.power_on)
    source = BleSource(DiyProfile(), backend=backend, loop=ble, ring_capacity=4)
    records: list = []
    try:
        await source.open()
        await consume(source, 50, records)
        await trio.sleep(0.3)  # the consumer stalls; the BLE thread must not
        await consume(source, 50, records)
    finally:
        await source.aclose()
        await ble.run(peripheral.power_off)
    (gap, missing), = check_timeline(records, peripheral)
    assert gap.n_missing == missing > 0
    assert "dropped on this computer because the session fell behind" in gap.reason
    assert source.stats.ring_dropped > 0
