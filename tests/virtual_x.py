"""A private X server (Xvfb) for tests that need a real window, and xdotool to drive it.

Xvfb picks a free display number itself (``-displayfd``) and writes it once it accepts
connections, so concurrent test runs never race for ``:N`` and no polling is needed. Tests that
need it skip, with one reason, when Xvfb or xdotool is not installed.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Why the real-window tests skip, when they do.
MISSING = "Xvfb and xdotool are not installed (Debian: apt-get install xvfb xdotool)"
#: Long enough for a loaded CI machine; the tests never depend on it being short.
START_TIMEOUT_S = 30.0


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


def xdotool(display: str, *args: str) -> str:
    """Run ``xdotool`` on ``display``; its standard output (may be empty)."""
    done = subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display),
                          capture_output=True, text=True, timeout=30)
    return done.stdout


def window_of(display: str, process: subprocess.Popen[bytes], timeout_s: float) -> int:
    """The X window of ``process``, waiting up to ``timeout_s`` for it to appear."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = xdotool(display, "search", "--pid", str(process.pid)).split()
        if found:
            return int(found[0])
        if process.poll() is not None:
            raise RuntimeError(f"the process ended (status {process.returncode}) with no window")
        time.sleep(0.2)
    raise TimeoutError(f"no window of process {process.pid} appeared in {timeout_s:g} s")
