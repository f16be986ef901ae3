"""bleak on its own asyncio loop, in a dedicated thread, handing results to Trio.

bleak is asyncio-only and each bleak object belongs to one loop. :class:`BleLoop` runs one
asyncio loop in a daemon thread for the program's lifetime (see :func:`shared_loop`); every
bleak object is created and used there. Trio code calls :meth:`BleLoop.run` to execute a
coroutine on that loop and await its result; cancelling the Trio caller cancels the asyncio
*task* and waits, shielded, until it has really finished (cancelling the concurrent future
alone returns before a disconnect has run).

Notifications go the other way through a :class:`Delivery`: the BLE thread stamps the arrival
time, copies the payload and schedules ``put_nowait`` into a drop-oldest ring on the Trio
thread with ``TrioToken.run_sync_soon``, which never blocks the BLE thread (a stalled BLE loop
loses the link). Delivery after the Trio run has finished is silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import trio

from engine.errors import DeviceError

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)

log = logging.getLogger(__name__)


class BleLoop:
    """An asyncio event loop running in its own daemon thread."""

    def __init__(self, name: str = "myoplay-ble") -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    async def run(
        self, make: Callable[[], Awaitable[T]], *, cancel_timeout_s: float = 10.0
    ) -> T:
        """Run ``make()`` as a task on the BLE loop and return its result to Trio.

        Exceptions from the coroutine propagate. If the Trio caller is cancelled, the task is
        cancelled and awaited (shielded, at most ``cancel_timeout_s``) before this returns.
        """
        if not self.running:
            raise DeviceError("the Bluetooth thread has stopped", hint="restart myoplay")
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()
        box: dict[str, Any] = {}

        def finished(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                box["cancelled"] = True
            elif (error := task.exception()) is not None:
                box["error"] = error
            else:
                box["value"] = task.result()
            _run_sync_soon(token, done.set)

        def start() -> None:
            async def body() -> T:
                return await make()

            task = self._loop.create_task(body())
            box["task"] = task
            task.add_done_callback(finished)

        self._loop.call_soon_threadsafe(start)
        try:
            await done.wait()
        finally:
            if not done.is_set():
                self._loop.call_soon_threadsafe(_cancel_task, box)
                with trio.CancelScope(shield=True), trio.move_on_after(cancel_timeout_s):
                    await done.wait()
                if not done.is_set():
                    log.warning("a Bluetooth operation ignored cancellation for %.1f s",
                                cancel_timeout_s)
        if "error" in box:
            raise box["error"]
        if box.get("cancelled"):
            raise DeviceError("a Bluetooth operation was cancelled on the Bluetooth thread")
        value: T = box["value"]
        return value

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the loop (cancelling its tasks) and join the thread. For tests and tools."""
        if not self.running:
            return

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        self._loop.call_soon_threadsafe(lambda: self._loop.create_task(shutdown()))
        self._thread.join(timeout_s)


def _cancel_task(box: dict[str, Any]) -> None:
    task = box.get("task")
    if task is not None:
        task.cancel()


def _run_sync_soon(token: trio.lowlevel.TrioToken, fn: Callable[..., object], *args: Any) -> bool:
    """Schedule ``fn`` on the Trio thread; False if that Trio run has already finished."""
    try:
        token.run_sync_soon(fn, *args)
    except trio.RunFinishedError:
        return False
    return True


_shared: BleLoop | None = None
_shared_lock = threading.Lock()


def shared_loop() -> BleLoop:
    """The program-wide BLE loop, started on first use and kept for the program's lifetime."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = BleLoop()
        return _shared


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification as it left the BLE thread: payload copied, arrival stamped there.

    ``arrival_mono_ns`` is ``time.monotonic_ns()`` in the BLE thread when the callback ran;
    ``link`` numbers the connection it came from, so stale items from an old link are ignored.
    """

    link: int
    char_uuid: str
    payload: bytes
    arrival_mono_ns: int


@dataclass(frozen=True, slots=True)
class LinkDown:
    """The connection numbered ``link`` is gone; ``at_mono_ns`` when the BLE thread heard it."""

    link: int
    at_mono_ns: int


class Inbox(Protocol, Generic[T_contra]):
    """The Trio-side receiver: a drop-oldest ring's ``put_nowait``."""

    def put_nowait(self, item: T_contra) -> None: ...


class Delivery:
    """Hands items from the BLE thread to a Trio-side inbox without ever blocking."""

    def __init__(self, token: trio.lowlevel.TrioToken, inbox: Inbox[Notification | LinkDown]):
        self._token = token
        self._inbox = inbox
        self.undelivered = 0

    def notification(self, link: int, char_uuid: str, data: bytes | bytearray) -> None:
        """Called by bleak on the BLE thread for every notification."""
        item = Notification(link, char_uuid, bytes(data), time.monotonic_ns())
        if not _run_sync_soon(self._token, self._inbox.put_nowait, item):
            self.undelivered += 1

    def link_down(self, link: int) -> None:
        """Called on the BLE thread when the device disconnects."""
        _run_sync_soon(self._token, self._inbox.put_nowait, LinkDown(link, time.monotonic_ns()))
