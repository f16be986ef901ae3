"""SIGTERM and Ctrl-C end a session the way Esc does, instead of killing it mid-recording.

Without this, Python's default SIGTERM action ends the process at once, and Ctrl-C (SIGINT)
raises :class:`KeyboardInterrupt` wherever the session happens to be: no summary, a recording
cut short, a window left to the X server, exit status 130. Listening from the application layer
keeps the session itself free of process-wide signal handling (tests run many sessions in one
process).

The handler hands the signal to Trio through :meth:`trio.lowlevel.TrioToken.run_sync_soon`,
the signal-safe way in that :func:`trio.open_signal_receiver` is built on, but without the
task and nursery a receiver needs: a nursery around the session would wrap every one-line
error the session raises (a sensor that cannot be opened) in an exception group.

A second Ctrl-C is the way out of a stop that hangs (a disk that no longer answers): it goes
to the handler that was there before (Trio's, which raises :class:`KeyboardInterrupt`), so the
session is abandoned as before, its recording readable up to its last sync point.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import trio

from actors.stop_request import StopRequest

#: The signals that end a session cleanly: what ``kill``, service managers and CI send, and
#: what a terminal sends on Ctrl-C.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_reason(number: int) -> str:
    """The reason a session ended by signal ``number`` gives in its report."""
    if number == signal.SIGINT:
        return "stopped with Ctrl-C"
    return f"terminated by {signal.Signals(number).name}"


@contextmanager
def stop_on_signals(request: StopRequest) -> Iterator[None]:
    """While inside, each stop signal asks ``request`` to end the session; the handlers that
    were there before come back on the way out. A signal the process was started ignoring stays
    ignored. Enter it in Trio's thread (the main one)."""
    token = trio.lowlevel.current_trio_token()
    interrupts = 0

    def ask(number: int) -> None:
        if request.reason is None and number == signal.SIGINT:
            print("myoplay: stopping, saving the summary (Ctrl-C again to quit at once)",
                  file=sys.stderr, flush=True)
        request.ask(stop_reason(number))

    def handle(number: int, frame: FrameType | None) -> None:
        nonlocal interrupts
        if number == signal.SIGINT:
            interrupts += 1
            before = previous[signal.SIGINT]
            if interrupts > 1 and callable(before):
                before(number, frame)
                return
        token.run_sync_soon(ask, number, idempotent=True)

    previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}
    for stop_signal in STOP_SIGNALS:
        if signal.getsignal(stop_signal) is signal.SIG_IGN:
            continue  # ignored by whoever started us (nohup, a shell's background job): kept so
        previous[stop_signal] = signal.signal(stop_signal, handle)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
