"""Knowledge of results: what each rep, each set and the whole session achieved.

These are the records a game shows after a rep or set and a replay stores; each converts to
plain data (:func:`engine.messages.canonical`) and back, checking every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from typing import Any

from engine.comparison_result import ComparisonResult
from engine.errors import MessageFormatError
from engine.messages import PlainValue, canonical


@dataclass(frozen=True, slots=True)
class RepResult:
    """One rep: did the hold succeed, how long in the zone, how strong, how symmetric.

    ``peak_pct`` and ``mean_pct`` are of the target level (the mean of the target channels);
    they are None for an MVC test without a calibration, where ``peak_uv`` is what counts.
    ``compensated`` marks a rep during which the compensation alert was raised, whatever the
    protocol's policy made of it; ``failed_by`` names what failed a rep the hold alone would
    have passed ("compensation" under ``compensation.during_alert = "fail"``), else None.
    Both default for summaries written before they existed.
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
    compensated: bool = False
    failed_by: str | None = None
    longest_hold_s: float | None = None
    """The longest unbroken hold of the rep, s (dips within the tolerance included): what the
    hold rule judged, where ``time_in_zone_s`` also adds up the broken pieces. None in
    summaries written before it was kept."""

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
class BandPeriod:
    """A band the reps were judged on: from sample time ``t_ns`` and 0-based rep ``from_rep``
    of the session, why it was set ("protocol", "shaping_up", "shaping_down", "config")."""

    t_ns: int
    from_rep: int
    low_pct: float
    high_pct: float
    hold_s: float
    reason: str

    def to_plain(self) -> dict[str, PlainValue]:
        return _plain(asdict(self))

    @classmethod
    def from_plain(cls, data: object) -> BandPeriod:
        return cls(**_fields(cls, data))


FATIGUING_PCT_PER_S = -0.1
"""Median-frequency slope at or below which a set reads as fatiguing, in % of the set's starting
median frequency per second of contraction (sustained efforts from 25 % MVC fall by about
0.2–1 %/s; a tenth of a percent is within what a steady muscle's estimate drifts)."""


@dataclass(frozen=True, slots=True)
class SetFatigue:
    """One muscle's fatigue over one set: the median-frequency (MDF) slope.

    Fitted (:func:`engine.fatigue.fatigue_trend`) through the MDF of the 1 s windows that lay
    wholly in the set's contractions, on clean samples only (no quality flag, the muscle above
    the activity threshold), against the time under contraction in the set (rests left out, so
    the slope is per second of work and sets with different rests compare).
    """

    set_index: int
    channel: str
    muscle: str
    side: str
    slope_pct_per_s: float
    """% of the set's fitted starting MDF per second of contraction (negative: fatiguing)."""
    start_hz: float
    windows: int
    """MDF windows the slope was fitted through."""
    contraction_s: float
    """Time under contraction the windows span, first centre to last."""

    @property
    def state(self) -> str:
        """"fatiguing", "steady" or "rising" (a rising MDF: warming up, or an electrode
        settling)."""
        if self.slope_pct_per_s <= FATIGUING_PCT_PER_S:
            return "fatiguing"
        return "rising" if self.slope_pct_per_s >= -FATIGUING_PCT_PER_S else "steady"

    @property
    def muscle_name(self) -> str:
        """The muscle as a physiotherapist writes it: "Quadriceps L"."""
        side = {"left": " L", "right": " R"}.get(self.side, "")
        return self.muscle.replace("_", " ").capitalize() + side

    def trend_words(self) -> str:
        """"median frequency −0.35 %/s in set 2 (fatiguing)"."""
        slope = f"{self.slope_pct_per_s:+.2f}".replace("-", "\u2212")
        return f"median frequency {slope} %/s in set {self.set_index} ({self.state})"

    def sentence(self) -> str:
        """"Quadriceps L: median frequency −0.35 %/s in set 2 (fatiguing)"."""
        return f"{self.muscle_name}: {self.trend_words()}"

    def to_plain(self) -> dict[str, PlainValue]:
        return _plain(asdict(self))

    @classmethod
    def from_plain(cls, data: object) -> SetFatigue:
        return cls(**_fields(cls, data))


TREND_MIN_REPS = 4
"""Fewest reps that show a trend (two in each half); fewer say nothing about a direction."""
TREND_STEP = 0.1
"""Change in the share of the hold spent in the zone, half to half, that counts as a direction
(a tenth of the hold: less is within what one rep varies)."""


@dataclass(frozen=True, slots=True)
class SessionTrend:
    """The session's first half of reps against its second half.

    The direction is read from the share of the required hold spent in the zone, which compares
    reps judged on different bands; success rates and mean levels (%MVC, None without a
    calibration) are given beside it. "worse" late in a long session usually means fatigue.
    """

    reps_per_half: int
    early_success_rate: float
    late_success_rate: float
    early_zone_share: float
    late_zone_share: float
    early_mean_pct: float | None
    late_mean_pct: float | None
    direction: str
    """"better", "steady" or "worse"."""

    @classmethod
    def of(cls, reps: tuple[RepResult, ...]) -> SessionTrend | None:
        """The trend of ``reps``, or None with fewer than :data:`TREND_MIN_REPS`."""
        if len(reps) < TREND_MIN_REPS:
            return None
        half = len(reps) // 2
        early, late = reps[:half], reps[-half:]
        early_share, late_share = _zone_share(early), _zone_share(late)
        change = late_share - early_share
        direction = ("better" if change >= TREND_STEP else
                     "worse" if change <= -TREND_STEP else "steady")
        return cls(
            reps_per_half=half,
            early_success_rate=sum(r.success for r in early) / half,
            late_success_rate=sum(r.success for r in late) / half,
            early_zone_share=early_share,
            late_zone_share=late_share,
            early_mean_pct=_mean_level(early),
            late_mean_pct=_mean_level(late),
            direction=direction,
        )

    def to_plain(self) -> dict[str, PlainValue]:
        return _plain(asdict(self))


def _zone_share(reps: tuple[RepResult, ...]) -> float:
    """Mean share of the required hold each rep spent in the zone (each capped at 1)."""
    return sum(min(1.0, r.time_in_zone_s / r.hold_s) for r in reps) / len(reps)


def _mean_level(reps: tuple[RepResult, ...]) -> float | None:
    levels = [r.mean_pct for r in reps if r.mean_pct is not None]
    return sum(levels) / len(levels) if levels else None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """The whole exercise: reps done against prescribed, time in zone, peaks, symmetry, alerts.

    ``peak_pct_by_channel`` maps channel labels to their highest %MVC while not paused;
    ``mean_pct_by_channel`` to their mean %MVC over the working phase (the ticks judged while
    contracting, from each rep's onset, pauses left out: see :mod:`engine.rules.reps`; empty
    without a calibration);
    ``alerts`` counts every alert raised in the exercise by kind ("symmetry_alert",
    "compensation_alert", "quality_paused"); ``duration_s`` is the sample time from the
    exercise's first sample to its last (pauses included: ``paused_s`` of it); ``bands`` is
    every band the reps were judged on, oldest first (each rep also carries its own). The
    trend (:class:`SessionTrend`) is computed from the reps, and written beside them.
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
    duration_s: float = 0.0
    bands: tuple[BandPeriod, ...] = field(default=())
    mean_pct_by_channel: dict[str, float] = field(default_factory=dict)
    fatigue: tuple[SetFatigue, ...] = field(default=())
    """Per set and tracked muscle, the median-frequency slope (sets too short for one are left
    out; empty in summaries written before it was measured)."""
    comparison: ComparisonResult | None = None
    """An exercise comparison's ranking once every variation is done (None for other kinds)."""

    @property
    def trend(self) -> SessionTrend | None:
        """First half of the reps against the second (None with too few reps)."""
        return SessionTrend.of(self.reps)

    @property
    def reps_compensated(self) -> int:
        """Reps marked for a compensation alert during them (counted or failed, as the
        protocol's ``compensation.during_alert`` says)."""
        return sum(r.compensated for r in self.reps)

    def to_plain(self) -> dict[str, PlainValue]:
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["reps"] = [r.to_plain() for r in self.reps]
        values["sets"] = [s.to_plain() for s in self.sets]
        values["bands"] = [b.to_plain() for b in self.bands]
        values["fatigue"] = [f.to_plain() for f in self.fatigue]
        # Only a comparison has one: the other kinds' summaries stay as they were written.
        comparison = values.pop("comparison")
        if comparison is not None:
            values["comparison"] = comparison.to_plain()
        trend = self.trend
        values["trend"] = trend.to_plain() if trend is not None else None
        values["reps_compensated"] = self.reps_compensated
        return _plain(values)

    @classmethod
    def from_plain(cls, data: object) -> SessionSummary:
        values = dict(_mapping(data, cls.__name__))
        # Computed from the reps: the trend, the marked reps, and the score that summary.json
        # keeps beside them (engine.game_score).
        for derived in ("trend", "reps_compensated", "score"):
            values.pop(derived, None)
        values = _fields(cls, values)
        for name in ("reps", "sets", "bands", "fatigue"):
            values.setdefault(name, [])
            if not isinstance(values[name], list):
                raise MessageFormatError(f"session summary: {name!r} must be a list")
        values["reps"] = tuple(RepResult.from_plain(r) for r in values["reps"])
        values["sets"] = tuple(SetResult.from_plain(s) for s in values["sets"])
        values["bands"] = tuple(BandPeriod.from_plain(b) for b in values["bands"])
        values["fatigue"] = tuple(SetFatigue.from_plain(f) for f in values["fatigue"])
        if values.get("comparison") is not None:
            values["comparison"] = ComparisonResult.from_plain(values["comparison"])
        for name in ("peak_pct_by_channel", "alerts", "mean_pct_by_channel"):
            if name in values:  # summaries written before the mean was kept have none
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
    """Check that ``data`` has ``cls``'s fields and no others, with ints and floats where
    expected; a field with a default may be missing (data written before it existed)."""
    values = dict(_mapping(data, cls.__name__))
    names = [f.name for f in fields(cls)]
    missing = [f.name for f in fields(cls) if f.name not in values and not _has_default(f)]
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise MessageFormatError(
            f"{cls.__name__}: missing fields {missing} / unknown fields {extra}"
        )
    for f in fields(cls):
        if f.name not in values:
            continue  # the default applies
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
        elif kind == "str | None" and not (value is None or isinstance(value, str)):
            raise MessageFormatError(
                f"{cls.__name__}.{f.name}: expected str or nothing, got {value!r}")
        elif kind.startswith("float") and not (
            isinstance(value, float) or (value is None and "None" in kind)
        ):
            raise MessageFormatError(f"{cls.__name__}.{f.name}: expected a number, got {value!r}")
    return values


def _has_default(f: Field[Any]) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING
