"""Filing recordings into the history store: one recording, a list, or a whole folder."""

from __future__ import annotations

import concurrent.futures
import datetime
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from engine.errors import MyoplayError, ReplayError
from history.recording_facts import FiledRecording, recorded_facts, replayed_facts
from history.store import HistoryStore
from replays.file_digest import recording_sha256

#: What a recording is called inside a folder that ``history rebuild`` walks.
RECORDING_GLOB = "*.myoplay"


def now_iso() -> str:
    """The local time now (the time a client record was made)."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def file_recording(store: HistoryStore, filed: FiledRecording) -> None:
    store.file_session(filed.facts, started_at=filed.started_at, recording_path=filed.path,
                       sha256=filed.sha256, created_at=now_iso())
    file_lab_comparison(store, filed)


def file_lab_comparison(store: HistoryStore, filed: FiledRecording) -> None:
    """An exercise-lab session is a comparison too: its rows go to the comparison tables as
    ``myoplay compare`` files them (the same analysis of the same recording), so the
    clinician finds the ranking beside the session. Nothing for any other session."""
    from replays.comparison_recording import lab_session_comparison

    found = lab_session_comparison(Path(filed.path))
    if found is None:
        return
    protocol, rows = found
    store.file_comparison(rows, recording_sha256=filed.sha256,
                          client_id=filed.facts.client_id, analysed_at=now_iso(),
                          recording_path=filed.path, protocol_id=protocol.id,
                          protocol_name=protocol.name)


def file_live_session(store: HistoryStore, recording: Path) -> FiledRecording:
    """File a session that just ended, from the outputs it recorded."""
    filed = recorded_facts(recording)
    file_recording(store, filed)
    return filed


@dataclass(frozen=True, slots=True)
class _Refused:
    """A recording a worker could not file, and why: the error's text, since not every error
    survives the trip between processes (one whose constructor takes more than the message)."""

    path: Path
    why: str

    @property
    def error(self) -> MyoplayError:
        return ReplayError(self.why)


def _judged(path: Path, client_id: str | None, sha256: str,
            read_ahead: bool) -> FiledRecording | _Refused:
    """One recording judged again (in a worker process, or in this one)."""
    try:
        return replayed_facts(path, client_id, sha256=sha256, read_ahead=read_ahead)
    except MyoplayError as error:
        return _Refused(path, str(error))


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def file_replayed(store: HistoryStore, recordings: Iterable[Path], client_id: str | None = None,
                  on_filed: Callable[[FiledRecording], None] | None = None,
                  on_refused: Callable[[Path, MyoplayError], None] | None = None,
                  *, force: bool = False, on_skipped: Callable[[Path], None] | None = None,
                  workers: int | None = None) -> int:
    """Judge each recording again and file it (with ``force``, replacing what it filed
    before); returns how many were filed.

    A recording whose SHA-256 the store already holds is skipped (``on_skipped`` hears of it)
    unless ``force``: the same bytes give the same rows. The others are replayed in parallel,
    one per CPU (``workers``), and this process alone writes them to the store, one
    transaction each, in the order given. With ``on_refused``, a recording that cannot be filed
    (damaged, or not a session) is reported there and the others still filed; without, its
    error is raised."""
    known = set() if force else store.filed_sha256s()
    pending: list[tuple[Path, str]] = []
    for path in recordings:
        try:
            sha256 = recording_sha256(path)
        except OSError as error:
            _refuse(ReplayError(f"cannot read {path}: {error.strerror}"), path, on_refused)
            continue
        if sha256 in known:
            if on_skipped is not None:
                on_skipped(path)
        else:
            known.add(sha256)  # the same bytes twice in one folder are filed once
            pending.append((path, sha256))
    count = 0
    for outcome in _judge_all(pending, client_id, workers or available_cpus()):
        if isinstance(outcome, _Refused):
            _refuse(outcome.error, outcome.path, on_refused)
            continue
        file_recording(store, outcome)
        count += 1
        if on_filed is not None:
            on_filed(outcome)
    return count


def _judge_all(pending: Sequence[tuple[Path, str]], client_id: str | None,
               workers: int) -> Iterator[FiledRecording | _Refused]:
    """Each pending recording judged, in the order given: here when one process is enough,
    else over a pool of ``workers`` processes (each replay then reads its file itself: the
    pool already keeps every CPU busy)."""
    workers = min(workers, len(pending))
    if workers <= 1:
        for path, sha256 in pending:
            yield _judged(path, client_id, sha256, True)
        return
    # Forked workers inherit the store's open connection but never touch it, and leave by
    # os._exit (multiprocessing's way), so they never close it under this process's feet.
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(_judged, path, client_id, sha256, False)
                   for path, sha256 in pending]
        try:
            for future, (path, _) in zip(futures, pending, strict=True):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise ReplayError(
                        f"the process replaying {path} died (out of memory?); the recordings "
                        f"before it are filed", hint="run again with --jobs 1") from None
        finally:
            for future in futures:
                future.cancel()


def _refuse(error: MyoplayError, path: Path,
            on_refused: Callable[[Path, MyoplayError], None] | None) -> None:
    if on_refused is None:
        raise error
    on_refused(path, error)


def recordings_under(folder: Path) -> list[Path]:
    """Every recording in ``folder`` and below, in path order."""
    return sorted(folder.rglob(RECORDING_GLOB))
