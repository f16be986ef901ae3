"""Each channel policy, shown through the public interface on Trio's MockClock."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from engine.errors import ChannelOverflowError, RuntimeFault
from engine.runtime import DropOldestRing, LatestValue, LosslessChannel, PoisonedInput

# -- lossless bounded ------------------------------------------------------------------------


async def test_lossless_slow_consumer_gets_everything_in_order_with_back_pressure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    channel: LosslessChannel[int] = LosslessChannel("dsp->rules", capacity=4)
    received: list[int] = []
    send_done_at: dict[int, float] = {}

    async def producer() -> None:
        for i in range(20):
            await channel.send(i)
            send_done_at[i] = trio.current_time()

    async def slow_consumer() -> None:
        for _ in range(20):
            received.append(await channel.receive())
            await trio.sleep(1.0)

    t0 = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        nursery.start_soon(slow_consumer)

    assert received == list(range(20))
    assert channel.high_water == 4
    assert channel.qsize == 0
    # The first items fit at once; after that the producer moves only as fast as the consumer.
    assert send_done_at[4] - t0 == 0.0
    assert send_done_at[5] - t0 == pytest.approx(1.0)
    assert send_done_at[19] - t0 == pytest.approx(15.0)


async def test_lossless_send_blocks_while_full() -> None:
    channel: LosslessChannel[str] = LosslessChannel("c", capacity=1)
    await channel.send("a")
    with trio.move_on_after(0.01) as scope:
        await channel.send("b")
    assert scope.cancelled_caught
    assert channel.qsize == 1
    assert await channel.receive() == "a"
    assert channel.qsize == 0  # the cancelled send left nothing behind


async def test_send_nowait_overflow_names_the_channel() -> None:
    channel: LosslessChannel[int] = LosslessChannel("sensor->dsp", capacity=2)
    channel.send_nowait(1)
    channel.send_nowait(2)
    with pytest.raises(ChannelOverflowError, match="'sensor->dsp'") as excinfo:
        channel.send_nowait(3)
    assert isinstance(excinfo.value, RuntimeFault)
    assert excinfo.value.hint
    assert [await channel.receive(), channel.receive_nowait()] == [1, 2]
    with pytest.raises(trio.WouldBlock):
        channel.receive_nowait()
    channel.send_nowait(3)  # there is room again


async def test_close_lets_consumers_drain_then_ends_their_loops() -> None:
    channel: LosslessChannel[int] = LosslessChannel("c", capacity=8)
    for i in range(3):
        await channel.send(i)
    channel.close()
    assert channel.closed
    assert [item async for item in channel] == [0, 1, 2]
    with pytest.raises(trio.EndOfChannel):
        await channel.receive()
    with pytest.raises(trio.EndOfChannel):
        channel.receive_nowait()
    with pytest.raises(trio.ClosedResourceError):
        await channel.send(9)
    with pytest.raises(trio.ClosedResourceError):
        channel.send_nowait(9)


async def test_close_wakes_a_waiting_consumer(autojump_clock: trio.testing.MockClock) -> None:
    channel: LosslessChannel[int] = LosslessChannel("c", capacity=8)
    seen: list[int] = []

    async def consume() -> None:
        seen.extend([item async for item in channel])

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consume)
        await trio.sleep(1.0)
        await channel.send(7)
        channel.close()
    assert seen == [7]


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="'x'"):
        LosslessChannel("x", capacity=0)
    with pytest.raises(ValueError, match="'y'"):
        DropOldestRing("y", capacity=0)


async def test_loop_that_is_cancelled_mid_item_gets_it_again_without_a_supervisor() -> None:
    """Outside a supervisor nobody can tell a crash from a cancel, so an abandoned item counts
    as a crash: delivered once more, then skipped."""
    poisoned: list[PoisonedInput[str]] = []
    channel: LosslessChannel[str] = LosslessChannel("c", capacity=8, on_poison=poisoned.append)
    for item in ("a", "b"):
        await channel.send(item)

    async def take_one_and_die() -> str:
        async for item in channel:
            return item
        raise AssertionError("channel ended")

    assert await take_one_and_die() == "a"
    assert await take_one_and_die() == "a"  # redelivered
    assert await take_one_and_die() == "b"  # "a" abandoned twice: skipped
    assert channel.poisoned_total == 1
    assert [(p.channel, p.item, p.crashes) for p in poisoned] == [("c", "a", 2)]


# -- latest value ----------------------------------------------------------------------------


async def test_latest_value_producer_never_blocks_and_slow_reader_gets_newest(
    autojump_clock: trio.testing.MockClock,
) -> None:
    view: LatestValue[int] = LatestValue("rules->render")
    read: list[tuple[int, int]] = []
    publish_times: list[float] = []

    async def producer() -> None:
        for i in range(1, 1001):
            view.publish(i)
            publish_times.append(trio.current_time())
            if i % 100 == 0:
                await trio.sleep(0.5)

    async def slow_reader() -> None:
        seen = 0
        while seen < 1000:
            seen, value = await view.wait_newer(seen)
            read.append((seen, value))
            await trio.sleep(2.0)  # the reader is stuck far longer than the producer's pace

    t0 = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(slow_reader)
        nursery.start_soon(producer)

    # The producer never waited on the reader: its only pauses are its own sleeps.
    assert publish_times[-1] - t0 == pytest.approx(4.5)
    assert read[-1] == (1000, 1000)
    assert all(version == value for version, value in read)
    assert len(read) < 10  # the reader skipped straight to the newest value each time
    assert view.version == 1000
    assert view.overwritten_unseen == 1000 - len(read)


async def test_latest_value_get_and_wait() -> None:
    view: LatestValue[str] = LatestValue("v")
    assert view.get() is None
    assert view.version == 0
    view.publish("a")
    view.publish("b")
    assert view.get() == "b"
    assert view.overwritten_unseen == 1
    assert await view.wait_newer(0) == (2, "b")
    with trio.move_on_after(0.01) as scope:
        await view.wait_newer(2)
    assert scope.cancelled_caught


# -- drop-oldest ring ------------------------------------------------------------------------


async def test_ring_drops_oldest_and_counts_exactly() -> None:
    ring: DropOldestRing[int] = DropOldestRing("ble->sensor", capacity=4)
    for i in range(10):
        ring.put_nowait(i)
    assert ring.qsize == 4
    assert ring.take_dropped() == 6
    assert ring.take_dropped() == 0
    assert [await ring.receive() for _ in range(4)] == [6, 7, 8, 9]
    for i in range(10, 16):
        ring.put_nowait(i)
    assert ring.take_dropped() == 2
    assert ring.dropped_total == 8
    assert [ring.receive_nowait() for _ in range(4)] == [12, 13, 14, 15]
    with pytest.raises(trio.WouldBlock):
        ring.receive_nowait()


async def test_ring_filled_from_another_thread_never_blocks_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """A device thread hands items over with run_sync_soon; the ring absorbs bursts."""
    ring: DropOldestRing[int] = DropOldestRing("ble->sensor", capacity=16)
    token = trio.lowlevel.current_trio_token()

    def device_thread() -> None:
        for i in range(100):
            token.run_sync_soon(ring.put_nowait, i)

    await trio.to_thread.run_sync(device_thread)
    await trio.sleep(0.1)  # let the queued callbacks run
    got = [ring.receive_nowait() for _ in range(ring.qsize)]
    assert got == list(range(84, 100))
    assert ring.take_dropped() == 84


async def test_ring_receive_waits_for_an_item(autojump_clock: trio.testing.MockClock) -> None:
    ring: DropOldestRing[str] = DropOldestRing("r", capacity=2)
    got: list[str] = []

    async def reader() -> None:
        got.append(await ring.receive())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await trio.sleep(1.0)
        assert got == []
        ring.put_nowait("x")
    assert got == ["x"]
