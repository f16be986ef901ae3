"""One recording judged again, as table rows: the unit of work of a batch re-analysis.

``myoplay batch`` maps :func:`recording_rows` over a cohort of recordings, in this process, in a
local process pool or on a Dask cluster. The function depends on nothing but the recording's
bytes and the settings it is judged with (no clock, no machine state, no order), so its rows are
the same wherever and whenever it ran; that is what lets a batch be spread, resumed and checked
against ``myoplay replay --headless`` file by file.

A recording that cannot be judged (damaged, cut short before its first sync point, not a
session, a protocol its sensor cannot serve) gives an *error row* naming the problem, so that one
bad file in ten thousand does not stop the others.

The session row carries the session facts (:mod:`engine.session_facts`, the same figures the
history store files) beside the recording's identity; the rep rows carry each rep's facts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from engine.clock import NS_PER_S
from engine.errors import MyoplayError
from engine.messages import PlainValue
from engine.offline import output_fields
from engine.session_facts import RepFacts, SessionFacts, session_facts
from replays.file_digest import recording_sha256
from replays.headless import TrainingFor, replay_headless

#: A table cell: what both CSV and Parquet hold.
Cell = str | int | float | bool | None
Row = dict[str, Cell]

_CELL_TYPES = {"str": "str", "int": "int", "float": "float", "bool": "bool"}


def _scalar_columns(cls: type) -> Iterator[tuple[str, str]]:
    """(name, cell type) of each field of ``cls`` that holds one cell (str, int, float or
    bool, possibly None), in declaration order; lists and mappings are left out."""
    for f in fields(cls):
        kind = str(f.type).removesuffix(" | None")
        if kind in _CELL_TYPES:
            yield f.name, _CELL_TYPES[kind]


#: Columns naming the recording a row comes from, and how it was judged.
IDENTITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("recording", "str"),
    ("size_bytes", "int"),
    ("mtime_ns", "int"),
    ("sha256", "str"),
)

#: The session table: one row per recording. ``status`` is "ok", "truncated" (the file ends
#: early, as when the recorder was killed: judged up to its last sync point, ``problem`` says
#: where) or "error" (not judged: ``problem`` says why, and the session's figures are empty);
#: ``events`` counts the rule events the session gave; ``recorded_s`` is how long the session
#: was recorded (its samples' span, gaps included), where ``duration_s`` ends at the engine's
#: last event.
SESSION_COLUMNS: tuple[tuple[str, str], ...] = (
    *IDENTITY_COLUMNS,
    ("status", "str"),
    ("problem", "str"),
    ("events", "int"),
    ("recorded_s", "float"),
    *_scalar_columns(SessionFacts),
    ("success_rate", "float"),
)

#: The rep table: one row per finished rep; ``session_rep`` counts the session's reps from 1.
REP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("recording", "str"),
    ("sha256", "str"),
    ("session_rep", "int"),
    *_scalar_columns(RepFacts),
)


@dataclass(frozen=True, slots=True)
class RecordingIdentity:
    """Which file, as the file system describes it (its bytes are hashed when judged).

    A batch skips on ``--resume`` the recordings whose path, size and modification time equal
    those of a row it already has: a stat, not a read, decides (a cohort is hundreds of GB).
    """

    path: str
    """Absolute path (the same on every worker when the recordings are on shared storage)."""
    size_bytes: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> RecordingIdentity:
        status = path.stat()
        # Normalised ("a/../b" is "b") but links kept: the path the user's folders show.
        return cls(os.path.abspath(path), status.st_size, status.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class RecordingRows:
    """What judging one recording gave: its session row, its rep rows, and its events (plain,
    as ``replay --events-out`` writes them) when they were asked for."""

    identity: RecordingIdentity
    session: Row
    reps: tuple[Row, ...]
    events: tuple[dict[str, PlainValue], ...] | None
    facts: SessionFacts | None
    """The session facts, for filing in the history store; None for an error row."""
    analysis: tuple[Row, ...] | None = None
    comparison: tuple[Row, ...] | None = None
    """Rows of further analyses of the recording made where it was judged (``myoplay batch
    --analyse``: per muscle, and per variation of a comparison); None when not asked for."""

    @property
    def failed(self) -> bool:
        return self.session["status"] == "error"

    @property
    def judged_s(self) -> float:
        """Session time judged, s: the recording's whole span (0 for an error row)."""
        value = self.session["recorded_s"]
        return float(value) if isinstance(value, int | float) else 0.0


def recording_rows(identity: RecordingIdentity, training_for: TrainingFor, *,
                   keep_events: bool) -> RecordingRows:
    """Judge the recording ``identity`` names with the settings ``training_for`` gives for its
    header; an error row if it cannot be judged (see the module docstring)."""
    path = Path(identity.path)
    base = _identity_cells(identity)
    try:
        base["sha256"] = recording_sha256(path)
        # A batch keeps every core busy with recordings already: no read-ahead process.
        replay = replay_headless(path, training_for, read_ahead=False)
        mode = replay.header.config.get("mode")
        facts = session_facts(replay.outputs, training_for(replay.header.config), replay.source,
                              mode if isinstance(mode, str) else None, replay.summary)
    except MyoplayError as error:
        return _error_rows(identity, base, str(error))
    except OSError as error:
        return _error_rows(identity, base, f"{identity.path}: {error.strerror or error}")
    except Exception as error:  # a bug: one file's, while the cohort goes on
        return _error_rows(identity, base,
                           f"{identity.path}: internal error {type(error).__name__}: {error} "
                           f"(please report this as a bug)")
    events = sum(r.TAG == "event" for r in replay.outputs)
    status = replay.status
    problem = (f"{identity.path}: {status.describe()}; judged up to there"
               if status is not None and status.state != "complete" else None)
    values = {name: getattr(facts, name) for name, _ in SESSION_COLUMNS if hasattr(facts, name)}
    session: Row = {name: None for name, _ in SESSION_COLUMNS}
    session.update(base)
    session.update(values)
    session.update(status="ok" if problem is None else "truncated", problem=problem,
                   events=events, recorded_s=replay.recorded_ns / NS_PER_S)
    reps = tuple(_rep_row(base, n, rep) for n, rep in enumerate(facts.reps, start=1))
    kept = tuple(output_fields(r) for r in replay.outputs) if keep_events else None
    return RecordingRows(identity, session, reps, kept, facts)


def _rep_row(base: Mapping[str, Cell], n: int, rep: RepFacts) -> Row:
    row: Row = {"recording": base["recording"], "sha256": base["sha256"], "session_rep": n}
    row.update({name: getattr(rep, name) for name, _ in REP_COLUMNS if name not in row})
    return row


def unjudged_rows(identity: RecordingIdentity, problem: str) -> RecordingRows:
    """The error row of a recording that could not be judged for ``problem`` (where the work
    ran: the process judging it died)."""
    return _error_rows(identity, _identity_cells(identity), problem)


def _identity_cells(identity: RecordingIdentity) -> Row:
    """The identity columns (the SHA-256 is filled in once the file has been read)."""
    return {"recording": identity.path, "size_bytes": identity.size_bytes,
            "mtime_ns": identity.mtime_ns, "sha256": None}


def _error_rows(identity: RecordingIdentity, base: Row, message: str) -> RecordingRows:
    session: Row = {name: None for name, _ in SESSION_COLUMNS}
    session.update(base)
    session.update(status="error", problem=message)
    return RecordingRows(identity, session, (), None, None)
