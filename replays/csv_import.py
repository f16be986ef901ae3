"""Turn an external CSV recording (one row per sample, one column per channel) into a replay file.

The sampling rate is given, since CSV files rarely state it. A first row that is not all numbers
is the column names. Columns named ``sample_index`` (absolute sample indices: a jump becomes an
explicit Gap record) or one of :data:`TIME_COLUMNS` (ignored: times follow from the rate) are not
channels; every other column is one, in µV; a ``_uv`` suffix on its name is dropped, so files
written by :mod:`replays.csv_export` come back with their labels. Cells that are empty or not
finite numbers are refused with their line and column, never guessed.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from engine.clock import sample_offset_ns
from engine.errors import ConfigError, MessageFormatError, ReplayError
from engine.messages import ChannelInfo, Gap, PlainValue, SampleFrame, SourceInfo
from replays.csv_export import INDEX_COLUMN, UNIT_SUFFIX, UNIT_SUFFIXES
from replays.writer import RecordingWriter

#: Column names taken for time stamps and skipped (the rate gives each sample's time).
TIME_COLUMNS = frozenset({"t_ns", "t_s", "time", "time_s", "timestamp"})
#: Samples per frame in the replay file, as a duration (a typical device packet spacing).
FRAME_S = 0.02
SOURCE_ID = "csv"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What was imported: samples, channels' labels, gaps found in ``sample_index``."""

    samples: int
    labels: tuple[str, ...]
    gaps: int


def import_csv(
    csv_path: str | os.PathLike[str],
    replay_path: str | os.PathLike[str],
    *,
    rate_hz: float,
    labels: Sequence[str] | None = None,
    overwrite: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Convert ``csv_path`` into the replay file ``replay_path`` (``labels`` name the channels)."""
    if not (math.isfinite(rate_hz) and rate_hz > 0):
        raise ConfigError(f"the sampling rate must be a positive number of Hz, got {rate_hz}")
    path = Path(csv_path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as error:
        raise ReplayError(f"cannot open {path}: {error.strerror}") from error
    with handle:
        rows = _rows(handle, on_progress)
        first = next(rows, None)
        if first is None:
            raise ReplayError(f"{path} holds no samples")
        header = None if all(_is_number(cell) for cell in first[1]) else first[1]
        channels, index_column = _columns(path.name, len(first[1]), header, labels)
        data_rows = rows if header is not None else itertools.chain([first], rows)
        try:
            source = SourceInfo(
                source_id=SOURCE_ID,
                name=path.name,
                kind="csv",
                rate_hz=float(rate_hz),
                channels=tuple(ChannelInfo(label, "") for label in channels.values()),
                dtype="<f8",
            )
        except MessageFormatError as error:
            raise ConfigError(f"{path}: {error}") from error
        config: dict[str, PlainValue] = {
            "import": {"file": path.name, "format": "csv", "rate_hz": float(rate_hz)}
        }
        writer = RecordingWriter(
            replay_path, config=config, sources=[source], fsync=False, overwrite=overwrite
        )
        try:
            result = _convert(path.name, data_rows, source, channels, index_column, writer)
        except BaseException:
            # Half a conversion is no use to anyone: leave nothing behind.
            writer.abandon()
            Path(replay_path).unlink(missing_ok=True)
            raise
        writer.close(summary={"import": {"file": path.name, "samples": result.samples}})
    return result


def _rows(
    handle: TextIO, on_progress: Callable[[int], None] | None
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with their line numbers; progress in bytes read from the file."""
    reader = csv.reader(handle)
    raw = getattr(handle, "buffer", None)
    for row in reader:
        if on_progress is not None and raw is not None and reader.line_num % 4096 == 0:
            on_progress(raw.tell())
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _columns(
    name: str, width: int, header: list[str] | None, labels: Sequence[str] | None
) -> tuple[dict[int, str], int | None]:
    """Map column positions to channel labels, and find the sample-index column if any."""
    index_column: int | None = None
    channels: dict[int, str] = {}
    for position in range(width):
        column = header[position].strip() if header is not None else ""
        if column == INDEX_COLUMN:
            index_column = position
        elif column.lower() not in TIME_COLUMNS:
            if column.lower().endswith(UNIT_SUFFIXES["counts"]):
                raise ConfigError(
                    f"{name}: column {column!r} holds device counts, not µV",
                    hint="convert it to µV first (the device's µV per count), or leave it out",
                )
            channels[position] = column.removesuffix(UNIT_SUFFIX) or f"ch{len(channels) + 1}"
    if labels is not None:
        if len(labels) != len(channels):
            raise ConfigError(
                f"{len(labels)} labels given for the {len(channels)} channel columns of {name}"
            )
        channels = dict(zip(channels, labels, strict=True))
    if not channels:
        raise ReplayError(f"{name} has no channel columns")
    if len(set(channels.values())) != len(channels):
        raise ConfigError(f"channel labels repeat in {name}: {', '.join(channels.values())}")
    return channels, index_column


def _convert(
    name: str,
    rows: Iterable[tuple[int, list[str]]],
    source: SourceInfo,
    channels: dict[int, str],
    index_column: int | None,
    writer: RecordingWriter,
) -> ImportResult:
    rate_hz = source.rate_hz
    frame_len = max(1, round(rate_hz * FRAME_S))
    positions = list(channels)
    width = max([*positions, index_column or 0]) + 1
    block = np.empty((frame_len, len(positions)), dtype=np.float64)
    filled = first_index = next_index = seq = gaps = samples = 0

    def flush() -> None:
        nonlocal filled, seq
        if filled:
            t_ns = sample_offset_ns(first_index, rate_hz)
            writer.write(SampleFrame(SOURCE_ID, seq, first_index, t_ns, block[:filled]))
            seq += 1
            filled = 0

    for line, row in rows:
        if len(row) < width:
            raise ReplayError(f"{name} line {line}: {len(row)} columns, expected {width}")
        if index_column is not None:
            index = _index_cell(name, line, row[index_column])
            if index < next_index:
                raise ReplayError(
                    f"{name} line {line}: {INDEX_COLUMN} {index} does not follow {next_index - 1}"
                )
            if index > next_index:
                flush()
                start_ns = sample_offset_ns(next_index, rate_hz)
                writer.write(Gap(
                    SOURCE_ID,
                    next_index,
                    index - next_index,
                    start_ns,
                    sample_offset_ns(index, rate_hz) - start_ns,
                    "missing from the CSV file",
                ))
                gaps += 1
                next_index = index
        if filled == 0:
            first_index = next_index
        for column, position in enumerate(positions):
            block[filled, column] = _value_cell(name, line, channels[position], row[position])
        filled += 1
        samples += 1
        next_index += 1
        if filled == frame_len:
            flush()
    flush()
    return ImportResult(samples, tuple(channels.values()), gaps)


def _index_cell(name: str, line: int, cell: str) -> int:
    try:
        index = int(cell)
    except ValueError:
        raise ReplayError(
            f"{name} line {line}: {INDEX_COLUMN} {cell!r} is not a whole number"
        ) from None
    if index < 0:
        raise ReplayError(f"{name} line {line}: {INDEX_COLUMN} {index} is negative")
    return index


def _value_cell(name: str, line: int, label: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ReplayError(
            f"{name} line {line}, channel {label!r}: {cell!r} is not a finite number",
            hint="fill or cut missing samples before importing; they are never guessed",
        )
    return value
