"""A client's progress report: PNG trend charts and one PDF, drawn with matplotlib (Agg).

Three charts, one point per week (a week without a session breaks the line: it is no zero):
%MVC per muscle (peak and mean, of each session's own calibration), limb symmetry with the 90 %
line, and sessions done against prescribed. The PDF holds the same charts after a page of text: the
progression status and what changed since the first week. matplotlib is imported here only, so
no other command pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.rules.session_summary import SetFatigue
from engine.weekly_progress import Change, WeekFigures
from history.report_files import save_report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The usual return-to-sport line for the limb symmetry index, %.
SYMMETRY_LINE_PCT = 90.0
#: Where legends go: a fixed corner (searching for the emptiest one costs more than the rest of
#: the chart); trends rise, so the lower right stays clearest early and late.
_LEGEND_AT = "lower right"


@dataclass(frozen=True)
class TrendSeries:
    """One plotted line: its label and (week number, value) points."""

    label: str
    points: tuple[tuple[int, float], ...]


@dataclass
class ProgressReport:
    """What the report shows, and the files it was written to."""

    client_id: str
    weeks: Sequence[WeekFigures]
    changes: Sequence[Change]
    status: Sequence[str]
    """Lines on the progression status (the protocol's readiness, adherence, flags)."""
    files: list[Path] = field(default_factory=list)
    fatigue: Sequence[str] = ()
    """The newest fatigue figures per set and muscle, in words (:func:`fatigue_lines`)."""


def muscle_series(weeks: Sequence[WeekFigures]) -> list[TrendSeries]:
    """Peak and mean %MVC per muscle (and calibration kind), one point per week that has it."""
    found: dict[str, list[tuple[int, float]]] = {}
    for w in weeks:
        for m in w.muscles:
            found.setdefault(f"{m.label} peak", []).append((w.week, m.peak_pct))
            if m.mean_pct is not None:
                found.setdefault(f"{m.label} mean", []).append((w.week, m.mean_pct))
    return [TrendSeries(label, tuple(points)) for label, points in found.items()]


def symmetry_series(weeks: Sequence[WeekFigures]) -> TrendSeries:
    return TrendSeries("symmetry (LSI)", tuple(
        (w.week, w.symmetry_lsi_pct) for w in weeks if w.symmetry_lsi_pct is not None))


def adherence_series(weeks: Sequence[WeekFigures]) -> tuple[TrendSeries, TrendSeries]:
    return (TrendSeries("sessions done", tuple((w.week, float(w.sessions_done)) for w in weeks)),
            TrendSeries("prescribed", tuple((w.week, float(w.sessions_prescribed))
                                            for w in weeks if w.sessions_prescribed)))


def write_report(report: ProgressReport, folder: Path) -> list[Path]:
    """Write ``progress-mvc.png``, ``progress-symmetry.png``, ``progress-adherence.png`` and
    ``progress.pdf`` into ``folder``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    figures = {
        "progress-mvc.png": _mvc_figure(report.weeks),
        "progress-symmetry.png": _symmetry_figure(report.weeks),
        "progress-adherence.png": _adherence_figure(report.weeks),
    }
    paths = save_report(folder, figures, _text_page(report), "progress.pdf",
                        f"myoplay progress {report.client_id}")
    report.files = paths
    return paths


def _new_figure(title: str) -> tuple[Figure, Any]:
    import matplotlib.pyplot as plt

    # Fixed margins rather than a layout engine, and the title at a fixed height rather than
    # placed clear of the tick labels: laying out is most of the drawing time.
    figure, axes = plt.subplots(figsize=(8.0, 4.5))
    figure.subplots_adjust(left=0.09, right=0.97, top=0.91, bottom=0.14)
    axes.set_title(title, y=1.01)
    axes.grid(True, alpha=0.3)
    return figure, axes


def _plot(axes: Any, series: TrendSeries, weeks: Sequence[WeekFigures], **style: Any) -> None:
    """One line over every week, broken (NaN) where the week has no value."""
    if series.points:
        values = dict(series.points)
        xs = [w.week for w in weeks]
        ys = [values.get(w.week, float("nan")) for w in weeks]
        axes.plot(xs, ys, marker="o", markersize=4, label=series.label, gid=series.label,
                  **style)


def _week_ticks(axes: Any, weeks: Sequence[WeekFigures]) -> None:
    """Whole week numbers, at most a dozen labelled; the x label says when week 1 began."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True, min_n_ticks=1))
    if weeks:
        axes.set_xlim(0.5, weeks[-1].week + 0.5)
        axes.set_xlabel(f"week (week 1 began on Monday {weeks[0].starts_on:%Y-%m-%d})")


def _mvc_figure(weeks: Sequence[WeekFigures]) -> Figure:
    figure, axes = _new_figure("%MVC per muscle (each session's own calibration)")
    for series in muscle_series(weeks):
        _plot(axes, series, weeks, linestyle="-" if series.label.endswith("peak") else "--")
    axes.set_ylabel("%MVC")
    axes.set_ylim(bottom=0)
    _week_ticks(axes, weeks)
    if axes.lines:
        axes.legend(fontsize=8, loc=_LEGEND_AT)
    return figure


def _symmetry_figure(weeks: Sequence[WeekFigures]) -> Figure:
    figure, axes = _new_figure("Limb symmetry index (involved / uninvolved)")
    _plot(axes, symmetry_series(weeks), weeks)
    axes.axhline(SYMMETRY_LINE_PCT, color="grey", linestyle=":", label="90 % line")
    axes.set_ylabel("LSI, %")
    axes.set_ylim(0, 110)
    _week_ticks(axes, weeks)
    axes.legend(fontsize=8, loc=_LEGEND_AT)
    return figure


def _adherence_figure(weeks: Sequence[WeekFigures]) -> Figure:
    from matplotlib.ticker import MaxNLocator

    figure, axes = _new_figure("Sessions per week")
    done, prescribed = adherence_series(weeks)
    _plot(axes, done, weeks)
    _plot(axes, prescribed, weeks, linestyle="--", color="grey")
    axes.set_ylabel("sessions")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _week_ticks(axes, weeks)
    axes.legend(fontsize=8, loc=_LEGEND_AT)
    return figure


def _text_page(report: ProgressReport) -> Figure:
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8.27, 11.69))
    lines = [f"Progress of client {report.client_id}", ""]
    lines += ["Progression status:", *[f"  {s}" for s in report.status], ""]
    lines.append("Changes since the first week:")
    lines += [f"  {change_text(c)}" for c in report.changes] or ["  (one week so far)"]
    if report.fatigue:
        lines += ["", "Fatigue in the newest session (median-frequency slope per set):"]
        lines += [f"  {line}" for line in report.fatigue]
    lines += ["", "%MVC is of each session's own calibration; sub-maximal and maximal",
              "references are kept apart. Raw µV are not compared across days (electrode",
              "placement and skin change them by about 40 %)."]
    figure.text(0.08, 0.95, "\n".join(lines), va="top", family="monospace", fontsize=9)
    return figure


def fatigue_lines(filed: Sequence[tuple[str, SetFatigue]]) -> list[str]:
    """The fatigue figures of the newest session in ``filed`` (start time and figure, oldest
    first, as the store lists the sessions that filed any), one dated sentence each."""
    if not filed:
        return []
    newest = filed[-1][0]
    return [f"{newest[:10]} {f.sentence()}" for started_at, f in filed if started_at == newest]


def change_text(change: Change) -> str:
    """"left quadriceps (mvc) peak: 26 → 63 %MVC (week 1 → 6)"."""
    return (f"{change.what}: {change.first:.0f} → {change.latest:.0f} {change.unit} "
            f"(week {change.first_week} → {change.latest_week})")
