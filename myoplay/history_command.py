"""``myoplay history``: clients, prescriptions, and the sessions filed from recordings.

The store (:mod:`history.store`) is an index of recordings: ``add`` and ``rebuild`` judge
recordings again and file what they find, so a lost store is rebuilt, never a loss.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError, MyoplayError, ReplayError
from engine.printable import escape_controls
from engine.session_filing import checked_client_id, checked_started_at
from history.store_location import history_help, history_path
from myoplay.protocol_choice import protocol_help

if TYPE_CHECKING:
    from history.recording_facts import FiledRecording
    from history.store import HistoryStore

NAME = "history"
HELP = "clients, prescriptions and the sessions filed from recordings"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", type=Path, metavar="FILE", help=history_help())
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION", required=True)

    client = actions.add_parser("client", help="add a client or change their details")
    client.add_argument("client", metavar="ID", help="pseudonymous id, e.g. P-0042")
    client.add_argument("--name", help="display name kept on this station only (never recorded)")
    client.add_argument("--involved", choices=("left", "right"),
                        help="the operated or weaker side")

    clients = actions.add_parser("clients", help="list the clients, with what needs a look "
                                                 "(sessions missed, figures falling, ready to "
                                                 "progress)")
    clients.add_argument("--today", metavar="DATE",
                         help="judge missed sessions up to this date, YYYY-MM-DD "
                              "(default: today)")

    prescribe = actions.add_parser("prescribe", help="prescribe a protocol to a client")
    prescribe.add_argument("client", metavar="ID")
    prescribe.add_argument("protocol", metavar="NAME|FILE", help=protocol_help("the protocol"))
    prescribe.add_argument("--per-week", type=int, required=True, metavar="N",
                           help="sessions per week")
    prescribe.add_argument("--reps", type=int, metavar="N", help="reps per session")
    prescribe.add_argument("--from", dest="starts_on", metavar="DATE",
                           help="first day, YYYY-MM-DD (default: today)")

    add = actions.add_parser("add", help="file recordings (judged again by a headless replay)")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--client", metavar="ID",
                     help="file recordings that name no client under this one")

    rebuild = actions.add_parser("rebuild", help="file every recording under a folder again")
    rebuild.add_argument("folder", type=Path, metavar="DIR")
    for action in (add, rebuild):
        action.add_argument("--force", action="store_true",
                            help="judge and file recordings the store already holds again "
                                 "(default: skip them: the same bytes give the same rows)")
        action.add_argument("--jobs", type=int, metavar="N",
                            help="replay N recordings at once (default: one per CPU)")

    sessions = actions.add_parser("sessions", help="list a client's sessions")
    sessions.add_argument("client", metavar="ID")

    export = actions.add_parser("export", help="write a client's rows as CSV")
    export.add_argument("client", metavar="ID")
    export.add_argument("--table", default="sessions",
                        choices=("sessions", "reps", "session_muscles", "calibration_channels",
                                 "prescriptions", "comparisons", "comparison_variations",
                                 "comparison_reps", "comparison_rep_muscles"),
                        help="which rows (default: sessions)")
    export.add_argument("--out", type=Path, metavar="FILE", help="CSV file (default: stdout)")

    forget = actions.add_parser("forget", help="remove a client and every row filed under them")
    forget.add_argument("client", metavar="ID")
    forget.add_argument("--recordings", action="store_true",
                        help="delete their recordings too (the history cannot be rebuilt then)")
    for action in (client, clients, prescribe, add, rebuild, sessions, export, forget):
        # Also after the action ("history add --history F ..."); SUPPRESS keeps one given first.
        action.add_argument("--history", type=Path, metavar="FILE", default=argparse.SUPPRESS,
                            help=history_help())


def run(args: argparse.Namespace) -> int:
    from history.store import HistoryStore

    action = args.history_action
    creates = action in ("client", "add", "rebuild")
    files = _recordings(args) if action in ("add", "rebuild") else []  # before making a store
    with HistoryStore(history_path(args.history), create=creates) as store:
        if action == "client":
            return _client(store, args)
        if action == "clients":
            return _clients(store, _today(args.today))
        if action == "prescribe":
            return _prescribe(store, args)
        if action in ("add", "rebuild"):
            return _add(store, args, files)
        if action == "sessions":
            return _sessions(store, checked_client_id(args.client, "client"))
        if action == "export":
            return _export(store, args)
        return _forget(store, args)


def _client(store: HistoryStore, args: argparse.Namespace) -> int:
    from history.filing import now_iso
    from history.store import ClientRecord

    client_id = checked_client_id(args.client, "client")
    store.add_client(ClientRecord(client_id, args.name, args.involved, now_iso()))
    print(f"client {client_id} saved in {store.path}")
    return 0


def _today(option: str | None) -> datetime.date:
    """``--today``, else the date today."""
    if option is None:
        return datetime.date.today()
    return datetime.date.fromisoformat(checked_started_at(option, "--today")[:10])


def _clients(store: HistoryStore, today: datetime.date) -> int:
    """One line per client, then an indented line per flag and per next step offered."""
    from engine.progression_across_sessions import clinician_flags, criterion_status
    from engine.weekly_progress import weekly_figures

    for client in store.clients():
        name = f"  {client.display_name}" if client.display_name else ""
        side = f"  involved {client.involved_side}" if client.involved_side else ""
        print(f"{client.client_id}{name}{side}")
        sessions = store.session_points(client.client_id)
        weeks = weekly_figures(sessions, store.prescriptions(client.client_id), today)
        for flag in clinician_flags(sessions, weeks):
            print(f"    flag: {flag}")
        status = criterion_status(sessions)
        if status is not None and status.met:
            print(f"    {status.describe()}")
    return 0


def _prescribe(store: HistoryStore, args: argparse.Namespace) -> int:
    from engine.weekly_progress import Prescription
    from myoplay.protocol_choice import resolve_protocol

    client_id = checked_client_id(args.client, "client")
    protocol = resolve_protocol(args.protocol, None).id
    if not 1 <= args.per_week <= 21:
        raise ConfigError(f"--per-week must be 1 to 21, got {args.per_week}")
    if args.reps is not None and args.reps < 1:
        raise ConfigError(f"--reps must be at least 1, got {args.reps}")
    starts_on = (checked_started_at(args.starts_on, "--from")[:10] if args.starts_on
                 else datetime.date.today().isoformat())
    store.prescribe(Prescription(client_id, protocol, args.reps, args.per_week, starts_on))
    print(f"{client_id}: {protocol} {args.per_week}× a week from {starts_on}")
    return 0


def _recordings(args: argparse.Namespace) -> list[Path]:
    """The recordings ``add`` names or ``rebuild`` finds."""
    from history.filing import recordings_under

    if args.history_action == "rebuild":
        if not args.folder.is_dir():
            raise ConfigError(f"{args.folder} is not a folder")
        return recordings_under(args.folder)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise ConfigError(f"no such recording: {', '.join(missing)}")
    return list(args.files)


def _add(store: HistoryStore, args: argparse.Namespace, files: list[Path]) -> int:
    from history.filing import file_replayed

    client = None
    if args.history_action == "add" and args.client:
        client = checked_client_id(args.client, "--client")

    def said(filed: FiledRecording) -> None:
        facts = filed.facts
        print(f"{facts.client_id} {filed.started_at[:16]} {facts.protocol_id}: "
              f"{facts.reps_completed} of {facts.reps_prescribed} reps  {filed.path}")

    refused: list[Path] = []

    def refuse(path: Path, error: MyoplayError) -> None:
        refused.append(path)
        print(f"myoplay: not filed: {escape_controls(str(error))}", file=sys.stderr)

    skipped: list[Path] = []
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    count = file_replayed(store, files, client, on_filed=said,
                          on_refused=refuse if args.history_action == "rebuild" else None,
                          force=args.force, on_skipped=skipped.append, workers=args.jobs)
    already = (f", {len(skipped)} already filed (--force files them again)" if skipped
               else "")
    print(f"{count} recording{'s' if count != 1 else ''} filed in {store.path}{already}")
    if refused:
        raise ReplayError(f"{len(refused)} of {len(files)} recordings under {args.folder} could "
                          f"not be filed", hint="see the lines above for each one")
    return 0


def _sessions(store: HistoryStore, client_id: str) -> int:
    store.require_client(client_id)
    for row in store.table("sessions", client_id):
        peak = row["peak_pct"]
        lsi = row["symmetry_lsi_pct"]
        print(f"{row['started_at'][:16]}  {row['protocol_id']:<20} "
              f"{row['reps_completed']:>3}/{row['reps_prescribed']:<3} reps  "
              f"peak {f'{peak:.0f}' if peak is not None else '–':>3} %MVC "
              f"({row['calibration_kind'] or 'uncalibrated'})  "
              f"LSI {f'{lsi:.0f}' if lsi is not None else '–':>3} %")
    return 0


def _export(store: HistoryStore, args: argparse.Namespace) -> int:
    client_id = checked_client_id(args.client, "client")
    store.require_client(client_id)
    rows = store.table(args.table, client_id)
    out = args.out.open("w", newline="") if args.out else sys.stdout
    try:
        columns = list(rows[0]) if rows else []
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if args.out:
            out.close()
    return 0


def _forget(store: HistoryStore, args: argparse.Namespace) -> int:
    client_id = checked_client_id(args.client, "client")
    paths = store.forget(client_id)
    deleted = 0
    if args.recordings:
        for path in map(Path, paths):
            if path.is_file():
                path.unlink()
                deleted += 1
    kept = "" if args.recordings else f" ({len(paths)} recordings kept on disk)"
    print(f"client {client_id} forgotten: {len(paths)} sessions removed, "
          f"{deleted} recordings deleted{kept}")
    return 0
