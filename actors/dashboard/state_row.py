"""A station's state row (wire format version 1), checked before anything shows it.

A row is one compact JSON object a station publishes on its ``MyoplayState`` LSL stream about
ten times a second (``docs/dashboard.md``). Rows come from the network, so each is read as
untrusted input: at most :data:`MAX_ROW_BYTES`, the version known, every field of the expected
type. Unknown keys are dropped (a newer station may add some), non-finite numbers become None
(the page's JSON has no NaN), and a row that is not a version-1 state row is refused with a
:class:`StateRowError` that says what was wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

#: The largest row accepted, in bytes of UTF-8.
MAX_ROW_BYTES = 8192
#: The state row version this dashboard reads (the ``v`` key).
STATE_ROW_VERSION = 1
#: The LSL content type of a station's state stream.
STATE_STREAM_TYPE = "MyoplayState"


class StateRowError(ValueError):
    """A row that is not a usable state row; the message says why."""


@dataclass(frozen=True, slots=True)
class MuscleReading:
    """One muscle's %MVC now (None when withheld or uncalibrated), its band and its signal
    quality ("ok", or the station's flag words)."""

    label: str
    muscle: str
    side: str
    pct_mvc: float | None
    band_pct: tuple[float, float] | None
    quality: str


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert a clinician reads: its ``kind`` and the words."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class RemoteChange:
    """The last remote change a station applied: who, which key, which value, when (session
    seconds)."""

    by: str
    key: str
    value: bool | float | list[float] | str | None
    t_s: float | None


@dataclass(frozen=True, slots=True)
class StateRow:
    """A station's state as one row states it."""

    station: str
    seq: int
    t_s: float
    client: str | None
    protocol: str
    protocol_name: str
    mode: str
    phase: str
    rep: int | None
    reps_total: int | None
    set: int | None
    sets_total: int | None
    muscles: tuple[MuscleReading, ...]
    symmetry_pct: float | None
    compensation_ratio: float | None
    alerts: tuple[Alert, ...]
    quality_ok: bool
    latency_ms: float | None
    remote_allowed: bool
    last_remote_change: RemoteChange | None
    ended: bool
    end_reason: str | None


def parse_state_row(text: str) -> StateRow:
    """The state ``text`` states; :class:`StateRowError` if it is not a version-1 row."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_ROW_BYTES:
        raise StateRowError(f"row longer than {MAX_ROW_BYTES} bytes")
    try:
        row = json.loads(text)
    except ValueError as error:
        raise StateRowError(f"row is not JSON ({error})") from None
    if not isinstance(row, dict):
        raise StateRowError("row is not a JSON object")
    if row.get("v") != STATE_ROW_VERSION:
        raise StateRowError(f"row version {row.get('v')!r}, this dashboard reads "
                            f"{STATE_ROW_VERSION}")
    return StateRow(
        station=_text(row, "station"),
        seq=_integer(row, "seq"),
        t_s=_number(row, "t_s") or 0.0,
        client=_optional_text(row, "client"),
        protocol=_text(row, "protocol", ""),
        protocol_name=_text(row, "protocol_name", ""),
        mode=_text(row, "mode", ""),
        phase=_text(row, "phase", ""),
        rep=_optional_integer(row, "rep"),
        reps_total=_optional_integer(row, "reps_total"),
        set=_optional_integer(row, "set"),
        sets_total=_optional_integer(row, "sets_total"),
        muscles=tuple(_muscle(m) for m in _list(row, "muscles")),
        symmetry_pct=_number(row, "symmetry_pct"),
        compensation_ratio=_number(row, "compensation_ratio"),
        alerts=tuple(_alert(a) for a in _list(row, "alerts")),
        quality_ok=_flag(row, "quality_ok", True),
        latency_ms=_number(row, "latency_ms"),
        remote_allowed=_flag(row, "remote_allowed", False),
        last_remote_change=_remote_change(row.get("last_remote_change")),
        ended=_flag(row, "ended", False),
        end_reason=_optional_text(row, "end_reason"),
    )


def _text(row: dict[str, Any], key: str, default: str | None = None) -> str:
    value = row.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise StateRowError(f"{key!r} is not a non-empty string")
    return value


def _optional_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise StateRowError(f"{key!r} is neither a string nor null")
    return value


def _integer(row: dict[str, Any], key: str) -> int:
    value = _optional_integer(row, key)
    if value is None:
        raise StateRowError(f"{key!r} is missing")
    return value


def _optional_integer(row: dict[str, Any], key: str) -> int | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateRowError(f"{key!r} is not an integer")
    return value


def _finite(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StateRowError(f"{what} is not a number")
    return float(value) if math.isfinite(value) else None


def _number(row: dict[str, Any], key: str) -> float | None:
    return _finite(row.get(key), repr(key))


def _flag(row: dict[str, Any], key: str, default: bool) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise StateRowError(f"{key!r} is not true or false")
    return value


def _list(row: dict[str, Any], key: str) -> list[Any]:
    value = row.get(key) or []
    if not isinstance(value, list):
        raise StateRowError(f"{key!r} is not a list")
    return value


def _muscle(item: Any) -> MuscleReading:
    if not isinstance(item, dict):
        raise StateRowError("a muscle is not an object")
    band = item.get("band_pct")
    band_pct: tuple[float, float] | None = None
    if band is not None:
        if not (isinstance(band, list) and len(band) == 2):
            raise StateRowError("a muscle's 'band_pct' is not [low, high]")
        low, high = (_finite(b, "a band edge") for b in band)
        band_pct = None if low is None or high is None else (low, high)
    return MuscleReading(
        label=_text(item, "label", ""), muscle=_text(item, "muscle", ""),
        side=_text(item, "side", ""), pct_mvc=_finite(item.get("pct_mvc"), "'pct_mvc'"),
        band_pct=band_pct, quality=_text(item, "quality", "ok"))


def _alert(item: Any) -> Alert:
    if not isinstance(item, dict):
        raise StateRowError("an alert is not an object")
    return Alert(_text(item, "kind", "alert"), _text(item, "text"))


def _remote_change(item: Any) -> RemoteChange | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        raise StateRowError("'last_remote_change' is not an object")
    return RemoteChange(by=_text(item, "by", ""), key=_text(item, "key", ""),
                        value=_change_value(item.get("value")),
                        t_s=_finite(item.get("t_s"), "its 't_s'"))


def _change_value(value: Any) -> bool | float | list[float] | str | None:
    """A remote change's value as the page may show it: a flag, a number or a band; anything
    else as its text (never a NaN the page's JSON cannot carry)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _finite(value, "its 'value'")
    if isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value):
        return [float(v) for v in value]
    return json.dumps(value)[:200]
