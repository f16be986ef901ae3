"""What a batch re-analysis writes: a journal as results arrive, the sorted tables at the end.

Results come back in whatever order the workers finish them. Each is appended at once to the
journal, ``batch-journal.jsonl`` in the output folder (one JSON line per recording, flushed), so
a batch killed midway loses at most the recordings in flight, and ``--resume`` reads back which
recordings are done. Only the journal's byte offsets are kept in memory, never the rows.

When every recording is judged, :meth:`Journal.write_tables` reads the results back recording
by recording in path order and writes ``sessions`` and ``reps`` as CSV and Parquet (and
``analysis`` and ``comparison`` with ``--analyse``, ``events.jsonl`` when asked), each to a
temporary file renamed into place when complete: the same bytes however the work was spread,
and never a half-written table.

A journal starts with a line saying what the batch judges with (the myoplay version and the
protocol, or none for each recording's own); resuming with other settings is refused rather
than mixing two analyses in one table.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from engine import __version__
from engine.errors import ConfigError
from engine.messages import PlainValue
from engine.printable import escape_controls
from myoplay.batch_analysis import ANALYSIS_COLUMNS, COMPARISON_COLUMNS
from myoplay.output_files import replaced_on_success
from replays.cohort_rows import (
    REP_COLUMNS,
    SESSION_COLUMNS,
    RecordingIdentity,
    RecordingRows,
    Row,
)

JOURNAL_NAME = "batch-journal.jsonl"
#: 2: sessions carry recorded_s, lines their --analyse rows (a format-1 journal is not resumed).
JOURNAL_FORMAT = 2
#: Rows per Parquet row group: large enough to compress well, small enough to hold.
ROW_GROUP_ROWS = 10_000

_ARROW_TYPES = {"str": "string", "int": "int64", "float": "float64", "bool": "bool"}


@dataclass(frozen=True, slots=True)
class _Entry:
    offset: int
    size_bytes: int
    mtime_ns: int
    has_events: bool
    failed: bool
    has_analysis: bool = False


def batch_settings(protocol: dict[str, PlainValue] | None) -> dict[str, PlainValue]:
    """The journal's first line: what makes two batches' rows comparable."""
    return {"myoplay_batch": JOURNAL_FORMAT, "engine_version": __version__,
            "protocol": protocol}


class Journal:
    """The journal of the batch in ``folder`` (see the module docstring)."""

    def __init__(self, folder: Path, settings: dict[str, PlainValue], *, resume: bool) -> None:
        self.path = folder / JOURNAL_NAME
        self._entries: dict[str, _Entry] = {}
        if self.path.exists() and not resume:
            raise ConfigError(
                f"{escape_controls(str(folder))} already holds a batch ({JOURNAL_NAME})",
                hint="add --resume to continue it, or choose another --out")
        if resume and self.path.exists():
            self._file = self._reopened(settings)
        else:
            self._file = self.path.open("wb")
            self._append(settings)

    def _reopened(self, settings: dict[str, PlainValue]) -> IO[bytes]:
        file = self.path.open("r+b")
        first = file.readline()
        try:
            found = json.loads(first)
        except ValueError:
            found = None
        if found != json.loads(json.dumps(settings)):  # as the journal holds them
            file.close()
            raise ConfigError(
                f"{escape_controls(str(self.path))} was judged with other settings "
                f"({_describe(found)}, not {_describe(settings)})",
                hint="resume with the same --protocol and myoplay, or choose another --out")
        good_end = file.tell()
        while (found_entry := _entry_of(file.readline(), good_end)) is not None:
            path, entry = found_entry
            self._entries[path] = entry
            good_end = file.tell()
        # What follows is a line the batch was killed while writing: judged again.
        file.seek(good_end)
        file.truncate()
        return file

    def done(self, identity: RecordingIdentity, *, need_events: bool,
             need_analysis: bool = False) -> bool:
        """Whether the journal already has this recording, unchanged since, judged with what is
        needed now (a file changed since, even in place, is judged again)."""
        entry = self._entries.get(identity.path)
        return (entry is not None and entry.size_bytes == identity.size_bytes
                and entry.mtime_ns == identity.mtime_ns and (entry.has_events or not need_events)
                and (entry.has_analysis or not need_analysis))

    def add(self, rows: RecordingRows) -> None:
        """Append one recording's result (it replaces an earlier one of the same path)."""
        offset = self._file.tell()
        session = rows.session
        self._append({"session": dict(session), "reps": [dict(r) for r in rows.reps],
                      "events": list(rows.events) if rows.events is not None else None,
                      "analysis": _listed(rows.analysis), "comparison": _listed(rows.comparison)})
        identity = rows.identity
        self._entries[identity.path] = _Entry(offset, identity.size_bytes, identity.mtime_ns,
                                              rows.events is not None or rows.failed, rows.failed,
                                              rows.analysis is not None or rows.failed)

    def failures(self, recordings: Iterable[str]) -> int:
        """How many of ``recordings`` (each in the journal) gave an error row."""
        return sum(self._entries[path].failed for path in recordings)

    def _append(self, value: object) -> None:
        self._file.write(json.dumps(value, sort_keys=True).encode() + b"\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write_tables(self, recordings: Sequence[str], folder: Path, *, events: bool,
                     analysis: bool = False) -> None:
        """Write the tables of ``recordings`` (absolute paths, each in the journal) in path
        order: ``sessions`` and ``reps`` as CSV and Parquet, ``analysis`` and ``comparison``
        too if ``analysis``, ``events.jsonl`` if ``events``."""
        tables = [_Table(folder / "sessions", SESSION_COLUMNS),
                  _Table(folder / "reps", REP_COLUMNS)]
        if analysis:
            tables += [_Table(folder / "analysis", ANALYSIS_COLUMNS),
                       _Table(folder / "comparison", COMPARISON_COLUMNS)]
        with open(self.path, "rb") as journal, contextlib.ExitStack() as stack:
            event_lines = (stack.enter_context(replaced_on_success(folder / "events.jsonl"))
                           if events else None)
            for table in tables:
                table.open()
                stack.callback(table.abandon)  # after finish() it has nothing left to remove
            for path in sorted(recordings):
                journal.seek(self._entries[path].offset)
                result = json.loads(journal.readline())
                tables[0].add([result["session"]])
                tables[1].add(result["reps"])
                if analysis:
                    tables[2].add(result.get("analysis") or ())
                    tables[3].add(result.get("comparison") or ())
                if event_lines is not None:
                    event_lines.writelines(
                        json.dumps({"recording": path, **event}, sort_keys=True) + "\n"
                        for event in result["events"] or ())
            for table in tables:
                table.finish()


def _entry_of(line: bytes, offset: int) -> tuple[str, _Entry] | None:
    """The recording and entry a journal line at ``offset`` holds; None for the end of the file
    or a line cut short."""
    if not line.endswith(b"\n"):
        return None
    try:
        result = json.loads(line)
        session = result["session"]
        failed = session["status"] == "error"
        return session["recording"], _Entry(offset, session["size_bytes"], session["mtime_ns"],
                                            result["events"] is not None or failed, failed,
                                            result.get("analysis") is not None or failed)
    except (ValueError, KeyError, TypeError):
        return None


def _listed(rows: tuple[Row, ...] | None) -> list[Row] | None:
    return [dict(row) for row in rows] if rows is not None else None


def _describe(settings: object) -> str:
    if not isinstance(settings, dict):
        return "not a batch journal"
    protocol = settings.get("protocol")
    judged = (f"protocol {protocol.get('id')!r}" if isinstance(protocol, dict)
              else "each recording's own protocol")
    form = settings.get("myoplay_batch")
    older = f", journal format {form}" if form != JOURNAL_FORMAT else ""
    return f"{judged}, myoplay {settings.get('engine_version')}{older}"


class _Table:
    """One table written as ``NAME.csv`` and ``NAME.parquet`` beside each other, row groups at
    a time, each renamed into place only by :meth:`finish`."""

    def __init__(self, stem: Path, columns: Sequence[tuple[str, str]]) -> None:
        self._stem = stem
        self._columns = columns
        self._names = [name for name, _ in columns]
        self._buffer: list[dict[str, Any]] = []

    def open(self) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        self._schema = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in self._columns])
        self._csv_temp = self._temp("csv")
        self._parquet_temp = self._temp("parquet")
        self._csv_file = self._csv_temp.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._csv_file, lineterminator="\n")
        self._csv.writerow(self._names)
        self._parquet = pq.ParquetWriter(self._parquet_temp, self._schema)

    def _temp(self, suffix: str) -> Path:
        return self._stem.with_name(f".{self._stem.name}.{suffix}.{os.getpid()}.part")

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self._csv.writerow(_csv_cell(row[name]) for name in self._names)
            self._buffer.append(row)
        if len(self._buffer) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._buffer:
            self._parquet.write_table(pa.Table.from_pylist(self._buffer, schema=self._schema))
            self._buffer = []

    def finish(self) -> None:
        self._flush()
        self._parquet.close()
        self._csv_file.close()
        os.replace(self._csv_temp, self._stem.with_suffix(".csv"))
        os.replace(self._parquet_temp, self._stem.with_suffix(".parquet"))

    def abandon(self) -> None:
        if not self._csv_file.closed:
            self._parquet.close()
            self._csv_file.close()
        self._csv_temp.unlink(missing_ok=True)
        self._parquet_temp.unlink(missing_ok=True)


def _csv_cell(value: Any) -> str:
    """A cell as CSV text: empty for none, lower-case booleans, floats in their shortest exact
    form (``repr``), so that reading the CSV back gives the same numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)
