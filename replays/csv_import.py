"""Turn an external CSV recording (one row per sample, one column per channel) into a replay file.

What a lab file is made of is decided from the file and the options, never guessed silently:

- its encoding, delimiter and decimal mark (:mod:`replays.csv_dialect`), in one pass with no
  seeking, so a pipe or a FIFO imports like a file;
- its columns (:mod:`replays.csv_columns`): channels (with the unit their names state), a time
  column, checked against ``rate_hz`` or giving it (:mod:`replays.sample_timing`), a
  ``sample_index`` column (a jump becomes an explicit Gap record), label columns whose changes
  become ``marker`` inputs, and skipped columns;
- the samples: every cell a finite number written with ASCII digits, every row as wide as the
  first, refused with its line otherwise; stored as float64 in the file's unit times ``scale``,
  or, when the converter's ``rails`` are given, as int32 counts whose limits are those rails, so
  that the quality checks flag clipped samples as saturated;
- the channels' muscles and sides (:mod:`replays.channel_map`) and a calibration taken from
  marked MVC and rest segments or given references (:mod:`replays.import_calibration`), stored
  as the session settings a live session records, so a protocol can judge the file.

Samples are spooled to an anonymous temporary file while the text is read (the rate, the
segments and the calibration are known only at the end), then written: memory stays bounded
whatever the file's length. The replay file is written beside its target under a temporary name
and renamed over it only when complete; nothing else is ever deleted or truncated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from engine.clock import sample_offset_ns
from engine.errors import ConfigError, MessageFormatError, ReplayError
from engine.messages import (
    Gap,
    PlainValue,
    SampleFrame,
    Side,
    SourceInfo,
    UserInput,
    canonical,
)
from engine.printable import escape_controls
from engine.protocol import Protocol, builtin_protocol
from engine.rules.muscle_columns import map_muscles
from engine.training import TrainingConfig
from replays import csv_dialect
from replays.channel_map import mapped_channels
from replays.csv_columns import Column, ColumnRole, classify, relabel, sample_unit
from replays.csv_dialect import Dialect
from replays.import_calibration import CalibrationPlan, ImportedCalibration, Segment, calibrate
from replays.record_bounds import MAX_RATE_HZ, MIN_RATE_HZ, check_source_bounds
from replays.sample_timing import TIME_UNITS_NS, TimestampCheck, TimingReport
from replays.writer import RecordingWriter

#: Samples per frame in the replay file, as a duration (a typical device packet spacing).
FRAME_S = 0.02
SOURCE_ID = "csv"
#: Input kind of a label column's change of value (recorded only: the engine does not act on it).
MARKER_INPUT = "marker"
#: Most marker changes kept (a label changing on every sample is a signal, not markers).
MAX_MARKERS = 100_000
#: The protocol stored with a calibrated import when none is chosen (``play``'s default).
DEFAULT_PROTOCOL = "quad_set"
#: Rows spooled at once.
_SPOOL_ROWS = 4096
_INT32 = np.iinfo(np.int32)
#: How far apart (relative) the two rails may be from symmetric: int32 counts are symmetric.
_RAIL_ASYMMETRY = 0.01


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    """A stretch of the recording: by times in seconds, or by a marker value's runs."""

    start_s: float | None = None
    end_s: float | None = None
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class CsvImportOptions:
    """How to read a CSV recording (None: detect or use the default)."""

    rate_hz: float | None = None
    labels: Sequence[str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool | None = None
    skip_lines: int = 0
    """Lines before the header (a free-text preamble)."""
    time_column: str | None = None
    time_unit: str | None = None
    markers: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    units: str | None = None
    scale: float = 1.0
    """Multiplies every cell to give a value in ``units``."""
    rails: tuple[float, float] | None = None
    """The converter's lowest and highest values, as written in the cells."""
    channel_map: Mapping[str, tuple[str, Side]] = field(default_factory=dict)
    efforts: tuple[SegmentSpec, ...] = ()
    rest: SegmentSpec | None = None
    references: Mapping[str, float] = field(default_factory=dict)
    protocol: Protocol | None = None
    """The protocol to store with a calibration (checked against the map); None: the default."""
    mains_hz: float | None = 50.0


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What was imported."""

    samples: int
    labels: tuple[str, ...]
    gaps: int
    rate_hz: float
    unit: str
    dialect: Dialect
    timing: TimingReport | None
    """What the time column says, if there is one."""
    markers: int
    """Changes of value in label columns, kept as marker inputs."""
    railed: int
    """Samples (per channel, summed) at or beyond the rails."""
    calibration: ImportedCalibration | None
    protocol_id: str | None
    """The protocol stored with the calibration."""


def import_csv(
    csv_path: str | os.PathLike[str],
    replay_path: str | os.PathLike[str],
    *,
    rate_hz: float | None = None,
    labels: Sequence[str] | None = None,
    overwrite: bool = False,
    on_progress: Callable[[int], None] | None = None,
    options: CsvImportOptions | None = None,
) -> ImportResult:
    """Convert ``csv_path`` into the replay file ``replay_path``. ``rate_hz`` and ``labels``
    are shorthands for the same fields of ``options``. An existing ``replay_path`` is replaced
    only with ``overwrite``, and only by a complete file; it must be a regular file other than
    the input."""
    if options is None:
        options = CsvImportOptions()
    if rate_hz is not None:
        options = dataclasses.replace(options, rate_hz=rate_hz)
    if labels is not None:
        options = dataclasses.replace(options, labels=labels)
    _check_options(options)
    path, target = Path(csv_path), Path(replay_path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the output check
    except OSError as error:
        raise ReplayError(f"cannot open {path}: {error.strerror}") from None
    with handle:
        check_target(target, handle, overwrite)
        try:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
        except OSError as error:
            raise ReplayError(f"cannot make a temporary file: {error.strerror}",
                              hint="set TMPDIR to a folder with free space") from None
        with spool:
            # The name goes into the recording, where control characters are refused.
            name = escape_controls(path.name)
            parsed = _parse(name, handle, options, spool, on_progress)
            return _write(name, parsed, options, spool, target, overwrite)


def _check_options(options: CsvImportOptions) -> None:
    rate = options.rate_hz
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise ConfigError(f"the sampling rate must be a positive number of Hz, got {rate}")
    if rate is not None and not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise ConfigError(f"the sampling rate must be {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz, "
                          f"got {rate:g}")
    if not (math.isfinite(options.scale) and options.scale != 0):
        raise ConfigError(f"--scale must be a finite number other than 0, got {options.scale}")
    if options.rails is not None:
        low, high = options.rails
        if not (math.isfinite(low) and math.isfinite(high) and low < 0 < high):
            raise ConfigError(f"--rails {low:g},{high:g}: the converter's limits must be "
                              f"finite, the low one below 0 and the high one above",
                              hint="give the limits as written in the file, e.g. -32768,32767")
        if abs(-low - high) > _RAIL_ASYMMETRY * max(-low, high):
            raise ConfigError(f"--rails {low:g},{high:g} are not symmetric around 0",
                              hint="remove the converter's offset from the samples first")
    if options.skip_lines < 0:
        raise ConfigError(f"--skip-lines must be 0 or more, got {options.skip_lines}")
    if options.time_unit is not None and options.time_unit not in TIME_UNITS_NS:
        raise ConfigError(f"--time-unit {options.time_unit!r} is not one of "
                          f"{', '.join(TIME_UNITS_NS)}")
    for name, value in options.references.items():
        if not (math.isfinite(value) and value > 0):
            raise ConfigError(f"--reference {name}={value:g}: an MVC amplitude is positive")
    for spec in (*options.efforts, *([options.rest] if options.rest else [])):
        if spec.marker is None and not (
            spec.start_s is not None and spec.end_s is not None
            and 0 <= spec.start_s < spec.end_s and math.isfinite(spec.end_s)
        ):
            raise ConfigError(f"segment {spec.start_s}:{spec.end_s} must be START_S:END_S "
                              f"with 0 <= START_S < END_S")


def check_target(target: Path, source: BinaryIO, overwrite: bool) -> None:
    """Refuse an output that is the input, not a regular file, or exists without ``overwrite``."""
    try:
        status = target.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise ReplayError(f"cannot write {target}: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise ReplayError(f"{target} is not a regular file", hint="give the path of a file")
    own = os.fstat(source.fileno())
    if (own.st_dev, own.st_ino) == (status.st_dev, status.st_ino):
        raise ReplayError(f"{target} is the input file itself", hint="give another output path")
    if not overwrite:
        raise ReplayError(f"{target} already exists",
                          hint="choose another name, or give --overwrite to replace it")


@dataclass
class _Parsed:
    """What reading the text found; the samples themselves are in the spool."""

    dialect: Dialect
    channels: list[Column]
    unit: str
    samples: int = 0
    jumps: list[tuple[int, int]] = field(default_factory=list)
    """(row, sample index) where a ``sample_index`` column jumps ahead."""
    markers: list[tuple[int, str, str]] = field(default_factory=list)
    """(sample index, column, new value) for every change of a label column."""
    timing: TimestampCheck | None = None
    last_index: int = -1


def _parse(
    name: str,
    handle: BinaryIO,
    options: CsvImportOptions,
    spool: BinaryIO,
    on_progress: Callable[[int], None] | None,
) -> _Parsed:
    prefix = csv_dialect.read_prefix(handle)
    encoding = (csv_dialect.check_encoding(options.encoding) if options.encoding
                else csv_dialect.detect_encoding(prefix, name))
    text = csv_dialect.prefixed_text(prefix, handle, encoding, on_progress)
    lines = csv_dialect.bounded_lines(text, name, encoding)
    for _ in range(options.skip_lines):
        next(lines, None)
    sample, lines = csv_dialect.sniffed_lines(lines)
    dialect = csv_dialect.detect_dialect(sample, encoding, delimiter=options.delimiter,
                                         decimal_comma=options.decimal_comma)
    rows = csv_dialect.rows(lines, dialect, name, skipped_lines=options.skip_lines)
    first = next(rows, None)
    if first is None:
        raise ReplayError(f"{name} holds no samples (no rows of numbers)",
                          hint="a CSV recording has one row of numbers per sample")
    header = first[1] if csv_dialect.is_header(first[1]) else None
    data_first = next(rows, None) if header is not None else first
    if data_first is not None:
        rows = _chain(data_first, rows)
    columns = classify(header, len(first[1]), time_column=options.time_column,
                       time_unit_ns=TIME_UNITS_NS[options.time_unit] if options.time_unit else None,
                       markers=options.markers, skipped=options.skipped, name=name,
                       first_row=data_first[1] if data_first is not None else None)
    columns = relabel(columns, options.labels, name)
    # The channels' bounds are checked before the samples are read (the rate once it is known).
    _source(name, [c.label for c in columns if c.role is ColumnRole.CHANNEL], options,
            1.0, "<f8", f"{name} line {first[0]}")
    parsed = _Parsed(dialect, [c for c in columns if c.role is ColumnRole.CHANNEL],
                     sample_unit(columns, options.units, name))
    if parsed.unit == "counts" and options.rails is None:
        counted = next(c.name for c in parsed.channels)
        raise ConfigError(f"{name}: column {counted!r} holds device counts, not µV",
                          hint="give the converter's range with --rails LOW,HIGH, or the unit "
                               "with --units and the conversion with --scale")
    _read_samples(name, rows, columns, len(first[1]), parsed, spool)
    if not parsed.samples:
        raise ReplayError(f"{name} holds a header but no samples",
                          hint="a CSV recording has one row of numbers per sample")
    return parsed


def _chain(first: tuple[int, list[str]],
           rest: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rest


def _read_samples(
    name: str,
    rows: Iterator[tuple[int, list[str]]],
    columns: list[Column],
    width: int,
    parsed: _Parsed,
    spool: BinaryIO,
) -> None:
    decimal_comma = parsed.dialect.decimal_comma
    channels = parsed.channels
    index_column = next((c.position for c in columns if c.role is ColumnRole.INDEX), None)
    time = next((c for c in columns if c.role is ColumnRole.TIME), None)
    if time is not None:
        parsed.timing = TimestampCheck(time.name, time.time_unit_ns, name)
    marker_columns = [c for c in columns if c.role is ColumnRole.MARKER]
    current = {c.name: "" for c in marker_columns}
    positions = [c.position for c in channels]
    block = np.empty((_SPOOL_ROWS, len(channels)), dtype=np.float64)
    filled = 0
    next_index = 0
    for line, row in rows:
        if len(row) != width:
            raise ReplayError(f"{name} line {line}: {len(row)} columns, expected {width} "
                              f"(as in the first row)",
                              hint="every row needs one cell per column; check the delimiter")
        if index_column is not None:
            index = _index_cell(name, line, row[index_column], decimal_comma)
            if index < next_index:
                raise ReplayError(
                    f"{name} line {line}: sample_index {index} does not follow {next_index - 1}"
                )
            if index > next_index:
                parsed.jumps.append((parsed.samples, index))
            next_index = index
        if time is not None and parsed.timing is not None:
            where = f"time column {time.name!r}"
            parsed.timing.add(_number(name, line, where, row[time.position], decimal_comma),
                              line, next_index)
        for column in marker_columns:
            value = row[column.position].strip()
            if value != current[column.name]:
                if len(parsed.markers) == MAX_MARKERS:
                    raise ReplayError(f"{name} line {line}: column {column.name!r} changes more "
                                      f"than {MAX_MARKERS} times: it is not a label column",
                                      hint=f"import it as a channel, or --skip {column.name}")
                current[column.name] = value
                parsed.markers.append((next_index, column.name, value))
        cells = [row[p] for p in positions]
        values = csv_dialect.parse_numbers(cells, decimal_comma)
        if values is None:
            # Some cell is not a number: find it, to say which and why.
            values = [_number(name, line, f"channel {c.label!r}", cell, decimal_comma)
                      for c, cell in zip(channels, cells, strict=True)]
        block[filled] = values
        filled += 1
        parsed.samples += 1
        parsed.last_index = next_index
        next_index += 1
        if filled == _SPOOL_ROWS:
            spool.write(block.tobytes())
            filled = 0
    spool.write(block[:filled].tobytes())


def _index_cell(name: str, line: int, cell: str, decimal_comma: bool) -> int:
    value = csv_dialect.parse_number(cell, decimal_comma)
    if isinstance(value, str) or value != int(value) or value < 0 or value >= 2**53:
        raise ReplayError(f"{name} line {line}: sample_index {cell.strip()!r} is not a whole "
                          f"number of 0 or more")
    return int(value)


def _number(name: str, line: int, what: str, cell: str, decimal_comma: bool) -> float:
    """The number in ``cell`` of ``what`` (a channel, the time column), or one line saying why
    it is not one."""
    value = csv_dialect.parse_number(cell, decimal_comma)
    if isinstance(value, str):
        reason = "is not a finite number (empty cell)" if value == "is empty" else value
        raise ReplayError(f"{name} line {line}, {what}: {cell[:40]!r} {reason}",
                          hint=_number_hint(what, cell, value))
    return value


def _number_hint(what: str, cell: str, reason: str) -> str:
    """What to do about a cell that is not a number, by what it holds instead."""
    if cell.strip() and not csv_dialect.looks_numeric(cell):
        return f"if the {what} holds labels, give --marker or --skip with its name"
    if reason in ("is empty", "is not a finite number"):
        return "fill or cut missing samples before importing; they are never guessed"
    return "write numbers with ASCII digits 0-9, a sign, a decimal mark and an exponent only"


def _rate(
    name: str, parsed: _Parsed, options: CsvImportOptions
) -> tuple[float, TimingReport | None]:
    if parsed.timing is not None:
        report = parsed.timing.report(options.rate_hz)
        return report.rate_hz, report
    if options.rate_hz is None:
        raise ConfigError(f"{name} has no time column to give the sampling rate",
                          hint="give it with --rate HZ (or name the time column: --time-column)")
    return options.rate_hz, None


@dataclass(frozen=True, slots=True)
class _Storage:
    """How the spooled values (the cells) become the source's raw samples."""

    dtype: str
    scale: float
    """The source's scale: raw × scale = value in the unit."""
    rails: tuple[float, float] | None
    step: float = 1.0
    """Cell value of one int32 count (with rails)."""

    @classmethod
    def of(cls, options: CsvImportOptions) -> _Storage:
        if options.rails is None:
            return cls("<f8", options.scale, None)
        step = max(-options.rails[0], options.rails[1]) / _INT32.max
        return cls("<i4", step * options.scale, options.rails, step)

    def raw(self, cells: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.generic], int]:
        """The raw samples for ``cells``, and how many are at or beyond a rail."""
        if self.rails is None:
            return cells, 0
        low, high = self.rails
        counts = np.clip(np.rint(cells / self.step), _INT32.min + 1, _INT32.max - 1)
        at_low, at_high = cells <= low, cells >= high
        counts[at_low] = _INT32.min
        counts[at_high] = _INT32.max
        return counts.astype("<i4"), int(at_low.sum() + at_high.sum())


def _items(
    parsed: _Parsed, spool: BinaryIO, storage: _Storage, rate_hz: float,
    on_railed: Callable[[int], None] | None = None,
) -> Iterator[SampleFrame | Gap]:
    """The recording's frames and gaps from the spool, in order."""
    spool.seek(0)
    n_channels = len(parsed.channels)
    frame_len = max(1, round(rate_hz * FRAME_S))
    jumps = iter([*parsed.jumps, (parsed.samples, -1)])
    next_jump = next(jumps)
    row = index = seq = 0
    while row < parsed.samples:
        if row == next_jump[0]:
            start_ns = sample_offset_ns(index, rate_hz)
            yield Gap(SOURCE_ID, index, next_jump[1] - index, start_ns,
                      sample_offset_ns(next_jump[1], rate_hz) - start_ns,
                      "missing from the CSV file")
            index = next_jump[1]
            next_jump = next(jumps)
        count = min(frame_len, next_jump[0] - row)
        cells = np.frombuffer(spool.read(count * n_channels * 8), dtype=np.float64)
        raw, railed = storage.raw(cells.reshape(count, n_channels))
        if on_railed is not None:
            on_railed(railed)
        yield SampleFrame(SOURCE_ID, seq, index, sample_offset_ns(index, rate_hz), raw)
        seq += 1
        row += count
        index += count


def _segments(specs: Sequence[SegmentSpec], parsed: _Parsed, rate_hz: float,
              what: str) -> list[Segment]:
    """Sample-index segments for ``specs``: times converted at the rate; a marker value's every
    run (from the change to it to the next change of that column)."""
    found: list[Segment] = []
    end = parsed.last_index + 1
    for spec in specs:
        if spec.marker is None:
            assert spec.start_s is not None
            assert spec.end_s is not None
            start, stop = round(spec.start_s * rate_hz), round(spec.end_s * rate_hz)
            if start >= end:
                raise ConfigError(f"{what} {spec.start_s:g}:{spec.end_s:g} s starts after the "
                                  f"recording ends ({end / rate_hz:.3f} s)")
            found.append((start, min(stop, end)))
            continue
        runs = []
        # Backwards, so each change knows where its column changes next (one pass).
        next_change: dict[str, int] = {}
        for index, column, value in reversed(parsed.markers):
            if value == spec.marker:
                runs.append((index, next_change.get(column, end)))
            next_change[column] = index
        runs.reverse()
        if not runs:
            values = sorted({m[2] for m in parsed.markers if m[2]})
            raise ConfigError(f"{what}: no label column holds {spec.marker!r}",
                              hint=f"the labels found: {', '.join(values) or 'none'}")
        found.extend(run for run in runs if run[1] > run[0])
    return found


def _write(
    name: str,
    parsed: _Parsed,
    options: CsvImportOptions,
    spool: BinaryIO,
    target: Path,
    overwrite: bool,
) -> ImportResult:
    rate_hz, timing = _rate(name, parsed, options)
    storage = _Storage.of(options)
    labels = [c.label for c in parsed.channels]
    source = _source(name, labels, options, rate_hz, storage.dtype, name,
                     scale=storage.scale, unit=parsed.unit)
    plan = CalibrationPlan(
        efforts=tuple(_segments(options.efforts, parsed, rate_hz, "--mvc-segment")),
        rest=(_rest(options.rest, parsed, rate_hz) if options.rest is not None else None),
        references=dict(options.references),
    )
    calibration: ImportedCalibration | None = None
    protocol: Protocol | None = None
    config: dict[str, PlainValue] = {
        "import": {"file": name, "format": "csv", "rate_hz": float(rate_hz),
                   "dialect": parsed.dialect.describe(), "unit": parsed.unit},
        "mains_hz": options.mains_hz,
    }
    if plan.wanted:
        protocol = options.protocol or builtin_protocol(DEFAULT_PROTOCOL)
        if options.protocol is not None:
            map_muscles(protocol, source.channels, None)
        calibration = calibrate(source, options.mains_hz, _items(parsed, spool, storage, rate_hz),
                                plan)
        training = TrainingConfig(protocol=protocol, calibration=calibration.calibration)
        config["training"] = training.to_plain()
        config["mode"] = protocol.modes[0]
    elif options.protocol is not None:
        raise ConfigError("--protocol needs a calibration to judge by",
                          hint="mark the MVC with --mvc-segment or --mvc-marker, or give "
                               "--reference LABEL=AMPLITUDE")
    plain = canonical(config)
    assert isinstance(plain, dict)
    railed = 0

    def count_railed(n: int) -> None:
        nonlocal railed
        railed += n

    with replacing(target, overwrite) as out:
        writer = RecordingWriter(out, config=plain, sources=[source], fsync=False)
        try:
            markers = iter(parsed.markers)
            marker = next(markers, None)
            gaps = 0
            for item in _items(parsed, spool, storage, rate_hz, count_railed):
                end = item.first_index + (item.n_samples if isinstance(item, SampleFrame)
                                          else item.n_missing)
                while marker is not None and marker[0] < end:
                    writer.write(UserInput(sample_offset_ns(marker[0], rate_hz), MARKER_INPUT,
                                           {"column": marker[1], "value": marker[2]}))
                    marker = next(markers, None)
                gaps += isinstance(item, Gap)
                writer.write(item)
            writer.close(summary={"import": {"file": name, "samples": parsed.samples}})
        except BaseException:
            writer.abandon()
            raise
    return ImportResult(
        samples=parsed.samples, labels=tuple(labels), gaps=gaps, rate_hz=rate_hz,
        unit=parsed.unit, dialect=parsed.dialect, timing=timing, markers=len(parsed.markers),
        railed=railed, calibration=calibration,
        protocol_id=protocol.id if protocol is not None else None,
    )


def _source(
    name: str, labels: Sequence[str], options: CsvImportOptions, rate_hz: float, dtype: str,
    where: str, *, scale: float = 1.0, unit: str = "uV",
) -> SourceInfo:
    """The source descriptor of the import, within the replay format's bounds (``where`` names
    the place in the file an error is about)."""
    try:
        source = SourceInfo(
            source_id=SOURCE_ID, name=name, kind="csv", rate_hz=float(rate_hz),
            channels=mapped_channels(labels, dict(options.channel_map)),
            dtype=dtype, scale=scale, unit=unit,
        )
        check_source_bounds(source)
    except MessageFormatError as error:
        raise ConfigError(f"{where}: {error}",
                          hint="leave columns out with --skip, or rename them with --labels"
                          ) from None
    return source


def _rest(spec: SegmentSpec, parsed: _Parsed, rate_hz: float) -> Segment:
    found = _segments([spec], parsed, rate_hz, "--rest-segment")
    # The longest run of a marked rest: the baseline is one stretch, as in a live calibration.
    return max(found, key=lambda s: s[1] - s[0])


@contextlib.contextmanager
def replacing(target: Path, overwrite: bool) -> Iterator[BinaryIO]:
    """A new temporary file beside ``target``, renamed over it only if the block succeeds (and
    never over a file that appeared meanwhile unless ``overwrite``); deleted otherwise."""
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                                 dir=target.parent)
    except OSError as error:
        raise ReplayError(f"cannot write in {target.parent}: {error.strerror}") from None
    done = False
    try:
        os.chmod(descriptor, 0o644)
        with open(descriptor, "wb") as out:
            yield out
        if overwrite:
            os.replace(temporary, target)
        else:
            _rename_without_replacing(temporary, target)
        done = True
    except FileExistsError:
        raise ReplayError(f"{target} already exists",
                          hint="choose another name, or give --overwrite to replace it") from None
    except OSError as error:
        raise ReplayError(f"cannot write {target}: {error.strerror}") from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _rename_without_replacing(temporary: str, target: Path) -> None:
    """Rename ``temporary`` to ``target`` unless a file appeared there meanwhile (then
    :class:`FileExistsError`): ``link`` refuses an existing name, where a rename replaces it."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a narrow race remains).
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)
