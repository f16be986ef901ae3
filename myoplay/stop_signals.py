"""SIGTERM ends a session the way Esc does, instead of killing the process mid-recording.

Without this, Python's default SIGTERM action ends the process at once: no summary, a recording
cut short, a window left to the X server. Listening from the application layer keeps the
session itself free of process-wide signal handling (tests run many sessions in one process).

The handler hands the signal to Trio through :meth:`trio.lowlevel.TrioToken.run_sync_soon`,
the signal-safe way in that :func:`trio.open_signal_receiver` is built on, but without the
task and nursery a receiver needs: a nursery around the session would wrap every one-line
error the session raises (a sensor that cannot be opened) in an exception group.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import trio

from actors.stop_request import StopRequest

#: The signals that end a session cleanly: what ``kill``, service managers and CI send.
STOP_SIGNALS = (signal.SIGTERM,)


@contextmanager
def stop_on_signals(request: StopRequest) -> Iterator[None]:
    """While inside, each stop signal asks ``request`` to end the session; the handlers that
    were there before come back on the way out. Enter it in Trio's thread (the main one)."""
    token = trio.lowlevel.current_trio_token()

    def handle(number: int, frame: FrameType | None) -> None:
        token.run_sync_soon(request.ask, f"terminated by {signal.Signals(number).name}",
                            idempotent=True)

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
