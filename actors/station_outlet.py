"""A station's state stream for the clinic dashboard (``myoplay play --publish``).

:class:`StateOutlet` owns the LSL outlet (type ``MyoplayState``, one string channel, irregular
rate, source id ``myoplay:STATION:state``): ``myoplay play`` opens it before the session, so a
dashboard sees the station while it starts, and closes it afterwards. :class:`StationStateActor`
is the thin shell that sends a row built by the pure :class:`~actors.station_state.StationState`
every :data:`~actors.station_state.STATE_PERIOD_S` (real time), and a last one, ``ended``, when
the session ends.

Channel policy, edge "rules → station state": latest value. The actor reads the newest view
the rules published (the same :class:`~engine.runtime.channels.LatestValue` the renderer
draws), so views published between two rows are skipped, never queued, and the rules never
wait for it; a row goes out on time whether or not a new view came (a stalled sensor still
shows as a live station, with its alert). Pushing a row never waits either: liblsl buffers for
its consumers and drops the oldest for one that stopped reading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pylsl  # type: ignore[import-untyped]
import trio

from actors.actor_messages import ViewUpdate
from actors.lsl_streams import IRREGULAR_RATE_HZ, StreamKind, station_source_id
from actors.station_control import ControlDesk
from actors.station_state import STATE_PERIOD_S, STATE_VERSION, StationState, encode_row
from engine import __version__
from engine.errors import DeviceError
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue

log = logging.getLogger(__name__)

#: The LSL content type of a station's state stream.
STATE_TYPE = "MyoplayState"
#: Seconds of rows liblsl keeps for a slow dashboard (it drops the oldest beyond).
STATE_BUFFER_S = 10
#: Seconds a closing outlet with a dashboard listening waits for the last row to leave.
STATE_LINGER_S = 0.3


def state_stream_name(station: str) -> str:
    """The state stream's name (and source id): ``myoplay:STATION:state``."""
    return station_source_id(station, StreamKind.STATE)


class StateOutlet:
    """The state stream of one station, opened by :meth:`open` and closed by the caller."""

    def __init__(self, station: str, *, remote_allowed: bool) -> None:
        self.station = station
        self.remote_allowed = remote_allowed
        self._outlet: pylsl.StreamOutlet | None = None
        self.pushed = 0
        """Rows sent."""

    def open(self) -> None:
        """Create the outlet (once); a :class:`DeviceError` says why liblsl could not."""
        if self._outlet is not None:
            return
        name = state_stream_name(self.station)
        info = pylsl.StreamInfo(name, STATE_TYPE, 1, IRREGULAR_RATE_HZ, "string", name)
        desc = info.desc()
        desc.append_child_value("station", self.station)
        desc.append_child_value("myoplay_version", __version__)
        desc.append_child_value("state_version", str(STATE_VERSION))
        desc.append_child_value("remote", "allowed" if self.remote_allowed else "refused")
        try:
            self._outlet = pylsl.StreamOutlet(info, max_buffered=STATE_BUFFER_S)
        except (RuntimeError, OSError, ValueError) as error:
            raise DeviceError(f"could not publish the station's state over LSL: {error}",
                              hint="check the network settings, or leave out --publish") from None

    def push(self, text: str) -> None:
        """Send one row, stamped now on the LSL clock."""
        if self._outlet is None:
            return
        self._outlet.push_sample([text], pylsl.local_clock())
        self.pushed += 1

    def close(self) -> None:
        """Withdraw the stream (safe twice), after the last row reached a listening dashboard."""
        if self._outlet is not None and self._outlet.have_consumers():
            time.sleep(STATE_LINGER_S)  # after the session: nothing else waits on it
        self._outlet = None


@dataclass
class StationPublishing:
    """What ``play --publish`` hands the session: the rows' builder, the outlet they go to,
    and, with ``--allow-remote``, the desk deciding which dashboard rows to apply (None: no
    remote change, and no control inlet is opened)."""

    state: StationState
    outlet: StateOutlet
    desk: ControlDesk | None = None

    def describe(self) -> str:
        """One line for the terminal: the state rows sent and the remote changes taken."""
        remote = (f"remote changes: {self.desk.applied} applied, {self.desk.refused} refused"
                  if self.desk is not None else "remote changes: not allowed")
        return (f"LSL: state of station {self.outlet.station}: {self.outlet.pushed} rows; "
                f"{remote}")


class StationStateActor(Actor):
    """Sends the station's state row every :data:`STATE_PERIOD_S` of real time (a simulated
    session run faster than real time, ``time_scale`` > 1, sends as often per real second).

    ``ended()`` says why the session ended, or None while it runs; stopped once it has ended,
    the actor sends the last row (``ended`` true), so a dashboard shows the end at once rather
    than the station as lost. ``latency_ms`` is how old the newest sample a row reflects is
    when the row goes out, plus the envelope's group delay: how far behind the patient the
    dashboard is, in real milliseconds (``time_scale``: session seconds per real second).
    """

    def __init__(self, publishing: StationPublishing, views: LatestValue[ViewUpdate],
                 ended: Callable[[], str | None], *, time_scale: float = 1.0,
                 push: Callable[[str], None] | None = None) -> None:
        super().__init__("station")
        self.state = publishing.state
        self.outlet = publishing.outlet
        self.views = views
        self.ended = ended
        self.time_scale = time_scale
        self.push = push or self.outlet.push

    async def setup(self) -> None:
        self.outlet.open()

    async def loop(self) -> None:
        period_s = STATE_PERIOD_S * self.time_scale  # ten rows a real second, at any --speed
        next_s = trio.current_time()
        while True:
            self._send(None)
            next_s += period_s
            await trio.sleep_until(next_s)

    async def teardown(self) -> None:
        reason = self.ended()
        if reason is not None:
            self._send(reason)

    def _send(self, end_reason: str | None) -> None:
        update = self.views.get()
        latency_ms = None
        if update is not None:
            age_s = max(0.0, trio.current_time() - update.arrival_s) / self.time_scale
            latency_ms = age_s * 1000.0 + update.group_delay_ms
        row = self.state.row(update.view if update is not None else None,
                             latency_ms=latency_ms, end_reason=end_reason)
        try:
            self.push(encode_row(row))
        except Exception:  # a row lost must not restart the actor (and burn the session's budget)
            log.exception("station state: could not send row %d", self.state.seq)
