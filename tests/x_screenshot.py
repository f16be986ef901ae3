"""Read a window's pixels from an X server (XGetImage through ctypes): what the player sees.

Only what a test needs: the window's current contents as an RGB array, from a 24/32-bit
TrueColor visual (what Xvfb's default ``-screen 0 WxHx24`` gives).
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import numpy.typing as npt

_ALL_PLANES = ctypes.c_ulong(0xFFFFFFFF)
_Z_PIXMAP = 2


class _XWindowAttributes(ctypes.Structure):
    # The C layout, as Xlib.h declares it.
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
        ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong), ("class", ctypes.c_int),
        ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


class _XImage(ctypes.Structure):
    # The C layout as Xlib.h declares it, up to the colour masks (only read through a pointer).
    _fields_ = [
        ("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)),
        ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int), ("red_mask", ctypes.c_ulong),
        ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong),
    ]


#: Xlib's error handler type: int (*)(Display *, XErrorEvent *).
_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _carry_on(display: int | None, error: int | None) -> int:
    """Take an X error (the window is gone) without Xlib's default: printing it and ending the
    whole process, the test run with it. The failed call's result reports it instead."""
    return 0


#: Kept here for as long as Xlib may call it.
_CARRY_ON = _ERROR_HANDLER(_carry_on)


def _xlib() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11")
    if name is None:
        raise OSError("libX11 is not installed")
    lib = ctypes.CDLL(name)
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
    lib.XSetErrorHandler(_CARRY_ON)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                         ctypes.POINTER(_XWindowAttributes)]
    lib.XGetImage.restype = ctypes.POINTER(_XImage)
    lib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                              ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    lib.XFree.argtypes = [ctypes.c_void_p]
    return lib


def available() -> bool:
    """Whether libX11 can be loaded here."""
    return ctypes.util.find_library("X11") is not None


def grab_window(display: str, window: int) -> npt.NDArray[np.uint8]:
    """The pixels of ``window`` on ``display`` now, as an (height, width, 3) RGB array."""
    lib = _xlib()
    connection = lib.XOpenDisplay(display.encode())
    if not connection:
        raise OSError(f"cannot open X display {display}")
    try:
        attributes = _XWindowAttributes()
        if not lib.XGetWindowAttributes(connection, window, ctypes.byref(attributes)):
            raise OSError(f"no window {window} on {display}")
        width, height = attributes.width, attributes.height
        image = lib.XGetImage(connection, window, 0, 0, width, height, _ALL_PLANES, _Z_PIXMAP)
        if not image:
            raise OSError(f"XGetImage failed for window {window}")
        try:
            info = image.contents
            if info.bits_per_pixel != 32:
                raise OSError(f"{info.bits_per_pixel}-bit pixels: a 24-bit screen is expected")
            raw = np.ctypeslib.as_array(info.data, shape=(info.bytes_per_line * height,)).copy()
        finally:
            lib.XFree(image.contents.data)
            lib.XFree(image)
    finally:
        lib.XCloseDisplay(connection)
    pixels = raw.reshape(height, info.bytes_per_line // 4, 4)[:, :width]
    # A little-endian TrueColor pixel is B, G, R, unused in memory.
    rgb: npt.NDArray[np.uint8] = pixels[:, :, 2::-1].copy()
    return rgb
