"""Supervisor semantics on Trio's MockClock: strategies, restart types, intensity, back-off,
ordered start, reverse-order stop, shutdown timeouts, nesting and the event stream."""

from __future__ import annotations

import itertools

import pytest
import trio
import trio.testing

from engine.errors import RestartIntensityError
from engine.runtime import (
    Backoff,
    ChildSpec,
    Restart,
    Strategy,
    SupervisionEvent,
    SupervisionLog,
    Supervisor,
)
from tests.runtime.children import Child, ChildFailure, kinds_of, started

NO_BACKOFF = Backoff(initial_s=0.0)


@pytest.mark.parametrize(
    ("strategy", "crashing", "stopped", "restarted"),
    [
        (Strategy.ONE_FOR_ONE, "b", [], ["b"]),
        (Strategy.ONE_FOR_ONE, "a", [], ["a"]),
        (Strategy.ONE_FOR_ALL, "b", ["c", "a"], ["a", "b", "c"]),
        (Strategy.ONE_FOR_ALL, "c", ["b", "a"], ["a", "b", "c"]),
        (Strategy.REST_FOR_ONE, "a", ["c", "b"], ["a", "b", "c"]),
        (Strategy.REST_FOR_ONE, "b", ["c"], ["b", "c"]),
        (Strategy.REST_FOR_ONE, "c", [], ["c"]),
    ],
)
async def test_strategy_restarts_exactly_the_right_children(
    autojump_clock: trio.testing.MockClock,
    strategy: Strategy,
    crashing: str,
    stopped: list[str],
    restarted: list[str],
) -> None:
    log = SupervisionLog()
    children = {name: Child(name) for name in ("a", "b", "c")}
    supervisor = Supervisor(
        "s",
        [c.spec() for c in children.values()],
        strategy=strategy,
        backoff=NO_BACKOFF,
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(1.0)
        children[crashing].crash()
        await trio.sleep(1.0)
        assert kinds_of(log, "crashed") == [crashing]
        assert kinds_of(log, "stopped") == stopped
        assert {e.reason for e in log.select("stopped")} <= {f"restart of {crashing!r}"}
        assert kinds_of(log, "restarted") == restarted
        assert {name: c.starts for name, c in children.items()} == {
            name: 1 + (name in restarted) for name in children
        }
        supervisor.request_stop()
    assert kinds_of(log, "stopped")[len(stopped) :] == ["c", "b", "a"]


@pytest.mark.parametrize(
    ("restart", "how", "restarted"),
    [
        (Restart.PERMANENT, "finish", True),
        (Restart.PERMANENT, "crash", True),
        (Restart.TRANSIENT, "finish", False),
        (Restart.TRANSIENT, "crash", True),
        (Restart.TEMPORARY, "finish", False),
        (Restart.TEMPORARY, "crash", False),
    ],
)
async def test_restart_types(
    autojump_clock: trio.testing.MockClock, restart: Restart, how: str, restarted: bool
) -> None:
    log = SupervisionLog()
    keeper = Child("keeper")
    child = Child("child", restart=restart)
    supervisor = Supervisor("s", [keeper.spec(), child.spec()], backoff=NO_BACKOFF, events=log)
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        getattr(child, how)()
        await trio.sleep(1.0)
        assert kinds_of(log, "crashed" if how == "crash" else "exited") == ["child"]
        assert kinds_of(log, "restarted") == (["child"] if restarted else [])
        assert child.starts == 1 + restarted
        supervisor.request_stop()


async def test_temporary_sibling_is_stopped_but_not_restarted_by_a_group_restart(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    a, b, c = Child("a"), Child("b", restart=Restart.TEMPORARY), Child("c")
    supervisor = Supervisor(
        "s",
        [a.spec(), b.spec(), c.spec()],
        strategy=Strategy.ONE_FOR_ALL,
        backoff=NO_BACKOFF,
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        a.crash()
        await trio.sleep(1.0)
        assert kinds_of(log, "stopped") == ["c", "b"]
        assert kinds_of(log, "restarted") == ["a", "c"]
        supervisor.request_stop()


async def test_run_returns_once_every_child_has_ended_for_good(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    a = Child("a", restart=Restart.TRANSIENT)
    b = Child("b", restart=Restart.TEMPORARY)
    supervisor = Supervisor("s", [a.spec(), b.spec()], events=log)
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(1.0)
        a.finish()
        await trio.sleep(1.0)
        b.crash()
    assert trio.current_time() == pytest.approx(2.0)
    assert [(e.child_id, e.kind) for e in log] == [
        ("a", "started"),
        ("b", "started"),
        ("a", "exited"),
        ("b", "crashed"),
    ]


async def test_more_than_max_restarts_within_period_escalates_naming_the_child(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    steady = Child("recorder")
    # Ready at 0; crashes 0, 3, 6 and 7 s later by the clock: with at most 2 restarts per 5 s,
    # the restarts at 3 and 6 fit the sliding window (the one at 0 has left it by 6), and
    # the crash at 7 is the third within 5 s.
    flaky = Child("sensor", crash_after_s=[0.0, 3.0, 3.0, 1.0])
    supervisor = Supervisor(
        "session",
        [steady.spec(), flaky.spec()],
        max_restarts=2,
        period_s=5.0,
        backoff=NO_BACKOFF,
        events=log,
    )
    with pytest.raises(RestartIntensityError) as excinfo:
        await supervisor.run()
    error = excinfo.value
    assert error.child_id == "sensor"
    assert isinstance(error.__cause__, ChildFailure)
    assert "sensor" in str(error)
    assert "crashed on schedule" in str(error)
    assert trio.current_time() == pytest.approx(7.0)
    assert [e.t_s for e in log.select("crashed")] == pytest.approx([0.0, 3.0, 6.0, 7.0])
    assert kinds_of(log, "gave_up") == ["sensor"]
    # Everything else was stopped on the way up.
    assert [(e.child_id, e.reason) for e in log.select("stopped")] == [
        ("recorder", "supervisor gave up")
    ]
    assert "3 restarts within 5.0 s" in log.select("gave_up")[0].reason
    assert log.select("gave_up")[0].supervisor_id == "session"


async def test_max_restarts_zero_gives_up_on_first_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    supervisor = Supervisor("s", [Child("x", crash_after_s=[1.0]).spec()], max_restarts=0)
    with pytest.raises(RestartIntensityError) as excinfo:
        await supervisor.run()
    assert excinfo.value.child_id == "x"


def test_backoff_delays() -> None:
    backoff = Backoff(initial_s=0.5, factor=2.0, max_s=3.0)
    assert [backoff.delay_s(k) for k in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.delay_s(10_000) == 3.0
    assert Backoff(initial_s=0.2, factor=1.0).delay_s(50) == 0.2
    with pytest.raises(ValueError, match="factor"):
        Backoff(factor=0.5)


async def test_backoff_delays_are_honoured_and_reset_after_a_healthy_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    # Crashes at once four times, then runs healthy for 60 s, then crashes at once again.
    child = Child("sensor", crash_after_s=[0.0, 0.0, 0.0, 0.0, 60.0, 0.0])
    supervisor = Supervisor(
        "sensors",
        [child.spec()],
        max_restarts=100,
        backoff=Backoff(initial_s=1.0, factor=2.0, max_s=3.0, reset_after_s=30.0),
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(100.0)
        supervisor.request_stop()
    # Delays 1, 2, 3 (capped), 3; after the healthy minute the count restarts: 1 s, then 2 s.
    assert child.ready_at_s == pytest.approx([0.0, 1.0, 3.0, 6.0, 9.0, 70.0, 72.0])
    assert [e.t_s for e in log.select("crashed")] == pytest.approx([0, 1, 3, 6, 69, 70])
    assert [e.t_s for e in log.select("restarted")] == pytest.approx(child.ready_at_s[1:])


async def test_ordered_start_waits_for_each_ready_handshake(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    children = [Child(name, ready_after_s=delay) for name, delay in [("a", 2), ("b", 0), ("c", 5)]]
    supervisor = Supervisor("s", [c.spec() for c in children], events=log)
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        assert trio.current_time() == pytest.approx(7.0)  # ready only once all are
        for earlier, later in itertools.pairwise(children):
            assert later.entered_at_s[0] >= earlier.ready_at_s[0]
        assert [c.entered_at_s[0] for c in children] == pytest.approx([0.0, 2.0, 2.0])
        assert kinds_of(log, "started") == ["a", "b", "c"]
        supervisor.request_stop()


async def test_child_failing_before_ready_is_retried_before_the_next_starts(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    attempts: list[float] = []

    async def flaky_setup(*, task_status: trio.TaskStatus[None]) -> None:
        attempts.append(trio.current_time())
        if len(attempts) < 3:
            raise ChildFailure("device not found")
        task_status.started()
        await trio.sleep_forever()

    after = Child("after")
    supervisor = Supervisor(
        "s",
        [ChildSpec("flaky", flaky_setup), after.spec()],
        backoff=Backoff(initial_s=1.0, factor=2.0),
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        assert attempts == pytest.approx([0.0, 1.0, 3.0])
        assert after.entered_at_s == pytest.approx([3.0])
        assert [(e.child_id, e.kind) for e in log] == [
            ("flaky", "crashed"),
            ("flaky", "crashed"),
            ("flaky", "started"),
            ("after", "started"),
        ]
        supervisor.request_stop()


async def test_child_ignoring_cancellation_is_reported_and_the_stop_moves_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()

    async def deaf_to_cancel(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                await trio.sleep(10.0)  # ignores its 1 s shutdown timeout

    supervisor = Supervisor(
        "s",
        [
            Child("a").spec(),
            ChildSpec("deaf_to_cancel", deaf_to_cancel, shutdown_timeout_s=1.0),
            Child("c").spec(),
        ],
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(1.0)
        supervisor.request_stop()
    tail = log.events[3:]
    assert [(e.child_id, e.kind) for e in tail] == [
        ("c", "stopped"),
        ("deaf_to_cancel", "stop_timeout"),
        ("a", "stopped"),  # not held up by the straggler
        ("deaf_to_cancel", "stopped"),
    ]
    assert [e.t_s for e in tail] == pytest.approx([1.0, 2.0, 2.0, 11.0])
    assert trio.current_time() == pytest.approx(11.0)
    assert "1.0 s" in log.select("stop_timeout")[0].reason
    assert "after its shutdown timeout" in log.select("stopped", "deaf_to_cancel")[0].reason


def test_stop_order_is_reverse_start_order_across_50_runs() -> None:
    """Each run is a fresh Trio run (Trio randomises its scheduling run to run) with children
    whose shutdowns take different times and checkpoint differently."""
    names = [f"child{i}" for i in range(6)]
    orders: set[tuple[str, ...]] = set()

    def make(name: str, linger_s: float) -> ChildSpec:
        async def start(*, task_status: trio.TaskStatus[None]) -> None:
            task_status.started()
            try:
                await trio.sleep_forever()
            finally:
                with trio.CancelScope(shield=True):
                    for _ in range(3):
                        await trio.sleep(linger_s)

        return ChildSpec(name, start, shutdown_timeout_s=5.0)

    for run in range(50):
        log = SupervisionLog()
        lingers = [((run * 7 + i * 3) % 5) * 0.1 for i in range(6)]
        supervisor = Supervisor(
            "s", [make(n, s) for n, s in zip(names, lingers, strict=True)], events=log
        )

        async def main(supervisor: Supervisor = supervisor) -> None:
            async with trio.open_nursery() as nursery:
                await nursery.start(supervisor.run)
                nursery.cancel_scope.cancel()

        trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
        orders.add(tuple(kinds_of(log, "stopped")))
    assert orders == {tuple(reversed(names))}


async def test_cancelling_the_supervisor_stops_children_in_reverse_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    supervisor = Supervisor("s", [Child(n).spec() for n in "abc"], events=log)
    with trio.move_on_after(5.0):
        await supervisor.run()
    assert kinds_of(log, "stopped") == ["c", "b", "a"]


async def test_nested_supervisors(autojump_clock: trio.testing.MockClock) -> None:
    log = SupervisionLog()
    recorder, render = Child("recorder"), Child("render")
    ble = Child("ble", restart=Restart.TRANSIENT, crash_after_s=[1.0, 1.0, 1.0])
    sim = Child("sim", restart=Restart.TRANSIENT)
    sensors = Supervisor(
        "sensors",
        [ble.spec(), sim.spec()],
        max_restarts=2,
        period_s=10.0,
        backoff=NO_BACKOFF,
        events=log,
    )
    session = Supervisor(
        "session",
        [recorder.spec(), sensors.as_child(), render.spec()],
        strategy=Strategy.REST_FOR_ONE,
        backoff=NO_BACKOFF,
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, session)
        assert kinds_of(log, "started") == ["recorder", "ble", "sim", "sensors", "render"]
        await trio.sleep(2.5)
        # Two ble crashes stay inside the sensors supervisor.
        assert [(e.supervisor_id, e.child_id) for e in log.select("restarted")] == [
            ("sensors", "ble"),
            ("sensors", "ble"),
        ]
        await trio.sleep(1.0)
        # The third exceeds its intensity: sensors gives up, and session (rest_for_one)
        # restarts sensors and render, not the recorder.
        gave_up = log.select("gave_up")
        assert [(e.supervisor_id, e.child_id) for e in gave_up] == [("sensors", "ble")]
        crashed = log.select("crashed", "sensors")
        assert [e.supervisor_id for e in crashed] == ["session"]
        assert "RestartIntensityError" in crashed[0].reason
        assert (recorder.starts, render.starts, sim.starts) == (1, 2, 2)
        mark = len(log)
        session.request_stop()
    assert [e.child_id for e in log.events[mark:] if e.kind == "stopped"] == [
        "render",
        "sim",
        "ble",
        "sensors",
        "recorder",
    ]


async def test_event_stream_reaches_subscribers_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    heard: list[SupervisionEvent] = []
    log.subscribe(heard.append)
    a, b = Child("a"), Child("b")
    supervisor = Supervisor("s", [a.spec(), b.spec()], backoff=Backoff(initial_s=0.5), events=log)
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(1.0)
        b.crash()
        await trio.sleep(1.0)
        supervisor.request_stop()
    assert heard == list(log)
    assert {e.reason for e in log.select("stopped")} == {"supervisor stopping"}
    assert [(e.t_s, e.supervisor_id, e.child_id, e.kind) for e in heard] == [
        (0.0, "s", "a", "started"),
        (0.0, "s", "b", "started"),
        (1.0, "s", "b", "crashed"),
        (1.5, "s", "b", "restarted"),
        (2.0, "s", "b", "stopped"),
        (2.0, "s", "a", "stopped"),
    ]
    assert log.select("crashed")[0].reason == "ChildFailure: b was told to crash"
    assert str(log.select("crashed")[0]) == (
        "[1.000000] s/b crashed: ChildFailure: b was told to crash"
    )


async def test_a_supervisor_can_run_again_after_it_ended(
    autojump_clock: trio.testing.MockClock,
) -> None:
    child = Child("x", restart=Restart.TRANSIENT)
    supervisor = Supervisor("s", [child.spec()])
    for _ in range(2):
        async with trio.open_nursery() as nursery:
            await started(nursery, supervisor)
            child.finish()
    assert child.starts == 2


def test_duplicate_child_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Supervisor("s", [Child("x").spec(), Child("x").spec()])


async def test_siblings_dying_together_cause_one_group_restart(
    autojump_clock: trio.testing.MockClock,
) -> None:
    log = SupervisionLog()
    a, b, c = Child("a", crash_after_s=[1.0]), Child("b", crash_after_s=[1.0]), Child("c")
    supervisor = Supervisor(
        "s",
        [a.spec(), b.spec(), c.spec()],
        strategy=Strategy.ONE_FOR_ALL,
        max_restarts=1,
        backoff=NO_BACKOFF,
        events=log,
    )
    async with trio.open_nursery() as nursery:
        await started(nursery, supervisor)
        await trio.sleep(2.0)
        assert sorted(kinds_of(log, "crashed")) == ["a", "b"]
        # Within one restart budget: the second death is absorbed by the first group restart.
        assert kinds_of(log, "stopped") == ["c"]
        assert kinds_of(log, "restarted") == ["a", "b", "c"]
        supervisor.request_stop()
