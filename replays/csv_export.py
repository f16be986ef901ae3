"""Export a recording's samples as CSV: one row per sample, channels in columns, values in the
source's unit (µV for every source but one in converter counts, such as the Myo).

Raw columns: ``sample_index`` (the source's absolute sample index: it jumps over gaps, so missing
samples are visible, never papered over), ``t_ns`` (session time), then ``<label>_uv`` per
channel (raw × scale, printed with the shortest text that reads back to the same float64; the
suffix names the unit: ``_counts`` for a source in counts, see :data:`UNIT_SUFFIXES`).

Processed (``processed=True``): the samples go through the engine's own streaming pipeline
(:mod:`engine.dsp`), with the calibrations recorded in the file applied where they were, and each
channel gets four columns: ``<label>_uv``, ``<label>_envelope_uv``, ``<label>_pct_mvc`` and
``<label>_quality`` (the :class:`QualityFlag` bit mask). ``_pct_mvc`` is empty while no
calibration is active, on a channel the calibration has no reference for, and on every flagged
sample: no %MVC is ever given for a sample whose quality is in doubt.
Gaps then appear as rows with an empty ``_uv`` cell, the held envelope and the GAP flag (at most
:data:`MAX_GAP_ROWS` of them per gap).

Streaming: memory does not grow with the recording.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal, TextIO

import numpy as np

from engine.calibration import Calibration
from engine.clock import NS_PER_S
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import CalibrationError, ReplayError
from engine.messages import ConfigChange, Gap, ProcessedBlock, SampleFrame, SourceInfo
from engine.training import CALIBRATION_KEY
from replays.reader import ReplayReader
from replays.record_errors import naming_records

#: Column names before the channels'.
INDEX_COLUMN = "sample_index"
TIME_COLUMN = "t_ns"
#: Suffix of a channel column by the source's unit: a column says truthfully what it holds (a
#: Myo reports converter counts, with no published conversion to volts).
UNIT_SUFFIXES = {"uV": "_uv", "mV": "_mv", "V": "_v", "counts": "_counts"}
#: Suffix of a channel column in microvolts, the unit an import reads.
UNIT_SUFFIX = UNIT_SUFFIXES["uV"]


def unit_suffix(source: SourceInfo) -> str:
    """The column suffix for ``source``'s unit; a unit with no suffix is refused."""
    suffix = UNIT_SUFFIXES.get(source.unit)
    if suffix is None:
        raise ReplayError(
            f"source {source.source_id!r} is in {source.unit!r}, which CSV export cannot label",
            hint=f"export sources in one of {', '.join(UNIT_SUFFIXES)}",
        )
    return suffix
#: Rows formatted at a time (bounds memory for long gaps).
_ROWS_PER_SLICE = 4096
#: Most rows a processed export writes for one gap: a gap's rows hold the same held values, and
#: a file may declare gaps of 2**31 samples; past this many (65 s at 2 kHz) the indices jump, as
#: in a raw export, so an export's time is bounded by the file's size, not by what it declares.
MAX_GAP_ROWS = 1 << 17
#: Mains frequency for a recording whose header does not say (Hz).
DEFAULT_MAINS_HZ = 50.0


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was exported: the source, rows written, and the other sources left out."""

    source_id: str
    rows: int
    other_sources: tuple[str, ...]


class _RawRows:
    """Rows of raw samples in µV."""

    def __init__(self, source: SourceInfo, out: Any) -> None:
        self._source = source
        self._out = out
        labels = [f"{label}{unit_suffix(source)}" for label in source.labels]
        out.writerow([INDEX_COLUMN, TIME_COLUMN, *labels])

    def frame(self, frame: SampleFrame) -> int:
        values_uv = frame.data.astype(np.float64) * self._source.scale
        indices = range(frame.first_index, frame.first_index + frame.n_samples)
        times = frame.sample_times_ns(self._source.rate_hz).tolist()
        self._out.writerows(
            [index, t_ns, *row]
            for index, t_ns, row in zip(indices, times, values_uv.tolist(), strict=True)
        )
        return frame.n_samples

    def gap(self, gap: Gap) -> int:
        return 0

    def config(self, change: ConfigChange) -> None:
        return None


class _ProcessedRows:
    """Rows of raw µV, envelope, %MVC and quality, from the engine's pipeline."""

    def __init__(
        self, source: SourceInfo, out: Any, mains_hz: float | None, config: Mapping[str, Any]
    ) -> None:
        self._source = source
        self._out = out
        self._pipeline = Pipeline(PipelineConfig.for_source(source, mains_hz=mains_hz))
        training = config.get("training")
        start = training.get("calibration") if isinstance(training, Mapping) else None
        if start is not None:
            self._calibrate(Calibration.from_plain(start), "the session's starting calibration")
        unit = unit_suffix(source)
        out.writerow([
            INDEX_COLUMN,
            TIME_COLUMN,
            *(
                f"{label}{suffix}"
                for label in source.labels
                for suffix in (unit, f"_envelope{unit}", "_pct_mvc", "_quality")
            ),
        ])

    def frame(self, frame: SampleFrame) -> int:
        raw_uv = frame.data.astype(np.float64) * self._source.scale
        return self._write(self._pipeline.process(frame), raw_uv)

    def gap(self, gap: Gap) -> int:
        return self._write(self._pipeline.gap(gap), None, limit=MAX_GAP_ROWS)

    def config(self, change: ConfigChange) -> None:
        if change.key != CALIBRATION_KEY:
            return
        if change.value is None:
            self._pipeline.set_calibration(None)
            return
        self._calibrate(
            Calibration.from_plain(change.value), f"the calibration at {change.t_ns} ns"
        )

    def _calibrate(self, calibration: Calibration, what: str) -> None:
        if calibration.channels != self._source.labels:
            return  # another source's calibration
        try:
            self._pipeline.set_calibration(calibration)
        except CalibrationError as error:
            raise CalibrationError(
                f"{what} does not fit the export pipeline: {error.message}",
                hint="give the mains frequency the session used with --mains",
            ) from error

    def _write(self, block: ProcessedBlock, raw_uv: np.ndarray[Any, Any] | None,
               limit: int | None = None) -> int:
        """Write a block in slices, so a long gap's rows never all sit in memory at once; at
        most ``limit`` rows (the indices then jump over the rest, as in a raw export)."""
        period_ns = NS_PER_S / block.rate_hz
        rows = block.n_samples if limit is None else min(block.n_samples, limit)
        for start in range(0, rows, _ROWS_PER_SLICE):
            stop = min(start + _ROWS_PER_SLICE, rows)
            n = stop - start
            cells = np.empty((n, 4 * self._source.n_channels), dtype=object)
            cells[:, 0::4] = raw_uv[start:stop].tolist() if raw_uv is not None else ""
            cells[:, 1::4] = np.asarray(block.envelope_uv[start:stop]).tolist()
            pct = block.pct_mvc
            if pct is None:
                cells[:, 2::4] = ""
            else:
                # No %MVC from a flagged or settling sample (the quality column says why), nor
                # on a channel the calibration left without a reference.
                shown = np.asarray(pct[start:stop]).astype(object)
                shown[np.asarray(block.quality[start:stop]) != 0] = ""
                calibration = self._pipeline.calibration
                if calibration is not None:
                    shown[:, ~np.array(calibration.calibrated)] = ""
                cells[:, 2::4] = shown
            cells[:, 3::4] = np.asarray(block.quality[start:stop]).tolist()
            # The slice of ProcessedBlock.sample_times_ns(), without building all of it.
            offsets_ns = np.rint(np.arange(start, stop, dtype=np.float64) * period_ns)
            times = (block.t_ns + offsets_ns.astype(np.int64)).tolist()
            first = block.first_index + start
            self._out.writerows(
                [index, t_ns, *row]
                for index, t_ns, row in zip(
                    range(first, first + n), times, cells.tolist(), strict=True
                )
            )
        return rows


def export_csv(
    replay: str | os.PathLike[str] | BinaryIO,
    out: TextIO,
    *,
    source_id: str | None = None,
    processed: bool = False,
    mains_hz: float | Literal["recorded"] | None = "recorded",
    allow_truncated: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the samples of one source (``source_id``, or the first described) to ``out``.

    ``processed`` adds envelope, %MVC and quality columns computed by the engine's pipeline for
    mains at ``mains_hz`` (50, 60 or None; "recorded" takes the header's ``mains_hz``, 50 when
    absent), starting from the header's ``training.calibration`` when the session had one and
    applying each recorded calibration where it occurs. A truncated file raises
    :class:`~engine.errors.TruncatedReplayError` after the rows it could verify, unless
    ``allow_truncated``.
    """
    writer = csv.writer(out, lineterminator="\n")
    rows: _RawRows | _ProcessedRows | None = None
    chosen: SourceInfo | None = None
    count = 0
    with ReplayReader(replay, allow_truncated=allow_truncated, on_progress=on_progress) as reader:
        for record in reader:
            with naming_records(reader.name, f"record {reader.record_index}"):
                if isinstance(record, SourceInfo):
                    if chosen is None and source_id in (None, record.source_id):
                        chosen = record
                        rows = (
                            _ProcessedRows(
                                record, writer, _mains_hz(mains_hz, reader.header.config),
                                reader.header.config,
                            )
                            if processed
                            else _RawRows(record, writer)
                        )
                elif rows is None or chosen is None:
                    continue
                elif isinstance(record, SampleFrame) and record.source_id == chosen.source_id:
                    count += rows.frame(record)
                elif isinstance(record, Gap) and record.source_id == chosen.source_id:
                    count += rows.gap(record)
                elif isinstance(record, ConfigChange):
                    rows.config(record)
        sources = tuple(reader.sources)
    if chosen is None:
        described = ", ".join(sources) or "none"
        wanted = f"no source {source_id!r}" if source_id else "no sources"
        raise ReplayError(f"{reader.name}: records 0 to {reader.last_verified_record} hold "
                          f"{wanted}", hint=f"sources in the file: {described}")
    others = tuple(s for s in sources if s != chosen.source_id)
    return ExportResult(chosen.source_id, count, others)


def _mains_hz(
    requested: float | Literal["recorded"] | None, config: Mapping[str, Any]
) -> float | None:
    if requested != "recorded":
        return requested
    recorded = config.get("mains_hz", DEFAULT_MAINS_HZ)
    if recorded is None or (
        isinstance(recorded, int | float) and not isinstance(recorded, bool)
    ):
        return None if recorded is None else float(recorded)
    raise ReplayError(
        f"the recording's mains_hz setting is {recorded!r}", hint="give --mains 50, 60 or none"
    )
