"""A client's progress week by week: adherence, success, %MVC per muscle and symmetry.

Weeks run Monday to Sunday; week 1 is the one holding the first session (or the first
prescription's start, if earlier). A week's %MVC figures are means over its sessions of each
session's own figures — %MVC of that session's calibration — kept apart by calibration kind, since
a sub-maximal reference and a maximum are never comparable (raw µV are not used at all: the
same electrodes vary by about 40 % from day to day). Pure: the caller says what "today" is.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from engine.rules.reps import mean_or_none


@dataclass(frozen=True, slots=True)
class Prescription:
    """How often a client is to play one protocol, from ``starts_on`` (ISO date) on."""

    client_id: str
    protocol: str
    reps: int | None
    sessions_per_week: int
    starts_on: str


@dataclass(frozen=True, slots=True)
class SidePoint:
    """One side of a session's target muscle: its highest and its mean %MVC over the working
    phase."""

    side: str
    peak_pct: float | None
    mean_pct: float | None


@dataclass(frozen=True, slots=True)
class SessionPoint:
    """The figures of one filed session that the weekly progress needs."""

    started_at: str
    protocol_id: str
    target_muscle: str
    target_side: str
    calibration_kind: str | None
    reps_prescribed: int
    reps_attempted: int
    reps_completed: int
    peak_pct: float | None
    mean_pct: float | None
    symmetry_lsi_pct: float | None
    compensation_alerts: int
    progression_ready: int
    bar_peak_pct: float | None
    bar_symmetry_pct: float | None
    finished: int
    bar_sessions_needed: int | None = None
    """The protocol's criterion across sessions (None: filed before the store kept it, the
    defaults of ``[progression]`` apply)."""
    bar_of_last: int | None = None
    bar_no_compensation_in_last: int | None = None
    next_protocol: str | None = None
    """The protocol's next step: another protocol, or the band below."""
    next_band_low_pct: float | None = None
    next_band_high_pct: float | None = None
    sides: tuple[SidePoint, ...] = ()
    """With a target of both sides: each side's own figures for the target muscle, so that the
    weeks show the involved side apart from the other (the target level is their mean)."""

    @property
    def day(self) -> datetime.date:
        return datetime.datetime.fromisoformat(self.started_at).date()


@dataclass(frozen=True, slots=True)
class MuscleWeek:
    """One muscle's week: mean over sessions of the session peak and mean, %MVC."""

    muscle: str
    side: str
    calibration_kind: str
    sessions: int
    peak_pct: float
    mean_pct: float | None

    @property
    def label(self) -> str:
        """"left quadriceps (mvc)"."""
        return f"{self.side} {self.muscle} ({self.calibration_kind})"


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One week of a client's programme."""

    week: int
    """1-based."""
    starts_on: datetime.date
    sessions_done: int
    sessions_prescribed: int
    reps_attempted: int
    reps_completed: int
    symmetry_lsi_pct: float | None
    muscles: tuple[MuscleWeek, ...]

    @property
    def adherence(self) -> float | None:
        """Sessions done over prescribed (may pass 1), None without a prescription."""
        return (self.sessions_done / self.sessions_prescribed
                if self.sessions_prescribed else None)

    @property
    def success_rate(self) -> float | None:
        return self.reps_completed / self.reps_attempted if self.reps_attempted else None


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weekly_figures(
    sessions: Sequence[SessionPoint],
    prescriptions: Sequence[Prescription],
    today: datetime.date,
) -> list[WeekFigures]:
    """The weeks from the first session (or prescription) to ``today``'s, every one listed
    (a week without sessions shows as none done)."""
    days = [s.day for s in sessions]
    starts = days + [datetime.date.fromisoformat(p.starts_on) for p in prescriptions]
    if not starts:
        return []
    first = monday_of(min(starts))
    last = monday_of(max([today, *days]))
    by_week: dict[int, list[SessionPoint]] = {}
    for day, session in zip(days, sessions, strict=True):
        if session.reps_attempted > 0:
            by_week.setdefault((day - first).days // 7, []).append(session)
    weeks = []
    for number in range((last - first).days // 7 + 1):
        begin = first + datetime.timedelta(days=7 * number)
        end = begin + datetime.timedelta(days=7)
        inside = by_week.get(number, [])
        prescribed = sum(p.sessions_per_week for p in prescriptions
                         if datetime.date.fromisoformat(p.starts_on) < end)
        weeks.append(WeekFigures(
            week=number + 1,
            starts_on=begin,
            sessions_done=len(inside),
            sessions_prescribed=prescribed,
            reps_attempted=sum(s.reps_attempted for s in inside),
            reps_completed=sum(s.reps_completed for s in inside),
            symmetry_lsi_pct=mean_or_none([s.symmetry_lsi_pct for s in inside
                                           if s.symmetry_lsi_pct is not None]),
            muscles=_muscle_weeks(inside),
        ))
    return weeks


def _muscle_weeks(sessions: Sequence[SessionPoint]) -> tuple[MuscleWeek, ...]:
    """Each muscle's week, per side: a session whose target is both sides counts once for each
    side it filed figures of (a bilateral quad set shows the operated side's own trend)."""
    groups: dict[tuple[str, str, str], list[tuple[float, float | None]]] = {}
    for s in sessions:
        if s.calibration_kind is None:
            continue
        points = s.sides if s.sides else (SidePoint(s.target_side, s.peak_pct, s.mean_pct),)
        for point in points:
            if point.peak_pct is not None:
                key = (s.target_muscle, point.side, s.calibration_kind)
                groups.setdefault(key, []).append((point.peak_pct, point.mean_pct))
    out = []
    for (muscle, side, kind), figures in sorted(groups.items()):
        peak = mean_or_none([peak for peak, _ in figures])
        assert peak is not None  # every figure in a group has a peak
        out.append(MuscleWeek(muscle, side, kind, len(figures), peak,
                              mean_or_none([mean for _, mean in figures if mean is not None])))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Change:
    """One figure in the first week that had it and in the latest week that has it."""

    what: str
    unit: str
    first: float
    latest: float
    first_week: int
    latest_week: int


def changes_since_first_week(weeks: Sequence[WeekFigures]) -> list[Change]:
    """Adherence, success rate, symmetry and each muscle's %MVC: first week against latest."""
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}

    def add(what: str, unit: str, week: int, value: float | None) -> None:
        if value is not None:
            series.setdefault((what, unit), []).append((week, value))

    for w in weeks:
        add("sessions done of prescribed", "%", w.week,
            100.0 * w.adherence if w.adherence is not None else None)
        add("reps succeeded", "%", w.week,
            100.0 * w.success_rate if w.success_rate is not None else None)
        add("symmetry (LSI)", "%", w.week, w.symmetry_lsi_pct)
        for m in w.muscles:
            add(f"{m.label} peak", "%MVC", w.week, m.peak_pct)
            add(f"{m.label} mean", "%MVC", w.week, m.mean_pct)
    return [Change(what, unit, points[0][1], points[-1][1], points[0][0], points[-1][0])
            for (what, unit), points in series.items() if len(points) > 1]
