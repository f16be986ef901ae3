"""Channel policies under arbitrary capacities and timings (hypothesis, on MockClock)."""

from __future__ import annotations

from collections import deque

import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.runtime import DropOldestRing, LosslessChannel

delays_s = st.lists(st.sampled_from([0.0, 0.0, 0.001, 0.01, 0.5]), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None)
@given(capacity=st.integers(1, 8), produce=delays_s, consume=delays_s)
def test_lossless_delivers_every_item_in_order(
    capacity: int, produce: list[float], consume: list[float]
) -> None:
    channel: LosslessChannel[int] = LosslessChannel("p", capacity)
    received: list[int] = []

    async def main() -> None:
        async def producer() -> None:
            for i, delay_s in enumerate(produce):
                await channel.send(i)
                await trio.sleep(delay_s)
            channel.close()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(producer)
            async for item in channel:
                received.append(item)
                await trio.sleep(consume[item % len(consume)])

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert received == list(range(len(produce)))
    assert channel.high_water <= capacity


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 6), ops=st.lists(st.booleans(), max_size=80))
def test_ring_matches_a_drop_oldest_model(capacity: int, ops: list[bool]) -> None:
    """``True`` puts the next number, ``False`` takes one if any; counts must match exactly."""
    ring: DropOldestRing[int] = DropOldestRing("r", capacity)
    model: deque[int] = deque()
    dropped = 0
    taken: list[int] = []
    for n, put in enumerate(ops):
        if put:
            if len(model) == capacity:
                model.popleft()
                dropped += 1
            model.append(n)
            ring.put_nowait(n)
        elif model:
            expected = model.popleft()
            taken.append(ring.receive_nowait())
            assert taken[-1] == expected
        assert ring.qsize == len(model)
    assert ring.take_dropped() == dropped == ring.dropped_total
    assert len(taken) + dropped + ring.qsize == sum(ops)
