"""A station's state row for the clinic dashboard: what one session looks like right now.

Pure (no pylsl, no Trio): :class:`StationState` turns the session's newest
:class:`~engine.view.SessionView` into the JSON row that ``myoplay play --publish`` sends on its
``MyoplayState`` stream ten times a second (the wire format is in ``docs/interop.md``). The
row names the client by pseudonym only (the history store's client id), never by a display
name, and never carries %MVC the player would not be shown: a channel whose last sample is
flagged, or that has no calibration, reports ``pct_mvc`` null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.clock import NS_PER_S
from engine.messages import PlainValue
from engine.rules import EventKind
from engine.view import ChannelView, ExerciseView, SessionView
from modes import alerts, readouts

#: The ``v`` of every row, and the description's ``state_version``: bumped only when a field
#: changes meaning (new fields are added with the same version).
STATE_VERSION = 1
#: How often a row goes out while the session runs, seconds of real time.
STATE_PERIOD_S = 0.1
#: The largest row sent, bytes of UTF-8 (alerts are trimmed to fit).
MAX_ROW_BYTES = 8192
#: Above this share of lost packets the row carries a ``packet_loss`` alert, %.
PACKET_LOSS_ALERT_PCT = 1.0
#: Phases the row reports besides the exercise's own (``Phase`` values).
START, CALIBRATION, ENDED = "start", "calibration", "ended"


@dataclass(frozen=True, slots=True)
class StationIdentity:
    """What a station's rows say about it: fixed for the session."""

    station: str
    client: str | None
    """The client's pseudonym (``play --client``), or None: never a display name."""
    protocol_id: str
    protocol_name: str
    mode: str
    remote_allowed: bool
    protocol_ids: Mapping[str, str] = field(default_factory=dict)
    """Protocol ids by name, for a protocol chosen on the start screen (the view names the
    protocol it runs; the row gives its id too)."""


class StationState:
    """Builds the rows of one station, numbering them and remembering the last remote change
    it saw confirmed (a ``remote_change`` event in a view), so every later row repeats it."""

    def __init__(self, identity: StationIdentity) -> None:
        self.identity = identity
        self.seq = 0
        """The number of the last row built (the first is 1)."""
        self._last_remote: dict[str, PlainValue] | None = None
        self._last_remote_t_ns = -1

    def row(self, view: SessionView | None, *, latency_ms: float | None = None,
            end_reason: str | None = None) -> dict[str, PlainValue]:
        """The row for ``view`` (None before the session's first view); ``end_reason`` makes
        it the last row of an ended session."""
        self.seq += 1
        me = self.identity
        exercise = view.exercise if view is not None else None
        channels = view.channels if view is not None else ()
        if view is not None:
            self._note_remote_changes(view)
        return {
            "v": STATE_VERSION,
            "station": me.station,
            "seq": self.seq,
            "t_s": round(view.t_ns / NS_PER_S, 3) if view is not None else 0.0,
            "client": me.client,
            "protocol": (me.protocol_ids.get(exercise.protocol, me.protocol_id)
                         if exercise is not None else me.protocol_id),
            "protocol_name": exercise.protocol if exercise is not None else me.protocol_name,
            "mode": me.mode,
            "phase": _phase(view, end_reason),
            "rep": exercise.rep if exercise is not None else None,
            "reps_total": exercise.reps_total if exercise is not None else None,
            "set": exercise.set_index if exercise is not None else None,
            "sets_total": exercise.sets_total if exercise is not None else None,
            "muscles": [_muscle(i, channel, exercise) for i, channel in enumerate(channels)],
            "symmetry_pct": _rounded(exercise.symmetry_lsi_pct if exercise else None, 1),
            "compensation_ratio": _rounded(exercise.compensation_ratio if exercise else None, 2),
            "alerts": _alerts(view, end_reason),
            "quality_ok": view is not None and _quality_ok(view),
            "latency_ms": _rounded(latency_ms, 1),
            "remote_allowed": me.remote_allowed,
            "last_remote_change": self._last_remote,
            "ended": end_reason is not None,
            "end_reason": end_reason,
        }

    def _note_remote_changes(self, view: SessionView) -> None:
        for event in view.recent_events:
            # >=: two changes stamped at one sample are both seen, the later one kept
            if event.kind == EventKind.REMOTE_CHANGE and event.t_ns >= self._last_remote_t_ns:
                data = event.data if isinstance(event.data, dict) else {}
                self._last_remote_t_ns = event.t_ns
                self._last_remote = {"by": data.get("by"), "key": data.get("key"),
                                     "value": data.get("value"),
                                     "t_s": round(event.t_ns / NS_PER_S, 3),
                                     "dashboard": data.get("dashboard"), "seq": data.get("seq")}


def encode_row(row: dict[str, PlainValue]) -> str:
    """``row`` as compact JSON within :data:`MAX_ROW_BYTES` (the last alerts are left out
    when a row with many would not fit; everything else always fits a station's channels)."""
    text = _compact(row)
    alerts_now = row.get("alerts")
    while len(text.encode("utf-8")) > MAX_ROW_BYTES and isinstance(alerts_now, list) and alerts_now:
        alerts_now = alerts_now[:-1]
        text = _compact({**row, "alerts": alerts_now})
    return text


def _compact(row: dict[str, PlainValue]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _phase(view: SessionView | None, end_reason: str | None) -> str:
    if end_reason is not None:
        return ENDED
    if view is None:
        return START
    if view.calibration is not None:
        return CALIBRATION
    return view.exercise.phase if view.exercise is not None else START


def _muscle(index: int, channel: ChannelView, exercise: ExerciseView | None) -> PlainValue:
    """One channel: %MVC only where the player would be shown it (no flag, a calibration),
    the band on the exercise's target channels."""
    targets = exercise.target_channels if exercise is not None else ()
    band: PlainValue = None
    if exercise is not None and (not targets or index in targets):
        band = [exercise.target_low_pct, exercise.target_high_pct]
    words = readouts.quality_words(channel.quality)
    return {
        "label": channel.label,
        "muscle": channel.muscle,
        "side": channel.side.value,
        "pct_mvc": _rounded(channel.pct_mvc, 1) if not channel.quality else None,
        "band_pct": band,
        "quality": ", ".join(words) if words else "ok",
    }


def _alerts(view: SessionView | None, end_reason: str | None) -> list[PlainValue]:
    """What a clinician should know now, in the words the station shows, most urgent first:
    the session's end, the sensor, the rules' alerts (compensation, symmetry, quality), each
    flagged channel, and lost packets."""
    out: list[PlainValue] = []
    if end_reason is not None:
        out.append({"kind": "ended", "text": f"Session ended: {end_reason}"})
    if view is None:
        return out
    for kind, headline, numbers in alerts.kinded_alert_items(view):
        out.append({"kind": kind, "text": f"{headline} ({numbers})" if numbers else headline})
    if view.packet_loss_pct > PACKET_LOSS_ALERT_PCT:
        out.append({"kind": "packet_loss",
                    "text": f"{view.packet_loss_pct:.1f} % of the sensor's packets lost"})
    return out


def _quality_ok(view: SessionView) -> bool:
    return (view.sensor_status in alerts.SENSOR_STATES_WITHOUT_ALERT
            and view.packet_loss_pct <= PACKET_LOSS_ALERT_PCT
            and not any(channel.quality for channel in view.channels))


def _rounded(value: float | None, digits: int) -> float | None:
    """``value`` to ``digits`` decimals; None for none, NaN or infinity (JSON has neither)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)
