"""Finding and opening a station's LSL streams without ever blocking Trio.

Every liblsl call that may wait (resolving, opening a stream, reading its full description)
runs in a worker thread; pulling rows never waits (timeout 0). Inlets are opened without
liblsl's own recovery: a stream that breaks off raises ``LostError`` at once, the dashboard
drops the inlet and finds the station again when it comes back (same source id, new uid).
"""

from __future__ import annotations

import contextlib
from functools import partial

import pylsl  # type: ignore[import-untyped]
import trio
from pylsl.util import LostError  # type: ignore[import-untyped]

from actors.lsl_streams import StreamKind, station_source_id

#: Seconds a stream has to answer when the dashboard subscribes.
OPEN_TIMEOUT_S = 2.0
#: Seconds of rows an inlet keeps when the dashboard falls behind (state rows are small).
INLET_BUFFER_S = 10
#: The end of a station's state stream source id (``myoplay:STATION:state``).
STATE_SUFFIX = StreamKind.STATE.value
STREAM_ERRORS = (LostError, pylsl.util.TimeoutError, RuntimeError, OSError, ValueError)


def station_of(source_id: str, suffix: str = STATE_SUFFIX) -> str | None:
    """The station a source id ``myoplay:STATION:suffix`` names, or None."""
    prefix, _, rest = source_id.partition(":")
    station, _, end = rest.rpartition(":")
    if prefix != "myoplay" or end != suffix or not station:
        return None
    return station


async def open_inlet(info: pylsl.StreamInfo) -> pylsl.StreamInlet:
    """A subscribed inlet on ``info``'s stream (in a thread); one of :data:`STREAM_ERRORS`
    when it does not answer."""
    def opened() -> pylsl.StreamInlet:
        inlet = pylsl.StreamInlet(info, max_buflen=INLET_BUFFER_S, recover=False,
                                  processing_flags=pylsl.proc_clocksync)
        inlet.open_stream(OPEN_TIMEOUT_S)
        return inlet
    return await trio.to_thread.run_sync(opened, abandon_on_cancel=True)


async def resolve_station_stream(station: str, kind: StreamKind,
                                 timeout_s: float = OPEN_TIMEOUT_S) -> pylsl.StreamInfo | None:
    """``station``'s ``kind`` stream, or None when none answers within ``timeout_s``."""
    found = await trio.to_thread.run_sync(
        partial(pylsl.resolve_byprop, "source_id", station_source_id(station, kind), 1,
                timeout_s), abandon_on_cancel=True)
    return found[0] if found else None


def close_inlet(inlet: pylsl.StreamInlet) -> None:
    """Unsubscribe (never raises: the stream may be gone already)."""
    with contextlib.suppress(*STREAM_ERRORS):
        inlet.close_stream()
