"""The asyncio-thread bridge: results, errors, cancellation and never-blocking delivery."""

from __future__ import annotations

import asyncio
import threading

import pytest
import trio

from engine.errors import DeviceError
from engine.runtime.channels import DropOldestRing
from sensors.ble.bridge import BleLoop, Delivery, LinkDown, Notification


async def test_run_returns_the_result_from_the_ble_thread(ble):
    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert await ble.run(where) == "test-ble"


async def test_run_propagates_errors(ble):
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await ble.run(fail)


async def test_cancelling_the_trio_caller_cancels_and_awaits_the_asyncio_task(ble):
    steps: list[str] = []
    started = threading.Event()

    async def slow_disconnect() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.05)  # cleanup that must finish before run() returns
            steps.append("cleaned up")

    with trio.move_on_after(5) as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ble.run, slow_disconnect)
            await trio.to_thread.run_sync(started.wait)
            nursery.cancel_scope.cancel()
    assert not scope.cancelled_caught
    assert steps == ["cleaned up"]


async def test_delivery_copies_payloads_and_stamps_arrival_in_the_ble_thread(ble):
    ring: DropOldestRing[Notification | LinkDown] = DropOldestRing("test", 8)
    delivery = Delivery(trio.lowlevel.current_trio_token(), ring)
    buffer = bytearray(b"\x01\x02")

    async def notify() -> None:
        delivery.notification(7, "char", buffer)
        buffer[0] = 0xFF  # bleak may reuse its buffer: the delivered copy must not change
        delivery.link_down(7)

    await ble.run(notify)
    first = await ring.receive()
    assert isinstance(first, Notification)
    assert (first.link, first.char_uuid, first.payload) == (7, "char", b"\x01\x02")
    assert first.arrival_mono_ns > 0
    assert isinstance(await ring.receive(), LinkDown)


async def test_a_full_ring_drops_the_oldest_and_counts_without_blocking_the_ble_thread(ble):
    ring: DropOldestRing[Notification | LinkDown] = DropOldestRing("test", 4)
    delivery = Delivery(trio.lowlevel.current_trio_token(), ring)

    async def burst() -> None:
        for i in range(10):
            delivery.notification(1, "char", bytes([i]))

    await ble.run(burst)
    await trio.testing.wait_all_tasks_blocked()
    received = [(await ring.receive()).payload for _ in range(4)]
    assert received == [bytes([i]) for i in range(6, 10)]
    assert ring.take_dropped() == 6


def test_delivery_after_the_trio_run_ended_is_swallowed(ble):
    ring: DropOldestRing[Notification | LinkDown] = DropOldestRing("test", 4)

    async def make() -> Delivery:
        return Delivery(trio.lowlevel.current_trio_token(), ring)

    delivery = trio.run(make)

    async def late() -> None:
        delivery.notification(1, "char", b"x")
        delivery.link_down(1)

    asyncio.run_coroutine_threadsafe(late(), ble.loop).result(timeout=5)
    assert delivery.undelivered == 1


async def test_a_stopped_loop_says_so():
    loop = BleLoop("short-lived")
    loop.close()

    async def nothing() -> None:
        return None

    with pytest.raises(DeviceError, match="Bluetooth thread has stopped"):
        await loop.run(nothing)
