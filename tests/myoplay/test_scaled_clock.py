"""The clock ``myoplay play --speed`` runs a simulated session on: Trio time at a multiple of
real time. Real sleeps, bounds loose enough for a busy machine."""

from __future__ import annotations

import time

import pytest
import trio

from engine.errors import ConfigError
from myoplay.scaled_clock import ScaledClock


def test_a_trio_second_takes_a_twentieth_of_a_real_second() -> None:
    async def sleep_one_trio_second() -> tuple[float, float]:
        start = trio.current_time()
        await trio.sleep(1.0)
        return start, trio.current_time()

    real_start = time.perf_counter()
    start, end = trio.run(sleep_one_trio_second, clock=ScaledClock(20.0))
    real = time.perf_counter() - real_start
    assert 1 / 40 <= real < 0.5
    assert end - start >= 1.0
    assert start < 0.5, "Trio time starts at 0 when the run begins"


def test_trio_time_runs_at_the_speed_between_samples() -> None:
    clock = ScaledClock(10.0)
    clock.start_clock()
    real_start = time.perf_counter()
    first = clock.current_time()
    time.sleep(0.05)
    trio_elapsed = clock.current_time() - first
    real_elapsed = time.perf_counter() - real_start
    assert 10.0 * 0.05 <= trio_elapsed <= 10.0 * real_elapsed + 1e-6


def test_deadlines_become_real_waits_divided_by_the_speed() -> None:
    clock = ScaledClock(4.0)
    clock.start_clock()
    now = clock.current_time()
    assert clock.deadline_to_sleep_time(now + 8.0) <= 2.0
    assert clock.deadline_to_sleep_time(now + 8.0) > 1.5
    assert clock.deadline_to_sleep_time(now - 1.0) == 0.0
    assert clock.deadline_to_sleep_time(float("inf")) == float("inf")


@pytest.mark.parametrize("speed", [0.0, -2.0, float("nan")])
def test_a_speed_that_is_not_positive_is_a_config_error(speed: float) -> None:
    with pytest.raises(ConfigError, match="speed must be positive"):
        ScaledClock(speed)
