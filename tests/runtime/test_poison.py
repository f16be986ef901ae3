"""The poison-input rule and re-attachment, with real actors under a real Supervisor."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from engine.runtime import (
    Actor,
    Backoff,
    LosslessChannel,
    PoisonedInput,
    Restart,
    Strategy,
    SupervisionLog,
    Supervisor,
)
from tests.runtime.children import Child, kinds_of


class Producer(Actor):
    """Sends ``items`` with back-pressure, ``pace_s`` apart, then ends normally."""

    def __init__(self, outbox: LosslessChannel[str], items: list[str], pace_s: float) -> None:
        super().__init__("producer")
        self.outbox = outbox
        self.items = items
        self.pace_s = pace_s

    async def loop(self) -> None:
        for item in self.items:
            await self.outbox.send(item)
            await trio.sleep(self.pace_s)


class Consumer(Actor):
    """Processes its inbox; crashes on any item in ``crash_on`` while that set says so."""

    def __init__(
        self, inbox: LosslessChannel[str], crash_on: dict[str, int], work_s: float = 0.1
    ) -> None:
        super().__init__("consumer")
        self.inbox = inbox
        self.crash_on = crash_on  # item -> how many more times it crashes the consumer
        self.work_s = work_s
        self.processed: list[str] = []

    async def loop(self) -> None:
        async for item in self.inbox:
            await trio.sleep(self.work_s)
            if self.crash_on.get(item, 0) > 0:
                self.crash_on[item] -= 1
                raise ValueError(f"cannot process {item!r}")
            self.processed.append(item)


def pipeline(
    inbox: LosslessChannel[str], items: list[str], crash_on: dict[str, int], log: SupervisionLog
) -> tuple[Supervisor, Consumer]:
    consumer = Consumer(inbox, crash_on)
    producer = Producer(inbox, items, pace_s=0.05)
    supervisor = Supervisor(
        "pipeline",
        [consumer.spec(), producer.spec(restart=Restart.TRANSIENT)],
        max_restarts=3,
        period_s=10.0,
        backoff=Backoff(initial_s=0.5),
        events=log,
    )
    return supervisor, consumer


async def test_input_that_crashes_its_consumer_twice_is_skipped_and_reported(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    poisoned: list[PoisonedInput[str]] = []
    inbox: LosslessChannel[str] = LosslessChannel("sensor->dsp", 8, on_poison=poisoned.append)
    items = [f"frame{i}" for i in range(30)]
    items.insert(12, "garbled")
    supervisor, consumer = pipeline(inbox, items, {"garbled": 1_000}, log)
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        await trio.sleep(30.0)
        supervisor.request_stop()

    assert consumer.processed == [item for item in items if item != "garbled"]
    assert kinds_of(log, "crashed") == ["consumer", "consumer"]
    assert kinds_of(log, "restarted") == ["consumer", "consumer"]
    assert kinds_of(log, "gave_up") == []
    assert kinds_of(log, "exited") == ["producer"]  # the producer never noticed
    [report] = log.select("poisoned")
    assert report.child_id == "consumer"
    assert "'sensor->dsp'" in report.reason
    assert "'garbled'" in report.reason
    assert inbox.poisoned_total == 1
    assert [(p.channel, p.item, p.crashes) for p in poisoned] == [("sensor->dsp", "garbled", 2)]


async def test_restarted_consumer_reattaches_and_loses_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    inbox: LosslessChannel[str] = LosslessChannel("dsp->rules", 4)
    items = [f"block{i}" for i in range(40)]
    # Crashes once on two different items: each is delivered again to the restarted actor.
    supervisor, consumer = pipeline(inbox, items, {"block7": 1, "block20": 1}, log)
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        await trio.sleep(30.0)
        assert not inbox.closed
        supervisor.request_stop()
    assert consumer.processed == items  # in order, nothing lost, nothing twice
    assert kinds_of(log, "crashed") == ["consumer", "consumer"]
    assert kinds_of(log, "poisoned") == []
    assert kinds_of(log, "exited") == ["producer"]


async def test_item_interrupted_by_a_sibling_restart_is_redelivered_not_poisoned(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Being cancelled mid-item (a one_for_all restart) is not a crash of that item."""
    log = SupervisionLog()
    inbox: LosslessChannel[str] = LosslessChannel("in", 4)
    consumer = Consumer(inbox, {}, work_s=10.0)
    sibling = Child("sibling", crash_after_s=[1.0, 1.0, 1.0])
    supervisor = Supervisor(
        "s",
        [consumer.spec(), sibling.spec()],
        strategy=Strategy.ONE_FOR_ALL,
        backoff=Backoff(initial_s=0.0),
        events=log,
    )
    await inbox.send("slow")
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        await trio.sleep(20.0)
        supervisor.request_stop()
    assert kinds_of(log, "crashed") == ["sibling"] * 3
    assert consumer.processed == ["slow"]
    assert inbox.poisoned_total == 0
    assert kinds_of(log, "poisoned") == []


@pytest.mark.parametrize("capacity", [1, 3])
async def test_consumer_crash_mid_item_does_not_lose_queued_items(
    autojump_clock: trio.testing.MockClock, capacity: int
) -> None:
    log = SupervisionLog()
    inbox: LosslessChannel[str] = LosslessChannel("q", capacity)
    items = ["a", "b", "c", "d", "e"]
    supervisor, consumer = pipeline(inbox, items, {"b": 1, "d": 2}, log)
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        await trio.sleep(10.0)
        supervisor.request_stop()
    assert consumer.processed == ["a", "b", "c", "e"]
    assert inbox.poisoned_total == 1
