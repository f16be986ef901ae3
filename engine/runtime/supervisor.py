"""Supervision trees with Erlang/OTP semantics on Trio.

A Trio nursery has one policy: any failure cancels everything. A biofeedback session needs more
(a crashed renderer must not stop the recording; a dropped sensor reconnects while the game
waits), so a :class:`Supervisor` runs its children in a nursery but catches their failures and
applies an OTP restart strategy instead.

How it maps onto Trio:

- each child runs in its own cancel scope, shielded once the child is ready, so a cancellation of
  the supervisor does not hit all children at once; the supervisor cancels them one by one in
  reverse start order and waits up to each child's shutdown timeout;
- Trio cannot kill a task: a child still running after its timeout is reported ("stop_timeout")
  and the supervisor moves on to the next child (its nursery still waits for the straggler);
- back-off delays and the restart-intensity window use Trio's clock, so MockClock tests cover
  them exactly.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import trio

from engine.errors import RestartIntensityError
from engine.runtime.events import EventKind, SupervisionEvent, SupervisionLog
from engine.runtime.incarnation import Incarnation, enter_incarnation
from engine.runtime.restart_policy import Backoff, RestartIntensity


class Restart(enum.Enum):
    """When a child that ended is started again."""

    PERMANENT = "permanent"  # always
    TRANSIENT = "transient"  # only after an abnormal exit (an exception)
    TEMPORARY = "temporary"  # never


class Strategy(enum.Enum):
    """Which children restart when one of them has to."""

    ONE_FOR_ONE = "one_for_one"  # only that child
    ONE_FOR_ALL = "one_for_all"  # every running child
    REST_FOR_ONE = "rest_for_one"  # that child and every running child started after it


class StartFn(Protocol):
    """A child's entry point: call ``task_status.started()`` when ready, then run until done."""

    def __call__(self, *, task_status: trio.TaskStatus[None]) -> Awaitable[None]: ...


@dataclass(frozen=True)
class ChildSpec:
    """How to run one child: its ``id``, entry point, restart type and shutdown timeout."""

    id: str
    start: StartFn
    restart: Restart = Restart.PERMANENT
    shutdown_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not self.shutdown_timeout_s > 0:
            raise ValueError(f"child {self.id!r}: shutdown_timeout_s must be > 0")


class _State(enum.Enum):
    IDLE = "idle"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    ENDED = "ended"


@dataclass(eq=False)
class _Slot:
    """A child's place in the supervisor: the spec plus the state of its current run."""

    spec: ChildSpec
    index: int
    state: _State = _State.IDLE
    generation: int = 0
    ever_ready: bool = False
    ready_at_s: float = 0.0
    consecutive_restarts: int = 0
    overdue: bool = False
    pending_exit: _Exit | None = None
    stop_reason: str = ""
    scope: trio.CancelScope | None = None
    done: trio.Event | None = None
    early_exit: _Exit | None = None


@dataclass(frozen=True)
class _Exit:
    """A run that ended on its own (not stopped by the supervisor)."""

    slot: _Slot
    error: Exception | None


class _GiveUp(Exception):
    def __init__(self, slot: _Slot, cause: Exception | None, restarts: int) -> None:
        super().__init__(slot.spec.id)
        self.slot = slot
        self.cause = cause
        self.restarts = restarts


def _describe(error: BaseException | None) -> str:
    """One line for how a child ended. A child with a nursery of its own fails with an
    exception group; what matters is the error inside, so groups are described by their
    leaves."""
    if error is None:
        return "exited normally"
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(_describe(leaf) for leaf in error.exceptions)
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _restarts(count: int) -> str:
    return f"{count} restart" if count == 1 else f"{count} restarts"


def _restart_due(restart: Restart, error: Exception | None) -> bool:
    if restart is Restart.PERMANENT:
        return True
    if restart is Restart.TRANSIENT:
        return error is not None
    return False


class _Ready:
    """The ``task_status`` a child sees: marks it ready, shields it, then passes the signal on."""

    def __init__(self, supervisor: Supervisor, slot: _Slot, outer: trio.TaskStatus[None]) -> None:
        self._supervisor = supervisor
        self._slot = slot
        self._outer = outer
        self.called = False

    def started(self, value: None = None) -> None:
        if self.called:
            raise RuntimeError(f"child {self._slot.spec.id!r} called task_status.started() twice")
        self.called = True
        slot = self._slot
        assert slot.scope is not None
        # From now on only the supervisor cancels this child, one child at a time.
        slot.scope.shield = True
        slot.state = _State.RUNNING
        slot.ready_at_s = trio.current_time()
        self._supervisor._emit(slot, "restarted" if slot.ever_ready else "started")
        slot.ever_ready = True
        self._outer.started()


async def _stop_in_reverse(
    slots: Sequence[_Slot], reason: str, emit: Callable[[_Slot, EventKind, str], None]
) -> None:
    """Stop ``slots`` one by one in reverse start order, each within its timeout."""
    for slot in sorted(slots, key=lambda s: s.index, reverse=True):
        if slot.state not in (_State.STARTING, _State.RUNNING, _State.STOPPING):
            continue
        if slot.overdue:
            continue
        assert slot.scope is not None
        assert slot.done is not None
        slot.state = _State.STOPPING
        slot.stop_reason = reason
        slot.scope.cancel()
        with trio.move_on_after(slot.spec.shutdown_timeout_s):
            await slot.done.wait()
        if not slot.done.is_set():
            slot.overdue = True
            emit(
                slot,
                "stop_timeout",
                f"still running {slot.spec.shutdown_timeout_s} s after it was cancelled "
                f"({reason}); moving on, Trio cannot kill it",
            )


class Supervisor:
    """Runs ``children`` in order and keeps them running under an OTP restart ``strategy``.

    More than ``max_restarts`` restarts within ``period_s`` (a sliding window on Trio's clock)
    stops every child and raises :class:`RestartIntensityError` naming the child whose failure
    tipped it, chained to that failure. Every step is recorded in ``events``.
    """

    def __init__(
        self,
        id: str,
        children: Sequence[ChildSpec],
        *,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        max_restarts: int = 3,
        period_s: float = 5.0,
        backoff: Backoff | None = None,
        events: SupervisionLog | None = None,
    ) -> None:
        ids = [child.id for child in children]
        duplicated = sorted({child_id for child_id in ids if ids.count(child_id) > 1})
        if duplicated:
            raise ValueError(f"supervisor {id!r}: duplicate child ids {duplicated}")
        if max_restarts < 0 or not period_s > 0:
            raise ValueError(f"supervisor {id!r}: need max_restarts >= 0 and period_s > 0")
        self._intensity = RestartIntensity(max_restarts, period_s)
        self.id = id
        self.children: tuple[ChildSpec, ...] = tuple(children)
        self.strategy = strategy
        self.backoff = backoff if backoff is not None else Backoff()
        self.events = events if events is not None else SupervisionLog()
        self._slots: list[_Slot] = []
        self._nursery: trio.Nursery | None = None
        self._supervise_scope: trio.CancelScope | None = None
        self._stop_requested = False
        self._running = False
        self._exits_send, self._exits_receive = trio.open_memory_channel[_Exit](math.inf)

    def __repr__(self) -> str:
        return f"Supervisor({self.id!r}, {self.strategy.value}, {len(self.children)} children)"

    def as_child(
        self, restart: Restart = Restart.PERMANENT, shutdown_timeout_s: float | None = None
    ) -> ChildSpec:
        """This supervisor as a child of another. The default shutdown timeout is the sum of
        its children's, since it stops them one after the other."""
        if shutdown_timeout_s is None:
            shutdown_timeout_s = sum(child.shutdown_timeout_s for child in self.children) or 1.0
        return ChildSpec(self.id, self.run, restart, shutdown_timeout_s)

    def request_stop(self) -> None:
        """Stop every child (reverse start order) and make :meth:`run` return normally."""
        self._stop_requested = True
        if self._supervise_scope is not None:
            self._supervise_scope.cancel()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Start the children in order (each ready before the next), report ready, supervise.

        Returns when every child has ended with none due a restart, or after
        :meth:`request_stop`. On cancellation, stop request or giving up, the children are
        stopped in reverse start order, each within its shutdown timeout.
        """
        if self._running:
            raise RuntimeError(f"supervisor {self.id!r} is already running")
        self._running = True
        self._slots = [_Slot(spec, index) for index, spec in enumerate(self.children)]
        self._intensity.clear()
        # A fresh queue per run: exits left over from an earlier run must not leak into this one.
        self._exits_send, self._exits_receive = trio.open_memory_channel[_Exit](math.inf)
        gave_up: _GiveUp | None = None
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                try:
                    with trio.CancelScope() as self._supervise_scope:
                        if self._stop_requested:
                            self._supervise_scope.cancel()
                        await self._supervise(task_status)
                except _GiveUp as give_up:
                    gave_up = give_up
                    self._emit(
                        give_up.slot,
                        "gave_up",
                        f"{_restarts(give_up.restarts)} within {self._intensity.period_s} s "
                        f"(more than {self._intensity.max_restarts}); last cause: "
                        f"{_describe(give_up.cause)}",
                    )
                finally:
                    reason = "supervisor gave up" if gave_up else "supervisor stopping"
                    with trio.CancelScope(shield=True):
                        await _stop_in_reverse(self._slots, reason, self._emit)
        finally:
            self._running = False
            self._nursery = None
            self._supervise_scope = None
            self._stop_requested = False
        if gave_up is not None:
            child_id = gave_up.slot.spec.id
            raise RestartIntensityError(
                f"supervisor {self.id!r} gave up: child {child_id!r} needed "
                f"{_restarts(gave_up.restarts)} within {self._intensity.period_s} s, more than "
                f"the {self._intensity.max_restarts} allowed; last cause: "
                f"{_describe(gave_up.cause)}",
                child_id=child_id,
                hint="see the log for the child's errors; the failure repeats, so restarting "
                "will not fix it",
            ) from gave_up.cause

    async def _supervise(self, task_status: trio.TaskStatus[None]) -> None:
        for slot in self._slots:
            await self._start(slot)
        task_status.started()
        while any(
            slot.pending_exit is not None or slot.state is _State.RUNNING for slot in self._slots
        ):
            ended = await self._exits_receive.receive()
            # An exit already handled as part of a group restart has gone stale.
            if ended is ended.slot.pending_exit:
                ended.slot.pending_exit = None
                await self._on_exit(ended)

    async def _on_exit(self, ended: _Exit) -> None:
        """Apply the strategy to a child that ended on its own."""
        slot = ended.slot
        self._emit_exit(ended)
        if not _restart_due(slot.spec.restart, ended.error):
            return
        self._count_restart(slot, ended.error)
        # Siblings that died at the same moment (their exits still queued) restart with the
        # group, as in OTP, without counting as restarts of their own.
        if self.strategy is Strategy.ONE_FOR_ONE:
            affected = [slot]
        else:
            first = 0 if self.strategy is Strategy.ONE_FOR_ALL else slot.index
            affected = [
                s
                for s in self._slots[first:]
                if s is slot or s.state is _State.RUNNING or s.pending_exit is not None
            ]
        for sibling in affected:
            if sibling.pending_exit is not None:
                self._emit_exit(sibling.pending_exit)
                sibling.pending_exit = None
        await _stop_in_reverse(
            [s for s in affected if s is not slot], f"restart of {slot.spec.id!r}", self._emit
        )
        await self._back_off(slot)
        for s in affected:
            if s is slot or s.spec.restart is not Restart.TEMPORARY:
                await self._start(s)

    def _count_restart(self, slot: _Slot, error: Exception | None) -> None:
        """Record one restart in the intensity window; raise _GiveUp when it overflows."""
        count = self._intensity.record(trio.current_time())
        if self._intensity.exceeded(count):
            raise _GiveUp(slot, error, count)

    async def _back_off(self, slot: _Slot) -> None:
        """Sleep before restarting ``slot``, longer for each consecutive restart."""
        healthy_s = trio.current_time() - slot.ready_at_s if slot.ever_ready else 0.0
        if healthy_s >= self.backoff.reset_after_s:
            slot.consecutive_restarts = 0
        slot.consecutive_restarts += 1
        delay_s = self.backoff.delay_s(slot.consecutive_restarts)
        if delay_s > 0:
            await trio.sleep(delay_s)

    async def _start(self, slot: _Slot) -> None:
        """Start ``slot`` and wait until it is ready.

        A child that ends before it is ready is retried in place (after back-off, counted
        against the restart intensity) before any later child starts.
        """
        assert self._nursery is not None
        while True:
            slot.generation += 1
            slot.early_exit = None
            slot.pending_exit = None
            await self._nursery.start(self._run_child, slot, slot.generation)
            early = slot.early_exit
            if early is None:
                return
            self._emit_exit(early)
            if not _restart_due(slot.spec.restart, early.error):
                return
            self._count_restart(slot, early.error)
            await self._back_off(slot)

    async def _run_child(
        self,
        slot: _Slot,
        generation: int,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """One incarnation of a child, in its own cancel scope; never raises a child's error.

        How it ended goes to the supervisor: as ``early_exit`` (before ready, for
        :meth:`_start`), as a queued exit (on its own, for :meth:`_supervise`), or as a
        "stopped" event (cancelled by :meth:`_stop`).
        """
        incarnation = Incarnation(
            self.id,
            slot.spec.id,
            generation,
            report_poison=lambda reason: self._emit(slot, "poisoned", reason),
        )
        enter_incarnation(incarnation)
        ready = _Ready(self, slot, task_status)
        done = trio.Event()
        slot.done = done
        slot.state = _State.STARTING
        slot.overdue = False
        error: Exception | None = None
        try:
            with trio.CancelScope() as scope:
                slot.scope = scope
                try:
                    await slot.spec.start(task_status=ready)
                except Exception as exc:
                    error = exc
        finally:
            incarnation.crashed = error is not None
            incarnation.finished = True
            stopping = slot.state is _State.STOPPING
            slot.state = _State.ENDED
            if stopping:
                reasons = [slot.stop_reason]
                if slot.overdue:
                    reasons.append("ended after its shutdown timeout")
                if error is not None:
                    reasons.append(f"raised while stopping: {_describe(error)}")
                self._emit(slot, "stopped", "; ".join(reasons))
            elif not ready.called:
                slot.early_exit = _Exit(slot, error)
            else:
                slot.pending_exit = _Exit(slot, error)
                self._exits_send.send_nowait(slot.pending_exit)
            done.set()
        if not ready.called:
            task_status.started()

    def _emit_exit(self, ended: _Exit) -> None:
        kind: EventKind = "exited" if ended.error is None else "crashed"
        self._emit(ended.slot, kind, _describe(ended.error))

    def _emit(self, slot: _Slot, kind: EventKind, reason: str = "") -> None:
        self.events.emit(SupervisionEvent(trio.current_time(), self.id, slot.spec.id, kind, reason))
