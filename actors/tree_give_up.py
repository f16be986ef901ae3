"""The first give-up anywhere in a session's supervision tree, which ends the session.

In OTP a sub-supervisor that gives up is one more crashed child, restarted by its parent under
the parent's own intensity. For the sensors that is wrong: their supervisor gives up only after
the device failed again and again through a back-off of many seconds, and a session whose
intensity counts restarts per ten seconds would restart it for ever, record nothing and end as
if the time had simply run out. So a give-up below the session ends the session, as the
session's own give-up does: stopped in order, the recording closed, the summary kept, and the
error handed to the command, which reports the session and then fails in one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import trio

from engine.errors import RestartIntensityError
from engine.runtime import ChildSpec, Restart, Supervisor


class TreeGiveUp:
    """Holds the first :class:`RestartIntensityError` of the tree and stops the session on it."""

    def __init__(self) -> None:
        self.error: RestartIntensityError | None = None
        self.at_s: float | None = None
        """Trio time of the first give-up: when the session stopped being a session."""
        self._stop: Callable[[], None] = lambda: None

    def stops(self, session: Supervisor) -> None:
        """Stop ``session`` when something below it gives up."""
        self._stop = session.request_stop

    def final(self, sub: Supervisor, restart: Restart) -> ChildSpec:
        """``sub`` as a child whose give-up ends the session instead of being restarted."""

        async def run(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            try:
                await sub.run(task_status=task_status)
            except RestartIntensityError as error:
                self.gave_up(error)
                self._stop()

        return dataclasses.replace(sub.as_child(restart), start=run)

    def gave_up(self, error: RestartIntensityError) -> None:
        """Keep ``error`` if it is the first give-up."""
        if self.error is None:
            self.error = error
            self.at_s = trio.current_time()
