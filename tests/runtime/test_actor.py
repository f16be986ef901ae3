"""The Actor shell: setup -> ready -> loop -> teardown, under a supervisor."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from engine.runtime import Actor, Restart, SupervisionLog, Supervisor
from tests.runtime.children import kinds_of


class Recorder(Actor):
    """Records its life cycle in ``trace``; its behaviour is set by the arguments."""

    def __init__(
        self,
        id: str,
        trace: list[str],
        *,
        setup_s: float = 0.0,
        fail_setup: bool = False,
        loop_s: float | None = None,
        teardown_s: float = 0.0,
    ) -> None:
        super().__init__(id)
        self.trace = trace
        self.setup_s = setup_s
        self.fail_setup = fail_setup
        self.loop_s = loop_s
        self.teardown_s = teardown_s

    async def setup(self) -> None:
        self.trace.append(f"{self.id}.setup")
        await trio.sleep(self.setup_s)
        if self.fail_setup:
            raise OSError(f"{self.id}: device busy")

    async def loop(self) -> None:
        self.trace.append(f"{self.id}.loop")
        if self.loop_s is None:
            await trio.sleep_forever()
        await trio.sleep(self.loop_s)

    async def teardown(self) -> None:
        self.trace.append(f"{self.id}.teardown")
        await trio.sleep(self.teardown_s)
        self.trace.append(f"{self.id}.released")


async def test_life_cycle_and_ordered_start(autojump_clock: trio.testing.MockClock) -> None:
    trace: list[str] = []
    first = Recorder("first", trace, setup_s=2.0)
    second = Recorder("second", trace)
    supervisor = Supervisor("s", [first.spec(), second.spec()])
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        assert trio.current_time() == pytest.approx(2.0)
        supervisor.request_stop()
    assert trace == [
        "first.setup",
        "first.loop",
        "second.setup",
        "second.loop",
        "second.teardown",
        "second.released",
        "first.teardown",
        "first.released",
    ]


async def test_teardown_is_shielded_but_bounded_by_the_shutdown_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    trace: list[str] = []
    quick = Recorder("quick", trace, teardown_s=1.0)
    slow = Recorder("slow", trace, teardown_s=100.0)
    slow.spec(shutdown_timeout_s=3.0)
    with trio.move_on_after(1.0):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(quick.run)
            nursery.start_soon(slow.run)
    assert "quick.released" in trace  # its teardown ran to the end despite the cancellation
    assert "slow.released" not in trace  # cut off at its timeout rather than hanging
    assert trio.current_time() == pytest.approx(1.0 + 0.9 * 3.0)


async def test_failed_setup_is_a_crash_without_teardown(
    autojump_clock: trio.testing.MockClock,
) -> None:
    trace: list[str] = []
    log = SupervisionLog()
    actor = Recorder("sensor", trace, fail_setup=True)
    supervisor = Supervisor("s", [actor.spec(restart=Restart.TEMPORARY)], events=log)
    await supervisor.run()
    assert trace == ["sensor.setup"]
    assert [e.reason for e in log.select("crashed")] == ["OSError: sensor: device busy"]


async def test_loop_returning_is_a_normal_exit(autojump_clock: trio.testing.MockClock) -> None:
    trace: list[str] = []
    log = SupervisionLog()
    actor = Recorder("replay", trace, loop_s=5.0)
    spec = actor.spec(restart=Restart.TRANSIENT, shutdown_timeout_s=2.0)
    assert (spec.id, spec.restart, spec.shutdown_timeout_s) == ("replay", Restart.TRANSIENT, 2.0)
    await Supervisor("s", [spec], events=log).run()
    assert trace == ["replay.setup", "replay.loop", "replay.teardown", "replay.released"]
    assert kinds_of(log, "exited") == ["replay"]
    assert trio.current_time() == pytest.approx(5.0)
