"""``myoplay progress CLIENT``: the client's weeks on the terminal, and a PNG + PDF report."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Sequence
from pathlib import Path

from engine.session_facts import MuscleFacts
from engine.session_filing import checked_client_id, checked_started_at
from engine.weekly_progress import SessionPoint, WeekFigures
from history.store_location import history_help, history_path

NAME = "progress"
HELP = "a client's progress week by week, with PNG trend charts and a PDF report"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client", metavar="CLIENT", help="pseudonymous client id")
    parser.add_argument("--history", type=Path, metavar="FILE", help=history_help())
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where the report goes (default: ./myoplay-progress-CLIENT)")
    parser.add_argument("--no-report", action="store_true", help="print the weeks only")
    parser.add_argument("--today", metavar="DATE",
                        help="count weeks up to this date, YYYY-MM-DD (default: today)")


def run(args: argparse.Namespace) -> int:
    from engine.weekly_progress import changes_since_first_week, weekly_figures
    from history.progress_report import ProgressReport, change_text, fatigue_lines
    from history.store import HistoryStore

    client_id = checked_client_id(args.client, "client")
    today = (datetime.date.fromisoformat(checked_started_at(args.today, "--today")[:10])
             if args.today else datetime.date.today())
    with HistoryStore(history_path(args.history), create=False) as store:
        store.require_client(client_id)
        sessions = store.session_points(client_id)
        prescriptions = store.prescriptions(client_id)
        latest_muscles = store.latest_muscles(client_id)
        fatigue = fatigue_lines(store.session_fatigue(client_id))
    weeks = weekly_figures(sessions, prescriptions, today)
    changes = changes_since_first_week(weeks)
    status = progression_status(sessions, weeks)
    print(f"client {client_id}: {len(sessions)} sessions in {len(weeks)} weeks")
    for line in week_lines(weeks):
        print(line)
    if latest_muscles is not None:
        print(muscles_line(*latest_muscles))
    for line in fatigue:
        print(f"fatigue: {line}")
    for line in status:
        print(f"status: {line}")
    for change in changes:
        print(f"since week {change.first_week}: {change_text(change)}")
    if not args.no_report and weeks:
        from history.progress_report import write_report

        folder = args.out or Path(f"myoplay-progress-{client_id}")
        paths = write_report(ProgressReport(client_id, weeks, changes, status,
                                            fatigue=fatigue), folder)
        print(f"report:  {', '.join(str(p) for p in paths)}")
    return 0


def muscles_line(started_at: str, protocol_id: str, muscles: Sequence[MuscleFacts]) -> str:
    """Every muscle's peak and working-phase mean %MVC in the newest session that filed them
    (the weeks show the target only): what the other muscles did beside it."""
    figures = "; ".join(
        f"{m.side} {m.muscle} peak {_pct(m.peak_pct)} mean {_pct(m.mean_pct)}" for m in muscles)
    return f"muscles on {started_at[:10]} ({protocol_id}, %MVC): {figures}"


def _pct(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "–"


def week_lines(weeks: Sequence[WeekFigures]) -> list[str]:
    """One line per week: sessions done of prescribed, success, symmetry, %MVC per muscle."""
    lines = []
    for w in weeks:
        prescribed = f"/{w.sessions_prescribed}" if w.sessions_prescribed else ""
        success = f"{100 * w.success_rate:.0f} %" if w.success_rate is not None else "–"
        lsi = f"{w.symmetry_lsi_pct:.0f} %" if w.symmetry_lsi_pct is not None else "–"
        muscles = "; ".join(
            f"{m.label} peak {m.peak_pct:.0f}"
            + (f" mean {m.mean_pct:.0f}" if m.mean_pct is not None else "") + " %MVC"
            for m in w.muscles)
        lines.append(f"week {w.week} ({w.starts_on:%Y-%m-%d}): sessions {w.sessions_done}"
                     f"{prescribed}, reps succeeded {success}, LSI {lsi}"
                     + (f", {muscles}" if muscles else ""))
    return lines


def progression_status(sessions: Sequence[SessionPoint],
                       weeks: Sequence[WeekFigures]) -> list[str]:
    """The progression criterion across sessions (and the next step it offers, with why), and
    the flags a clinician acts on: sessions missed, figures falling session after session."""
    from engine.progression_across_sessions import clinician_flags, criterion_status

    lines = []
    criterion = criterion_status(sessions)
    if criterion is not None:
        lines.append(criterion.describe())
    lines += [f"flag: {flag}" for flag in clinician_flags(sessions, weeks)]
    return lines or ["no sessions yet"]
