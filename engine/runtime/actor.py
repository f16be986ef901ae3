"""The base of every actor shell: set up, report ready, loop, tear down within a timeout."""

from __future__ import annotations

import abc

import trio

from engine.runtime.supervisor import ChildSpec, Restart

#: Part of the shutdown timeout granted to teardown. Less than all of it, so an overrunning
#: teardown is cut off before the supervisor's own timer fires and reports a stuck child.
TEARDOWN_SHARE = 0.9


class Actor(abc.ABC):
    """A thin Trio shell around pure engine code, run as a supervised child.

    Subclasses override :meth:`loop` (take the next input, step the pure core, pass the result
    on) and optionally :meth:`setup` and :meth:`teardown`. Channels are handed in by whoever
    builds the tree, never created here, so a restarted actor finds the same mailboxes.
    """

    #: Seconds the supervisor grants this actor to stop once cancelled (teardown included).
    shutdown_timeout_s: float = 5.0

    def __init__(self, id: str) -> None:
        self.id = id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    async def setup(self) -> None:
        """Acquire what the loop needs (open a device, load a calibration). Runs before ready,
        so the next sibling starts only once this has succeeded. Nothing by default."""
        return None

    @abc.abstractmethod
    async def loop(self) -> None:
        """The run loop; returning means the actor is done (a normal exit)."""

    async def teardown(self) -> None:
        """Release what :meth:`setup` acquired. Runs shielded from cancellation, bounded by
        ``shutdown_timeout_s``, after the loop ends for any reason. Nothing by default."""
        return None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """setup -> ready -> loop -> teardown (teardown only if setup succeeded)."""
        await self.setup()
        try:
            task_status.started()
            await self.loop()
        finally:
            with trio.CancelScope(shield=True) as scope:
                scope.deadline = trio.current_time() + TEARDOWN_SHARE * self.shutdown_timeout_s
                await self.teardown()

    def spec(
        self, restart: Restart = Restart.PERMANENT, shutdown_timeout_s: float | None = None
    ) -> ChildSpec:
        """This actor as a supervisor child; ``shutdown_timeout_s`` also sets its teardown
        budget."""
        if shutdown_timeout_s is not None:
            self.shutdown_timeout_s = shutdown_timeout_s
        return ChildSpec(self.id, self.run, restart, self.shutdown_timeout_s)
