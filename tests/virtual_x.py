"""A private X server (Xvfb) for tests that need a real window, and xdotool to drive it.

Xvfb picks a free display number itself (``-displayfd``) and writes it once it accepts
connections, so concurrent test runs never race for ``:N`` and no polling is needed. Tests that
need it skip, with one reason, when Xvfb or xdotool is not installed.

Keys reach a window only as a keyboard's do when the window is mapped and holds the keyboard
focus, and the helpers here make sure of both:

- xdotool finds a window by the process id SDL writes on it (``_NET_WM_PID``) as soon as the
  window is created, before SDL asks the X server for its key events; a key sent then is lost.
  A window is taken only once it is mapped (SDL maps it after choosing its events).
- ``xdotool key --window`` types through XTEST, with the server's timestamps, only into the
  window that has the focus; into any other it sends synthetic events all stamped with time 0,
  and SDL takes a key's release followed by a press of the same key with (nearly) the same
  stamp for the keyboard's auto-repeat, which pygame drops: "Return Return Return" queued while
  the game draws a frame arrive as fewer Returns (2 of 3 at 60 frames a second, 1 of 3 at two),
  and the start screen is never left. Xvfb runs no window manager to give the new window the
  focus, so every key is sent after giving it (a no-op, with no focus events, when the window
  has it already).

A key meant to move the session on is sent again, a bounded number of times, when its effect
does not show (:func:`press_until`, :func:`take_the_start_screen`), rather than waited on for
longer.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from modes.palette import YELLOW
from tests import x_screenshot

#: Why the real-window tests skip, when they do.
MISSING = "Xvfb and xdotool are not installed (Debian: apt-get install xvfb xdotool)"
#: Long enough for a loaded CI machine; the tests never depend on it being short.
START_TIMEOUT_S = 30.0
#: How long a key's effect may take to show before the key is sent again: many frames of a
#: game on a loaded machine, so a key that is only slow is not sent twice.
KEY_EFFECT_S = 10.0
#: How many times in all a key whose effect does not show is sent.
KEY_TRIES = 3
#: Between two looks at what a key did.
POLL_S = 0.05
#: Between two readings of a log: the tests time the session's schedule from a line's arrival.
LOG_POLL_S = 0.02
#: The start screen's rows (protocol, mode, start: ``modes.menu.ROWS``, not imported here, for it
#: brings the rules engine with it, a second of a test file's start-up).
START_ROWS = 3
#: Between two searches for a new window: each is an xdotool run, taking a share of the CPU the
#: starting game needs.
WINDOW_POLL_S = 0.2


def available() -> bool:
    """Whether Xvfb and xdotool can be run here."""
    return shutil.which("Xvfb") is not None and shutil.which("xdotool") is not None


@contextmanager
def virtual_display(size: str = "1280x720x24") -> Iterator[str]:
    """Run an Xvfb while inside; yields its display name (":N"). Always stopped on the way out."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        yield f":{_display_number(read_fd, server)}"
    finally:
        os.close(read_fd)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _display_number(read_fd: int, server: subprocess.Popen[bytes]) -> int:
    """The number Xvfb writes to ``read_fd`` when it is ready (a line ending in a newline)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    text = b""
    while not text.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or server.poll() is not None:
            raise RuntimeError(f"Xvfb did not start (exit status {server.poll()})")
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 64)
            if not chunk:
                raise RuntimeError(f"Xvfb closed its display pipe (exit {server.wait()})")
            text += chunk
    return int(text)


def window_env(display: str, history: Path) -> dict[str, str]:
    """The environment for a ``myoplay`` with its window on ``display``: no sound card, and the
    clients' ``history`` store given (a path that does not exist: no client row on the start
    screen, whatever store the user running the tests keeps)."""
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy", MYOPLAY_HISTORY=str(history))
    env.pop("SDL_VIDEODRIVER", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def logged(process: subprocess.Popen[bytes], log: Path, text: str) -> bool:
    """Whether ``text`` is in ``log`` (what ``process`` writes to its stderr) yet; fails if the
    process ended without writing it."""
    ended = process.poll() is not None
    written = log.read_text(errors="replace")
    if text in written:
        return True
    assert not ended, f"myoplay ended first:\n{written}"
    return False


def wait_for_log(process: subprocess.Popen[bytes], log: Path, text: str,
                 timeout_s: float) -> float:
    """Wait up to ``timeout_s`` until ``text`` is in ``log`` (see :func:`logged`); the
    monotonic time it was first seen, within :data:`LOG_POLL_S`."""
    deadline = time.monotonic() + timeout_s
    while not logged(process, log, text):
        assert time.monotonic() < deadline, f"{text!r} not logged in {timeout_s:g} s"
        time.sleep(LOG_POLL_S)
    return time.monotonic()


def xdotool(display: str, *args: str) -> str:
    """Run ``xdotool`` on ``display``; its standard output (may be empty)."""
    done = subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display),
                          capture_output=True, text=True, timeout=30)
    return done.stdout


def window_of(display: str, process: subprocess.Popen[bytes], timeout_s: float) -> int:
    """The X window of ``process`` once it is mapped (it takes key events then), waiting up to
    ``timeout_s`` for it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = xdotool(display, "search", "--onlyvisible", "--pid", str(process.pid)).split()
        if found:
            return int(found[0])
        if process.poll() is not None:
            raise RuntimeError(f"the process ended (status {process.returncode}) with no window")
        time.sleep(WINDOW_POLL_S)
    raise TimeoutError(f"no window of process {process.pid} was shown in {timeout_s:g} s")


def press(display: str, window: int, *keys: str) -> None:
    """Press and release each of ``keys`` (xdotool's names) in ``window``, in turn."""
    _typed(display, window, "key", *keys)


def hold(display: str, window: int, key: str) -> None:
    """Press ``key`` in ``window`` and keep it down."""
    _typed(display, window, "keydown", key)


def let_go(display: str, window: int, key: str) -> None:
    """Release ``key``, held in ``window``."""
    _typed(display, window, "keyup", key)


def _typed(display: str, window: int, command: str, *keys: str) -> None:
    """Give ``window`` the keyboard focus, then ``command`` its ``keys``: through XTEST, in one
    xdotool run (the X server takes its requests in order, so the focus comes first)."""
    xdotool(display, "windowfocus", str(window), command, "--window", str(window), *keys)


def press_until(display: str, window: int, key: str, arrived: Callable[[], bool],
                what: str) -> None:
    """Press ``key`` in ``window`` until ``arrived()`` says its effect shows, giving each press
    :data:`KEY_EFFECT_S`, at most :data:`KEY_TRIES` presses; ``what`` names the effect."""
    for _ in range(KEY_TRIES):
        press(display, window, key)
        deadline = time.monotonic() + KEY_EFFECT_S
        while time.monotonic() < deadline:
            if arrived():
                return
            time.sleep(POLL_S)
    raise AssertionError(f"{key} pressed {KEY_TRIES} times, {KEY_EFFECT_S:g} s apart, and "
                         f"still not {what}")


def take_the_start_screen(display: str, window: int, chosen: Callable[[], bool],
                          timeout_s: float) -> None:
    """Take the choices myoplay's start screen shows (the command line's): Return on each of
    its rows until ``chosen()`` says the choice is logged (it should fail if the game ended).

    The Returns go at once, as a player's would, and the log says whether they all arrived. If
    the choice is not logged within :data:`KEY_EFFECT_S`, the rest go one at a time, each
    checked on screen (:func:`_row_by_row`), waiting up to ``timeout_s`` for the menu.
    """
    press(display, window, *["Return"] * START_ROWS)
    deadline = time.monotonic() + KEY_EFFECT_S
    while time.monotonic() < deadline:
        if chosen():
            return
        time.sleep(POLL_S)
    _row_by_row(display, window, chosen, timeout_s)


def _row_by_row(display: str, window: int, chosen: Callable[[], bool],
                timeout_s: float) -> None:
    """Return on the start screen until ``chosen()``, each press checked on screen.

    The start screen frames the row Return takes in yellow, a colour nothing else on it uses, so
    a Return that arrived moves the frame to the next row or closes the menu; one that did not
    is sent again (:func:`press_until`). Nothing is pressed until the menu is drawn (a frame
    drawn has taken every key sent before it), and the choice is logged before the first frame
    without the menu, so once the frame has gone ``chosen()`` says so.
    """
    deadline = time.monotonic() + timeout_s
    while _frame_top(display, window) is None:
        if chosen():
            return
        assert time.monotonic() < deadline, f"no start screen drawn in {timeout_s:g} s"
        time.sleep(POLL_S)
    for _ in range(START_ROWS):
        press_until(display, window, "Return", _moved_on(display, window, chosen),
                    "on the start screen's next row, nor its choice logged")
        if chosen():
            return
    raise AssertionError(f"Return on each of the start screen's {START_ROWS} rows, and no choice")


def _moved_on(display: str, window: int, chosen: Callable[[], bool]) -> Callable[[], bool]:
    """A check that the start screen has moved on from what it shows now: its choice made, or
    its focus frame on another row."""
    before = _frame_top(display, window)
    return lambda: chosen() or _frame_top(display, window) != before


def _frame_top(display: str, window: int) -> int | None:
    """The top edge of the start screen's yellow focus frame in ``window``, in pixels from the
    window's top; None when no pixel on screen has its colour."""
    rows = np.flatnonzero(np.all(x_screenshot.grab_window(display, window) == YELLOW, axis=2)
                          .any(axis=1))
    return int(rows[0]) if rows.size else None
