"""Knowledge of results: what each rep, each set and the whole session achieved.

These are the records a game shows after a rep or set and a replay stores; each converts to
plain data (:func:`engine.messages.canonical`) and back, checking every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from engine.errors import MessageFormatError
from engine.messages import PlainValue, canonical


@dataclass(frozen=True, slots=True)
class RepResult:
    """One rep: did the hold succeed, how long in the zone, how strong, how symmetric.

    ``peak_pct`` and ``mean_pct`` are of the target level (the mean of the target channels);
    they are None for an MVC test without a calibration, where ``peak_uv`` is what counts.
    """

    set_index: int
    rep: int
    success: bool
    t_ns: int
    duration_s: float
    time_in_zone_s: float
    peak_pct: float | None
    mean_pct: float | None
    peak_uv: float
    symmetry_lsi_pct: float | None
    low_pct: float
    high_pct: float
    hold_s: float

    def to_plain(self) -> dict[str, PlainValue]:
        return _plain(asdict(self))

    @classmethod
    def from_plain(cls, data: object) -> RepResult:
        return cls(**_fields(cls, data))


@dataclass(frozen=True, slots=True)
class SetResult:
    """One set: how many reps succeeded and the set's time in zone, peak and mean symmetry."""

    set_index: int
    reps: int
    reps_succeeded: int
    time_in_zone_s: float
    peak_pct: float | None
    symmetry_lsi_pct: float | None

    @property
    def success_rate(self) -> float:
        return self.reps_succeeded / self.reps if self.reps else 0.0

    def to_plain(self) -> dict[str, PlainValue]:
        return _plain(asdict(self) | {"success_rate": self.success_rate})

    @classmethod
    def from_plain(cls, data: object) -> SetResult:
        values = dict(_mapping(data, cls.__name__))
        values.pop("success_rate", None)
        return cls(**_fields(cls, values))


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """The whole exercise: reps done against prescribed, time in zone, peaks, symmetry, alerts.

    ``peak_pct_by_channel`` maps channel labels to their highest %MVC while not paused;
    ``alerts`` counts raised alerts by kind ("symmetry_alert", "compensation_alert",
    "quality_paused").
    """

    protocol_id: str
    protocol_name: str
    reps_prescribed: int
    reps_attempted: int
    reps_completed: int
    sets_prescribed: int
    sets_completed: int
    time_in_zone_s: float
    paused_s: float
    peak_pct_by_channel: dict[str, float]
    mean_symmetry_lsi_pct: float | None
    alerts: dict[str, int]
    progression_ready: bool
    final_low_pct: float
    final_high_pct: float
    final_hold_s: float
    finished: bool
    reps: tuple[RepResult, ...] = field(default=())
    sets: tuple[SetResult, ...] = field(default=())

    def to_plain(self) -> dict[str, PlainValue]:
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["reps"] = [r.to_plain() for r in self.reps]
        values["sets"] = [s.to_plain() for s in self.sets]
        return _plain(values)

    @classmethod
    def from_plain(cls, data: object) -> SessionSummary:
        values = _fields(cls, data)
        for name in ("reps", "sets"):
            if not isinstance(values[name], list):
                raise MessageFormatError(f"session summary: {name!r} must be a list")
        values["reps"] = tuple(RepResult.from_plain(r) for r in values["reps"])
        values["sets"] = tuple(SetResult.from_plain(s) for s in values["sets"])
        for name in ("peak_pct_by_channel", "alerts"):
            values[name] = dict(_mapping(values[name], f"session summary {name}"))
        return cls(**values)


def _plain(values: Mapping[str, Any]) -> dict[str, PlainValue]:
    plain = canonical(values)
    assert isinstance(plain, dict)
    return plain


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MessageFormatError(f"{what}: expected a mapping, got {type(data).__name__}")
    return data


def _fields(cls: type, data: object) -> dict[str, Any]:
    """Check that ``data`` has exactly ``cls``'s fields, with ints and floats where expected."""
    values = dict(_mapping(data, cls.__name__))
    names = [f.name for f in fields(cls)]
    missing = [n for n in names if n not in values]
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise MessageFormatError(
            f"{cls.__name__}: missing fields {missing} / unknown fields {extra}"
        )
    for f in fields(cls):
        value = values[f.name]
        kind = str(f.type)
        if kind.startswith("float") and isinstance(value, int) and not isinstance(value, bool):
            values[f.name] = float(value)
        elif kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise MessageFormatError(f"{cls.__name__}.{f.name}: expected int, got {value!r}")
        elif kind == "bool" and not isinstance(value, bool):
            raise MessageFormatError(f"{cls.__name__}.{f.name}: expected bool, got {value!r}")
        elif kind == "str" and not isinstance(value, str):
            raise MessageFormatError(f"{cls.__name__}.{f.name}: expected str, got {value!r}")
        elif kind.startswith("float") and not (
            isinstance(value, float) or (value is None and "None" in kind)
        ):
            raise MessageFormatError(f"{cls.__name__}.{f.name}: expected a number, got {value!r}")
    return values
