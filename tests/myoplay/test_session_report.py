"""The console report: the same knowledge of results as the summary screen, in text."""

from __future__ import annotations

import dataclasses

from engine.rules.session_summary import BandPeriod
from modes import results_text
from myoplay.session_report import summary_lines
from tests.modes.view_samples import done_summary


def test_the_report_has_every_rep_every_band_every_alert_the_duration_and_the_trend() -> None:
    summary = done_summary()
    lines = summary_lines(summary)
    text = "\n".join(lines)
    header = lines.index("  rep  band %MVC  peak  mean  in zone s  success")
    rows = lines[header + 1: header + 1 + len(summary.reps)]
    assert [row.split()[0] for row in rows] == [str(k) for k in range(1, 11)]
    assert rows[2].split() == ["3", "40–60", "54", "45", "6.2", "no"]
    assert rows[6].split()[1] == "45–65"  # judged on the raised band
    assert "from rep 1: 40–60 %MVC, 10 s hold" in text
    assert "from rep 7: 45–65 %MVC, 10 s hold (raised after strong reps)" in text
    assert "compensation 2 · symmetry 0 · signal pauses 1" in text
    assert "duration       3:32" in text
    assert "trend          steady (92% of the hold in the zone in the first 5 reps" in text
    assert "8 of 10 holds completed: a strong session" in text


def test_three_of_three_is_every_hold_not_nearly_every() -> None:
    summary = dataclasses.replace(done_summary(), reps_prescribed=3, reps_attempted=3,
                                  reps_completed=3, reps=done_summary().reps[:2])
    text = "\n".join(summary_lines(summary))
    assert "Every hold completed: 3 of 3" in text
    assert "nearly" not in text
    assert "too few reps to show a trend" in text


def test_a_long_band_history_keeps_its_ends_and_counts_the_rest() -> None:
    bands = tuple(BandPeriod(k * 10, 3 * k, 20.0 + k, 40.0 + k, 10.0,
                             "protocol" if k == 0 else "shaping_up") for k in range(7))
    lines = results_text.band_lines(bands, most=4)
    assert lines[0].startswith("from rep 1: 20–40")
    assert lines[1] == "... 4 more changes (in summary.json)"
    assert [line.split(":")[0] for line in lines[2:]] == ["from rep 16", "from rep 19"]
    assert len(results_text.band_lines(bands)) == 7


def test_durations_read_as_a_clock() -> None:
    assert results_text.duration_text(65.4) == "1:05"
    assert results_text.duration_text(3725.0) == "1:02:05"


def test_an_mvc_test_reports_its_efforts_and_no_band_zone_or_trend() -> None:
    reps = tuple(dataclasses.replace(rep, peak_pct=None, mean_pct=None, peak_uv=uv,
                                     time_in_zone_s=0.0, low_pct=20.0, high_pct=150.0)
                 for rep, uv in zip(done_summary().reps[:3], (364.0, 414.0, 395.0), strict=True))
    summary = dataclasses.replace(done_summary(), protocol_name="MVC test", reps_prescribed=3,
                                  reps_attempted=3, reps_completed=3, reps=reps)
    lines = summary_lines(summary, maximal_test=True)
    text = "\n".join(lines)
    assert "  result         maximal effort 414 µV, effort 2 of 3" in lines
    assert "       2  414 µV  best" in lines
    for word in ("band", "zone", "trend", "hold", "score", "%MVC"):
        assert word not in text, word
