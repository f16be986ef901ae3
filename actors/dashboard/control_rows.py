"""Remote changes a clinician makes on the page, as rows of the dashboard's control stream
(pure).

The page asks for a change of one station's target band or pause; :func:`parse_change`
checks the request, and :class:`ControlRows` words it as the wire format's control row
(``docs/dashboard.md``), numbered so that a station applies each row once. A station applies
a change only when it allows remote changes (``--allow-remote``) and checks the value against
its protocol itself: this side only refuses what can never be right.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actors.dashboard.state_row import RemoteChange

#: The LSL content type of a dashboard's control stream.
CONTROL_STREAM_TYPE = "MyoplayControl"
CONTROL_ROW_VERSION = 1
#: Seconds between two sends of a change the station has not confirmed yet (LSL delivers only
#: to inlets already connected: a station that was reconnecting misses a row sent once).
RESEND_EVERY_S = 0.5
#: Seconds after which an unconfirmed change is no longer sent.
GIVE_UP_AFTER_S = 10.0
#: The highest band edge a page may ask for, %MVC (supra-maximal targets exist, a band above
#: this is a typing slip).
MAX_BAND_PCT = 150.0


class ControlKey(enum.StrEnum):
    """What a remote change may set (the station's ConfigChange keys)."""

    TARGET_BAND = "rules.target_band_pct"
    PAUSED = "rules.paused"


class ChangeRequestError(ValueError):
    """A change the page asked for that cannot be sent; the message says why."""


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """One remote change: which station, which key, which value."""

    station: str
    key: ControlKey
    value: list[float] | bool


def parse_change(message: Mapping[str, Any]) -> ChangeRequest:
    """The page's ``{"station", "key", "value"}`` as a checked change."""
    station = message.get("station")
    if not isinstance(station, str) or not station:
        raise ChangeRequestError("no station named")
    try:
        key = ControlKey(str(message.get("key")))
    except ValueError:
        raise ChangeRequestError(f"cannot change {message.get('key')!r} remotely") from None
    value = message.get("value")
    if key is ControlKey.PAUSED:
        if not isinstance(value, bool):
            raise ChangeRequestError("pause takes true or false")
        return ChangeRequest(station, key, value)
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value)):
        raise ChangeRequestError("a band is [low, high] in %MVC")
    low, high = float(value[0]), float(value[1])
    if not 0.0 <= low < high <= MAX_BAND_PCT:
        raise ChangeRequestError(f"a band needs 0 ≤ low < high ≤ {MAX_BAND_PCT:g} %MVC "
                                 f"(got {low:g}–{high:g})")
    return ChangeRequest(station, key, [low, high])



class ControlRows:
    """The control rows one dashboard sends, numbered from 1 and signed with the clinician's
    label."""

    def __init__(self, clinician: str) -> None:
        self.clinician = clinician
        self.seq = 0

    def row(self, change: ChangeRequest) -> str:
        """``change`` as the next control row (compact JSON)."""
        self.seq += 1
        return json.dumps({"v": CONTROL_ROW_VERSION, "station": change.station, "seq": self.seq,
                           "by": self.clinician, "key": change.key.value,
                           "value": change.value}, separators=(",", ":"), sort_keys=True)


def control_stream_name(dashboard_id: str) -> str:
    """The name (and source id) of dashboard ``dashboard_id``'s control stream."""
    return f"myoplay-dashboard:{dashboard_id}:control"


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A change sent and not yet confirmed: its row (sent again as it is, same ``seq``, so the
    station applies it once), the station's last remote change when it was sent, and when."""

    change: ChangeRequest
    row: str
    before: RemoteChange | None
    sent_at_s: float

    def confirmed_by(self, last: RemoteChange | None) -> bool:
        """True when ``last`` (the station's newest ``last_remote_change``) is this change."""
        return (last is not None and last != self.before and last.key == self.change.key
                and last.value == self.change.value)

    def expired(self, now_s: float) -> bool:
        return now_s - self.sent_at_s > GIVE_UP_AFTER_S
