"""A simulated six-week programme: a virtual patient whose involved quadriceps improves from 25 to
65 %MVC and whose symmetry rises from 60 to 95 %, three sessions a week with three missed.

The recordings are written the way ``myoplay play --client`` writes them (filed under the client,
calibrated, quad sets), with the patient's strength chosen per week; ``myoplay history add``
files them by judging them again, and ``myoplay progress`` reports the weeks.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.progression_across_sessions import first_met_at
from engine.session_filing import SessionFiling
from engine.weekly_progress import weekly_figures
from history.store import HistoryStore
from tests.history.virtual_programme import programme_protocol, write_session

START = datetime.date(2026, 11, 2)  # a Monday
#: The patient's true involved-side %MVC and limb symmetry index in each of the six weeks.
INVOLVED_PCT = (25.0, 33.0, 41.0, 49.0, 57.0, 65.0)
LSI_PCT = (60.0, 67.0, 74.0, 81.0, 86.0, 95.0)
#: (week index, weekday) of the sessions not done.
MISSED = ((2, 4), (4, 0), (4, 2))
SESSIONS = [(week, day) for week in range(6) for day in (0, 2, 4) if (week, day) not in MISSED]


def myoplay(*args: str, store: Path) -> str:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               MYOPLAY_HISTORY=str(store))
    done = subprocess.run([sys.executable, "-m", "myoplay", *args], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """The store the programme was filed into, what ``progress`` printed, its report folder."""
    root = tmp_path_factory.mktemp("programme")
    protocol = programme_protocol(root)
    recordings = []
    for n, (week, day) in enumerate(SESSIONS):
        when = START + datetime.timedelta(days=7 * week + day)
        path = root / "recordings" / f"session-{n + 1:03d}.myoplay"
        path.parent.mkdir(exist_ok=True)
        write_session(path, protocol, SessionFiling("P-0042", f"{when}T09:30:00+01:00"),
                      involved_pct=INVOLVED_PCT[week], lsi_pct=LSI_PCT[week], seed=100 + n)
        recordings.append(str(path))
    store = root / "history.sqlite3"
    myoplay("history", "client", "P-0042", "--involved", "left", store=store)
    myoplay("history", "prescribe", "P-0042", str(root / "quad_set_symmetry.toml"),
            "--per-week", "3", "--from", START.isoformat(), store=store)
    myoplay("history", "add", *recordings, store=store)
    report = root / "report"
    printed = myoplay("progress", "P-0042", "--today", "2026-12-13", "--out", str(report),
                      store=store)
    return store, printed, report


@pytest.mark.slow
def test_the_weekly_trend_recovers_the_true_values(programme: tuple[Path, str, Path]):
    store, _, _ = programme
    with HistoryStore(store) as history:
        weeks = weekly_figures(history.session_points("P-0042"),
                               history.prescriptions("P-0042"), datetime.date(2026, 12, 13))
    assert len(weeks) == 6
    for week, involved, lsi in zip(weeks, INVOLVED_PCT, LSI_PCT, strict=True):
        (muscle,) = week.muscles
        assert muscle.label == "left quadriceps (mvc)"
        assert muscle.mean_pct == pytest.approx(involved, abs=5.0), week.week
        assert week.symmetry_lsi_pct == pytest.approx(lsi, abs=5.0), week.week


@pytest.mark.slow
def test_missed_sessions_show_as_lower_adherence(programme: tuple[Path, str, Path]):
    _, printed, _ = programme
    for week, done in ((1, 3), (2, 3), (3, 2), (4, 3), (5, 1), (6, 3)):
        assert f"week {week} (" in printed
        assert f"sessions {done}/3" in printed.split(f"week {week} (")[1].splitlines()[0]
    assert "sessions done of prescribed: 100 → 100 %" in printed


@pytest.mark.slow
def test_the_criterion_is_met_at_the_right_session_and_not_before(
    programme: tuple[Path, str, Path],
):
    store, printed, _ = programme
    with HistoryStore(store) as history:
        points = history.session_points("P-0042")
    # Only week 6 is both strong (peak >= 60 %MVC) and symmetric (LSI >= 90 %): the criterion
    # (2 of the last 3 sessions) is met at week 6's second session.
    assert first_met_at(points) == SESSIONS.index((5, 2))
    assert "2 of the last 3 sessions reached 60 %MVC with symmetry ≥ 90 %" not in printed
    assert "3 of the last 3 sessions reached 60 %MVC with symmetry ≥ 90 %" in printed
    assert "ready for the next step" in printed


@pytest.mark.slow
def test_the_report_exists_and_is_not_trivial(programme: tuple[Path, str, Path]):
    _, printed, report = programme
    for name in ("progress-mvc.png", "progress-symmetry.png", "progress-adherence.png",
                 "progress.pdf"):
        assert (report / name).stat().st_size > 10_000, name
    assert "left quadriceps (mvc) mean:" in printed
