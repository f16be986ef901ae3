"""A request from outside a session to end it now, the way the player's Esc does.

The application sets it (``myoplay play`` on SIGTERM); the session's end watcher waits for it.
It is a small object of its own rather than a bare :class:`trio.Event` so that the reason
travels with it into the session's report ("terminated by SIGTERM").
"""

from __future__ import annotations

import trio


class StopRequest:
    """Asked at most once in effect: the first reason is kept, later requests change nothing."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._asked = trio.Event()

    def ask(self, reason: str) -> None:
        """End the session for ``reason``; callable from any Trio task, any number of times."""
        if self.reason is None:
            self.reason = reason
        self._asked.set()

    async def wait(self) -> str:
        """Return the reason once the end has been asked for."""
        await self._asked.wait()
        assert self.reason is not None
        return self.reason
