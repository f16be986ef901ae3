"""Export a recording's samples as CSV: one row per sample, one column per channel, in µV.

Columns: ``sample_index`` (the source's absolute sample index: it jumps over gaps, so missing
samples are visible, never papered over), ``t_ns`` (session time), then ``<label>_uv`` per
channel (raw × scale, printed with the shortest text that reads back to the same float64).
Streaming: memory does not grow with the recording.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, TextIO

import numpy as np

from engine.errors import ReplayError
from engine.messages import SampleFrame, SourceInfo
from replays.reader import ReplayReader

#: Column names before the channels'.
INDEX_COLUMN = "sample_index"
TIME_COLUMN = "t_ns"
#: Suffix of a channel column: the values are microvolts.
UNIT_SUFFIX = "_uv"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was exported: the source, rows written, and the other sources left out."""

    source_id: str
    rows: int
    other_sources: tuple[str, ...]


def export_csv(
    replay: str | os.PathLike[str] | BinaryIO,
    out: TextIO,
    *,
    source_id: str | None = None,
    allow_truncated: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the samples of one source (``source_id``, or the first described) to ``out``.

    A truncated file raises :class:`~engine.errors.TruncatedReplayError` after the rows it could
    verify, unless ``allow_truncated``.
    """
    writer = csv.writer(out, lineterminator="\n")
    chosen: SourceInfo | None = None
    rows = 0
    with ReplayReader(replay, allow_truncated=allow_truncated, on_progress=on_progress) as reader:
        for record in reader:
            if (
                isinstance(record, SourceInfo)
                and chosen is None
                and source_id in (None, record.source_id)
            ):
                chosen = record
                labels = [f"{label}{UNIT_SUFFIX}" for label in chosen.labels]
                writer.writerow([INDEX_COLUMN, TIME_COLUMN, *labels])
            elif (
                isinstance(record, SampleFrame)
                and chosen is not None
                and record.source_id == chosen.source_id
            ):
                values_uv = record.data.astype(np.float64) * chosen.scale
                indices = range(record.first_index, record.first_index + record.n_samples)
                times = record.sample_times_ns(chosen.rate_hz).tolist()
                writer.writerows(
                    [index, t_ns, *row]
                    for index, t_ns, row in zip(indices, times, values_uv.tolist(), strict=True)
                )
                rows += record.n_samples
        sources = tuple(reader.sources)
    if chosen is None:
        described = ", ".join(sources) or "none"
        wanted = f"no source {source_id!r}" if source_id else "no sources"
        raise ReplayError(f"{reader.name} has {wanted}", hint=f"sources in the file: {described}")
    others = tuple(s for s in sources if s != chosen.source_id)
    return ExportResult(chosen.source_id, rows, others)
