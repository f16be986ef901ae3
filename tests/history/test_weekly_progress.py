"""Weekly progress figures and the report drawn from them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from engine.weekly_progress import (
    Prescription,
    SessionPoint,
    changes_since_first_week,
    weekly_figures,
)
from history.progress_report import ProgressReport, muscle_series, write_report

START = datetime.date(2026, 11, 2)  # a Monday


def point(day: int, peak: float, lsi: float, kind: str = "mvc", done: int = 10) -> SessionPoint:
    when = START + datetime.timedelta(days=day)
    return SessionPoint(f"{when}T10:00:00+01:00", "quad_set", "quadriceps", "left", kind, 10,
                        10, done, peak, peak - 10.0, lsi, 0, 0, 70.0, 90.0, 1)


#: Six weeks, three sessions prescribed a week, one missed in week 3 and two in week 5.
SESSIONS = [point(7 * week + day, 25.0 + 8.0 * week + day, 60.0 + 7.0 * week)
            for week in range(6) for day in (0, 2, 4)
            if (week, day) not in ((2, 4), (4, 0), (4, 2))]
PRESCRIBED = [Prescription("P-01", "quad_set", None, 3, START.isoformat())]


def test_each_week_has_its_sessions_adherence_and_mean_figures():
    weeks = weekly_figures(SESSIONS, PRESCRIBED, START + datetime.timedelta(days=40))
    assert [w.week for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert [w.sessions_done for w in weeks] == [3, 3, 2, 3, 1, 3]
    assert weeks[2].adherence == pytest.approx(2 / 3)
    assert weeks[0].muscles[0].peak_pct == pytest.approx(25.0 + 2.0)  # mean of 25, 27, 29
    assert weeks[0].muscles[0].mean_pct == pytest.approx(17.0)
    assert weeks[5].symmetry_lsi_pct == pytest.approx(95.0)


def test_a_week_without_sessions_counts_as_none_done():
    weeks = weekly_figures(SESSIONS[:3], PRESCRIBED, START + datetime.timedelta(days=15))
    assert [(w.sessions_done, w.sessions_prescribed) for w in weeks] == [(3, 3), (0, 3), (0, 3)]
    assert weeks[1].muscles == ()


def test_submaximal_and_maximal_references_are_never_one_trend():
    weeks = weekly_figures([point(0, 30.0, 80.0), point(2, 90.0, 80.0, kind="submax")], [],
                           START)
    assert sorted(m.label for m in weeks[0].muscles) == [
        "left quadriceps (mvc)", "left quadriceps (submax)"]


def test_changes_compare_the_first_week_with_the_latest():
    weeks = weekly_figures(SESSIONS, PRESCRIBED, START + datetime.timedelta(days=40))
    changes = {c.what: c for c in changes_since_first_week(weeks)}
    peak = changes["left quadriceps (mvc) peak"]
    assert (peak.first, peak.latest) == (pytest.approx(27.0), pytest.approx(67.0))
    assert changes["symmetry (LSI)"].latest == pytest.approx(95.0)


def test_the_report_plots_the_weekly_values_and_writes_png_and_pdf(tmp_path: Path):
    weeks = weekly_figures(SESSIONS, PRESCRIBED, START + datetime.timedelta(days=40))
    report = ProgressReport("P-01", weeks, changes_since_first_week(weeks), ["status line"])
    paths = write_report(report, tmp_path)
    assert [p.name for p in paths] == ["progress-mvc.png", "progress-symmetry.png",
                                       "progress-adherence.png", "progress.pdf"]
    for path in paths:
        assert path.stat().st_size > 10_000
    assert paths[-1].read_bytes().startswith(b"%PDF")
    peaks = {s.label: s for s in muscle_series(weeks)}["left quadriceps (mvc) peak"]
    assert peaks.points == tuple((w.week, w.muscles[0].peak_pct) for w in weeks)


def test_the_plotted_lines_are_the_weekly_values(tmp_path: Path):
    import matplotlib

    matplotlib.use("Agg")
    from history import progress_report

    weeks = weekly_figures(SESSIONS, PRESCRIBED, START + datetime.timedelta(days=40))
    figure = progress_report._mvc_figure(weeks)
    lines = {line.get_gid(): line for line in figure.axes[0].lines}
    x, y = lines["left quadriceps (mvc) peak"].get_data()
    assert list(x) == [1, 2, 3, 4, 5, 6]
    assert list(y) == pytest.approx([w.muscles[0].peak_pct for w in weeks])
    figure = progress_report._adherence_figure(weeks)
    done = {line.get_gid(): line for line in figure.axes[0].lines}["sessions done"]
    assert list(done.get_ydata()) == [3, 3, 2, 3, 1, 3]
