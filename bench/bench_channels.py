"""Channel throughput: how many items per second each runtime channel moves between tasks.

The reference is Trio's own memory channel on the same producer/consumer workload. The target is
headroom over the busiest edge a session has: a device sending single-sample frames at 2 kHz
would need 2,000 items/s; we ask for five times that.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import trio

from bench import Result
from engine.runtime import DropOldestRing, LatestValue, LosslessChannel

ITEMS = 100_000
CAPACITY = 256
TARGET_ITEMS_PER_S = 10_000.0


async def _lossless() -> None:
    channel: LosslessChannel[int] = LosslessChannel("bench", CAPACITY)

    async def produce() -> None:
        for i in range(ITEMS):
            await channel.send(i)
        channel.close()

    received = 0
    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        async for _ in channel:
            received += 1
    assert received == ITEMS


async def _memory_channel() -> None:
    send, receive = trio.open_memory_channel[int](CAPACITY)

    async def produce() -> None:
        async with send:
            for i in range(ITEMS):
                await send.send(i)

    received = 0
    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        async with receive:
            async for _ in receive:
                received += 1
    assert received == ITEMS


async def _ring() -> None:
    ring: DropOldestRing[int] = DropOldestRing("bench", CAPACITY)
    for i in range(ITEMS):
        ring.put_nowait(i)
        if ring.qsize == CAPACITY:
            while ring.qsize:
                ring.receive_nowait()
    await trio.lowlevel.checkpoint()


async def _latest() -> None:
    view: LatestValue[int] = LatestValue("bench")
    seen = 0
    for i in range(ITEMS):
        view.publish(i)
        if i % 64 == 0:
            seen, _ = await view.wait_newer(seen)


def _items_per_s(main: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    trio.run(main)
    return ITEMS / (time.perf_counter() - start)


def run() -> list[Result]:
    reference = _items_per_s(_memory_channel)
    return [
        Result(
            "LosslessChannel producer->consumer",
            _items_per_s(_lossless),
            "items/s",
            reference=reference,
            reference_name="trio memory channel",
            target=TARGET_ITEMS_PER_S,
            higher_is_better=True,
        ),
        Result(
            "DropOldestRing put+drain",
            _items_per_s(_ring),
            "items/s",
            target=TARGET_ITEMS_PER_S,
            higher_is_better=True,
        ),
        Result(
            "LatestValue publish",
            _items_per_s(_latest),
            "items/s",
            target=TARGET_ITEMS_PER_S,
            higher_is_better=True,
        ),
    ]
