"""Whether this machine can show a window, which decides if a session or replay runs headless."""

from __future__ import annotations

import os
import sys


def has_screen() -> bool:
    """Whether a window can be shown (an SDL driver other than dummy, or a display)."""
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver == "dummy":
        return False
    if driver or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
