"""The discovery actor over real LSL on loopback: a station's state stream is found, its rows
fill the table, silence makes it lost and its return (a new outlet, same source id) live.

Other programs on this machine may publish state streams too: the station's name is unique to
this run and only its card is looked at.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pylsl  # type: ignore[import-untyped]
import pytest
import trio

from actors.dashboard.control_rows import ControlRows
from actors.dashboard.discovery_actor import StationDiscovery
from actors.dashboard.hub import DashboardHub
from actors.dashboard.station_liveness import Liveness
from sensors.lsl_loopback import use_loopback
from tests.actors.dashboard.rows import state_row


def state_outlet(station: str) -> pylsl.StreamOutlet:
    source_id = f"myoplay:{station}:state"
    return pylsl.StreamOutlet(pylsl.StreamInfo(source_id, "MyoplayState", 1, 0.0, "string",
                                               source_id))


async def until(hub: DashboardHub, check: Callable[[], bool], timeout_s: float) -> None:
    """Wait (at most ``timeout_s``) for the table to change until ``check()`` holds."""
    with trio.fail_after(timeout_s):
        while not check():
            await hub.wait_change(hub.table.version)


async def test_a_station_is_found_lost_after_silence_and_found_again(
        nursery: trio.Nursery) -> None:
    use_loopback()
    station = f"test-{uuid.uuid4().hex[:8]}"
    hub = DashboardHub(ControlRows("PT-1"))
    await nursery.start(StationDiscovery(hub).run)
    outlet = state_outlet(station)
    seq = 0

    async def send(rows: int, **fields: object) -> None:
        nonlocal seq
        for _ in range(rows):
            seq += 1
            outlet.push_sample([state_row(station, seq, **fields)])
            await trio.sleep(0.1)

    with trio.fail_after(10):
        while hub.table.liveness(station) is not Liveness.LIVE:
            await send(1)
    await send(5)
    last_row_s = trio.current_time() - 0.1
    assert (hub.table.state(station) or pytest.fail("no state")).seq == seq

    await until(hub, lambda: hub.table.liveness(station) is Liveness.LOST, 3)
    assert 1.4 < trio.current_time() - last_row_s < 2.0
    await send(1)
    await until(hub, lambda: hub.table.liveness(station) is Liveness.LIVE, 2)

    # The station restarts: its stream breaks off, a new one comes under the same source id.
    del outlet
    await trio.sleep(0.3)
    outlet = state_outlet(station)
    with trio.fail_after(10):
        while (hub.table.state(station) or pytest.fail("no state")).rep != 7:
            await send(1, rep=7)
    assert hub.table.liveness(station) is Liveness.LIVE
    nursery.cancel_scope.cancel()
