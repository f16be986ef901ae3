"""``myoplay batch PATH…``: judge a whole cohort of recordings again, with one protocol or each
recording's own, and write one row per session and per rep as CSV and Parquet.

Folders are searched for recordings (``*.myoplay``) at every depth; a file named on the command
line is judged whatever its name. The work runs on a process pool over this machine's cores, or
where ``--scheduler`` says (:mod:`myoplay.batch_runner`); results are journalled as they arrive
and the sorted tables written at the end (:mod:`myoplay.batch_tables`), so ``--resume`` after an
interruption judges only what is missing and gives the same tables as one uninterrupted run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError
from engine.printable import escape_controls
from history.filing import RECORDING_GLOB, file_recording, recordings_under
from history.recording_facts import FiledRecording
from history.store_location import history_help, history_path
from myoplay.batch_progress import BatchProgress
from myoplay.batch_runner import (
    LOCAL_DASK,
    SERIAL,
    BatchJob,
    check_scheduler,
    chosen_scheduler,
    describe_place,
    run_jobs,
)
from myoplay.batch_tables import JOURNAL_NAME, Journal, batch_settings
from myoplay.file_progress import add_progress_option, progress_wanted
from myoplay.protocol_choice import protocol_help, resolve_protocol
from replays.cohort_rows import RecordingIdentity, RecordingRows

if TYPE_CHECKING:
    from history.store import HistoryStore

NAME = "batch"
HELP = "judge many recordings again (a cohort, a what-if protocol) into CSV and Parquet tables"

#: Where the tables go without ``--out``.
DEFAULT_OUT = Path("myoplay-batch")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help=f"recordings, or folders searched for {RECORDING_GLOB} at any depth")
    parser.add_argument("--protocol", metavar="NAME|FILE",
                        help=protocol_help("judge every recording with this protocol (default: "
                                           "each recording's own)"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for sessions.csv/.parquet, reps.csv/.parquet and the "
                             f"journal (default: {DEFAULT_OUT})")
    parser.add_argument("--events", action="store_true",
                        help="also write the outputs (events, finished calibrations) as JSON "
                             "lines, as 'replay --events-out' does (events.jsonl)")
    parser.add_argument("--analyse", action="store_true",
                        help="also analyse each recording, where it is judged: per muscle its "
                             "onsets, active time, mean and peak %%MVC, fatigue (median-frequency "
                             "slope) and left/right symmetry (analysis.csv/.parquet, as "
                             "'myoplay analyse' finds them); for a comparison protocol, its "
                             "variations ranked (comparison.csv/.parquet, as 'myoplay compare')")
    parser.add_argument("--scheduler", metavar="WHERE",
                        help=f"where to run: a Dask scheduler address (tcp://HOST:8786), "
                             f"{LOCAL_DASK} (a Dask cluster on this machine) or {SERIAL} "
                             f"(this process); default: the scheduler-address of Dask's "
                             f"configuration if set, else a process pool over every core")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes of the default pool (default: one per core)")
    parser.add_argument("--resume", action="store_true",
                        help=f"continue the batch in --out: recordings already in its "
                             f"{JOURNAL_NAME} with the same path, size and modification time "
                             f"are not judged again")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any recording could not be judged")
    parser.add_argument("--history", action="store_true",
                        help="also file each session this run judges in the history store "
                             "(only with each recording's own protocol)")
    parser.add_argument("--history-file", type=Path, metavar="FILE", help=history_help())
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    check_scheduler(args.scheduler)
    scheduler = chosen_scheduler(args.scheduler)
    if args.workers is not None and (args.workers < 1 or scheduler is not None):
        raise ConfigError("--workers must be at least 1, and sizes only the default pool",
                          hint="a Dask cluster's size is set where its workers are started")
    if args.history and args.protocol:
        raise ConfigError("--history files sessions as they were judged with their own "
                          "protocol; a what-if with --protocol stays in the batch's tables",
                          hint="drop --protocol or --history")
    protocol = resolve_protocol(args.protocol, None) if args.protocol else None
    recordings = _identities(args.paths)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--out {escape_controls(str(args.out))}: {error.strerror}") from None
    settings = batch_settings(protocol.to_plain() if protocol is not None else None)
    with Journal(args.out, settings, resume=args.resume) as journal:
        todo = [r for r in recordings
                if not journal.done(r, need_events=args.events, need_analysis=args.analyse)]
        progress = BatchProgress(len(todo), len(recordings) - len(todo),
                                 enabled=progress_wanted(args))
        jobs = (BatchJob(identity, protocol, args.events, args.analyse) for identity in todo)
        with _history_filer(args) as file_session:
            try:
                # Nothing left (a resumed batch that had finished): no pool or cluster to start.
                for rows in run_jobs(jobs, scheduler, args.workers) if todo else ():
                    journal.add(rows)
                    progress.add(rows)
                    file_session(rows)
            finally:
                progress.finish()
        paths = [r.path for r in recordings]
        journal.write_tables(paths, args.out, events=args.events, analysis=args.analyse)
        failed = journal.failures(paths)
    print(progress.summary())
    print(f"ran on:    {describe_place(scheduler, args.workers)}")
    analysed = ", analysis.csv, analysis.parquet, comparison.csv, comparison.parquet"
    print(f"tables:    {escape_controls(str(args.out))}/sessions.csv, sessions.parquet, "
          f"reps.csv, reps.parquet{analysed if args.analyse else ''}"
          f"{', events.jsonl' if args.events else ''}")
    if failed:
        print(f"failed:    {failed} recording(s): see the problem column of sessions.csv")
    return 1 if args.strict and failed else 0


def _identities(paths: Sequence[Path]) -> list[RecordingIdentity]:
    """Every recording the paths name, each once, in path order."""
    found: dict[str, RecordingIdentity] = {}
    for given in paths:
        if given.is_dir():
            files = recordings_under(given)
        elif given.exists():
            files = [given]
        else:
            raise ConfigError(f"{escape_controls(str(given))}: no such file or folder")
        for path in files:
            try:
                identity = RecordingIdentity.of(path)
            except OSError as error:
                raise ConfigError(f"{escape_controls(str(path))}: {error.strerror}") from None
            found.setdefault(identity.path, identity)
    if not found:
        shown = ", ".join(escape_controls(str(p)) for p in paths)
        raise ConfigError(f"no recordings ({RECORDING_GLOB}) in {shown}")
    return [found[path] for path in sorted(found)]


class _Filer:
    """Files each judged session in the history store (see ``--history``)."""

    def __init__(self, store: HistoryStore | None) -> None:
        self._store = store
        self.unfiled = 0

    def __call__(self, rows: RecordingRows) -> None:
        facts, store = rows.facts, self._store
        if store is None or facts is None:
            return
        if facts.client_id is None:
            self.unfiled += 1
            return
        sha256 = rows.session["sha256"]
        assert isinstance(sha256, str)
        started_at = facts.started_at or datetime.datetime.fromtimestamp(
            rows.identity.mtime_ns / 1e9, datetime.UTC).isoformat(timespec="seconds")
        file_recording(store, FiledRecording(facts, sha256, rows.identity.path, started_at))


@contextlib.contextmanager
def _history_filer(args: argparse.Namespace) -> Iterator[_Filer]:
    """A filer into the store of ``--history-file`` with ``--history``, else one that files
    nothing; says at the end how many sessions it could not file."""
    if not args.history:
        yield _Filer(None)
        return
    from history.store import HistoryStore

    with HistoryStore(history_path(args.history_file)) as store:
        filer = _Filer(store)
        yield filer
    if filer.unfiled:
        print(f"history:   {filer.unfiled} session(s) name no client and were not filed "
              f"(file them with 'myoplay history add --client ID')")
