"""Scriptable supervised children for the runtime tests."""

from __future__ import annotations

from collections.abc import Sequence

import trio

from engine.runtime import ChildSpec, Restart, SupervisionLog, Supervisor


class ChildFailure(Exception):
    """The error a scripted child raises when told to crash."""


class Child:
    """A child that becomes ready after ``ready_after_s`` and then waits for orders.

    ``crash_after_s`` scripts its incarnations in turn: incarnation k crashes that many seconds
    after it is ready; once the list is used up it runs until told otherwise (:meth:`crash`,
    :meth:`finish`) or cancelled.
    """

    def __init__(
        self,
        id: str,
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown_timeout_s: float = 1.0,
        ready_after_s: float = 0.0,
        crash_after_s: Sequence[float] = (),
    ) -> None:
        self.id = id
        self.restart = restart
        self.shutdown_timeout_s = shutdown_timeout_s
        self.ready_after_s = ready_after_s
        self.crash_after_s = list(crash_after_s)
        self.entered_at_s: list[float] = []
        self.ready_at_s: list[float] = []
        self._order: trio.Event | None = None
        self._crash = False

    @property
    def starts(self) -> int:
        return len(self.entered_at_s)

    def spec(self) -> ChildSpec:
        return ChildSpec(self.id, self.run, self.restart, self.shutdown_timeout_s)

    def crash(self) -> None:
        assert self._order is not None, f"{self.id} is not running"
        self._crash = True
        self._order.set()

    def finish(self) -> None:
        assert self._order is not None, f"{self.id} is not running"
        self._crash = False
        self._order.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.entered_at_s.append(trio.current_time())
        self._order = order = trio.Event()
        await trio.sleep(self.ready_after_s)
        self.ready_at_s.append(trio.current_time())
        task_status.started()
        if self.crash_after_s:
            await trio.sleep(self.crash_after_s.pop(0))
            raise ChildFailure(f"{self.id} crashed on schedule")
        await order.wait()
        if self._crash:
            raise ChildFailure(f"{self.id} was told to crash")


def kinds_of(log: SupervisionLog, kind: str) -> list[str]:
    """Child ids of the events of one kind, in order."""
    return [event.child_id for event in log if event.kind == kind]


async def started(nursery: trio.Nursery, supervisor: Supervisor) -> Supervisor:
    """Start ``supervisor`` in ``nursery`` and return once all its children are ready."""
    await nursery.start(supervisor.run)
    return supervisor
