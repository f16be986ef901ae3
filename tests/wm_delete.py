"""Ask an X11 window to close the way a window manager does when its close button is clicked.

A window manager sends the client a ``WM_PROTOCOLS`` client message carrying
``WM_DELETE_WINDOW``; SDL turns it into the ``QUIT`` event a player's click makes. Debian's
xdotool (3.20160805) has no such command (its ``windowclose`` destroys the window from outside,
which no player can do), and Xvfb runs no window manager, so the message is sent here through
libX11 with ctypes: no extra package beyond the libX11 that Xvfb and xdotool already need.
"""

from __future__ import annotations

import ctypes
import ctypes.util

CLIENT_MESSAGE = 33  # X.h: ClientMessage
NO_EVENT_MASK = 0


class _ClientMessage(ctypes.Structure):
    """Xlib's XClientMessageEvent (ctypes lays out the same padding as the C compiler)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _Event(ctypes.Union):
    """Xlib's XEvent: every event is sent as this 24-long union."""

    _fields_ = [("client", _ClientMessage), ("pad", ctypes.c_long * 24)]


def send_wm_delete(display_name: str, window: int) -> None:
    """Send ``WM_DELETE_WINDOW`` to ``window`` on ``display_name`` (e.g. ":99")."""
    path = ctypes.util.find_library("X11")
    if path is None:
        raise RuntimeError("libX11 is not installed")
    x11 = ctypes.CDLL(path)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_Event)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(display_name.encode())
    if not display:
        raise RuntimeError(f"cannot open X display {display_name}")
    try:
        event = _Event()
        event.client.type = CLIENT_MESSAGE
        event.client.window = window
        event.client.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", False)
        event.client.format = 32
        event.client.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", False)
        event.client.data[1] = 0  # CurrentTime
        if not x11.XSendEvent(display, window, False, NO_EVENT_MASK, ctypes.byref(event)):
            raise RuntimeError(f"X refused to send WM_DELETE_WINDOW to window {window}")
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)
