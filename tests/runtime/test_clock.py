"""TrioSessionClock reads Trio's clock, so MockClock drives session time exactly."""

from __future__ import annotations

import trio
import trio.testing

from engine.clock import SessionClock
from engine.runtime import TrioSessionClock


async def test_counts_ns_from_construction(autojump_clock: trio.testing.MockClock) -> None:
    await trio.sleep(3.25)
    clock: SessionClock = TrioSessionClock()
    assert clock.now_ns() == 0
    await trio.sleep(1.5)
    assert clock.now_ns() == 1_500_000_000


async def test_explicit_origin(mock_clock: trio.testing.MockClock) -> None:
    origin_s = trio.current_time()
    mock_clock.jump(2.0)
    clock = TrioSessionClock(origin_s=origin_s)
    assert clock.origin_s == origin_s
    assert clock.now_ns() == 2_000_000_000
    mock_clock.jump(0.4e-9)
    assert clock.now_ns() == 2_000_000_000  # rounds to the nearest ns
