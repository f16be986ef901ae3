"""Which rows of a dashboard's control stream a station applies, and as what.

Pure (no pylsl, no Trio). A clinic dashboard sends one JSON row per change on its
``MyoplayControl`` stream (``{"v": 1, "station", "seq", "by", "key", "value"}``; the wire
format is in ``docs/interop.md``). :class:`ControlDesk` reads each row a station receives and
answers with what to send into the session's inputs: nothing for a row addressed to another
station or already applied (a dashboard may send a row again until the station's state row
confirms it), else two config changes, ``remote.by`` naming who asked and the setting itself,
which the rules actor stamps and records like a clinician's key (so a replay re-applies both).
A row that cannot be applied raises :class:`ControlRefused`, whose message is the one line the
station prints; it has no effect.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass

from engine.errors import ConfigError, MyoplayError
from engine.messages import ConfigChange, PlainValue
from engine.remote_change import REMOTE_BY_KEY, REMOTE_KEYS, RemoteAuthor
from engine.rules.config_changes import BAND_KEY, decode
from engine.view import SessionView

#: The ``v`` of the control rows this station reads.
CONTROL_VERSION = 1
#: The LSL content type of a dashboard's control stream.
CONTROL_TYPE = "MyoplayControl"
#: The largest control row read, bytes (a real one is about 150).
MAX_CONTROL_BYTES = 4096
#: The longest clinician label accepted, characters.
MAX_BY_CHARS = 64
#: Row numbers remembered per dashboard, to apply each row once however often it is sent.
SEEN_PER_DASHBOARD = 1024


class ControlRefused(MyoplayError):
    """A control row this station will not apply (bad JSON, an unknown key, a bad band...)."""


@dataclass(frozen=True, slots=True)
class ControlRow:
    """One change a dashboard asks of ``station``: set ``key`` to ``value``, asked by ``by``."""

    station: str
    seq: int
    by: str
    key: str
    value: PlainValue


def control_object(text: str) -> dict[str, object]:
    """A control row's JSON object and its target (``station``, a non-empty string);
    :class:`ControlRefused` when it is no such thing (whoever it was meant for)."""
    if len(text.encode("utf-8", "replace")) > MAX_CONTROL_BYTES:
        raise ControlRefused(f"a row of {len(text)} characters is too long "
                             f"(at most {MAX_CONTROL_BYTES} bytes)")
    try:
        row = json.loads(text)
    except ValueError as error:
        raise ControlRefused(f"not JSON ({error})") from None
    if not isinstance(row, dict):
        raise ControlRefused("not a JSON object")
    station = row.get("station")
    if not isinstance(station, str) or not station:
        raise ControlRefused("no target station")
    return row


def parse_control_row(row: dict[str, object]) -> ControlRow:
    """Read one control row's object (from :func:`control_object`); :class:`ControlRefused`
    says what is wrong with it."""
    if row.get("v") != CONTROL_VERSION:
        raise ControlRefused(f"version {row.get('v')!r} is not {CONTROL_VERSION}")
    station, seq, by, key = row["station"], row.get("seq"), row.get("by"), row.get("key")
    assert isinstance(station, str)  # checked by control_object
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ControlRefused(f"seq {seq!r} is not a whole number of 0 or more")
    if (not isinstance(by, str) or not by.strip() or len(by) > MAX_BY_CHARS
            or not by.isprintable()):
        raise ControlRefused(f"'by' {by!r} is not a clinician's label "
                             f"(1 to {MAX_BY_CHARS} printable characters)")
    if key not in REMOTE_KEYS:
        raise ControlRefused(f"key {key!r} cannot be changed remotely "
                             f"(only {' and '.join(REMOTE_KEYS)})")
    assert isinstance(key, str)
    value = _plain(row.get("value"))
    try:
        decode(ConfigChange(0, key, value), (), None, math.inf)
    except ConfigError as error:
        raise ControlRefused(str(error)) from None
    return ControlRow(station, seq, by.strip(), key, value)


def _plain(value: object) -> PlainValue:
    """A band's numbers as floats (JSON's ``30`` is the band's 30.0); anything else as read."""
    if isinstance(value, list) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                       for v in value):
        return [float(v) for v in value]
    return value  # type: ignore[return-value]  # json.loads gives plain values only


def refusal(row: ControlRow, view: SessionView | None) -> str | None:
    """Why ``row`` does not fit what the station is doing now, or None when it does: a band
    moves only in a hold exercise, and nothing changes before the exercise or after it."""
    exercise = view.exercise if view is not None else None
    if view is None or view.calibration is not None or exercise is None:
        return "the station is not in an exercise yet (starting or calibrating)"
    if exercise.phase == "done":
        return "the exercise is over"
    if row.key == BAND_KEY and exercise.kind != "hold":
        return f"a {exercise.kind} exercise has no band to move"
    return None


class ControlDesk:
    """Decides, row by row, what a station applies from the dashboards it hears."""

    def __init__(self, station: str) -> None:
        self.station = station
        self._seen: dict[str, deque[int]] = {}
        self.applied = 0
        """Rows applied."""
        self.refused = 0
        """Rows refused (each told on one line)."""

    def take(self, dashboard: str, text: str, view: SessionView | None,
             *, stream_uid: str = "") -> list[ConfigChange]:
        """The inputs ``text`` from ``dashboard`` (a control stream's source id; ``stream_uid``
        tells its instances apart, since a restarted dashboard numbers its rows from 1 again)
        asks of this station: none when it is for another station or already applied.
        Raises :class:`ControlRefused` (counted) for a row that cannot be applied: one for
        this station, or one whose target cannot be read."""
        try:
            plain = control_object(text)
            if plain["station"] != self.station:
                return []  # another station's business, right or wrong
            row = parse_control_row(plain)
        except ControlRefused:
            self.refused += 1
            raise
        seen = self._seen.setdefault(f"{dashboard}\n{stream_uid}",
                                     deque(maxlen=SEEN_PER_DASHBOARD))
        if row.seq in seen:
            return []
        seen.append(row.seq)
        why = refusal(row, view)
        if why is not None:
            self.refused += 1
            raise ControlRefused(f"{row.key} = {row.value!r} by {row.by}: {why}")
        self.applied += 1
        author = RemoteAuthor(row.by, row.key, row.value, dashboard, row.seq)
        return [ConfigChange(0, REMOTE_BY_KEY, author.to_plain()),
                ConfigChange(0, row.key, row.value)]

