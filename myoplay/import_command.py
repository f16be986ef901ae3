"""``myoplay import FILE``: an external CSV recording becomes a replay file that can be judged.

The file's encoding, delimiter, decimal mark and columns are detected (each can be given); a
time column checks ``--rate`` or gives it; label columns become markers. With ``--map`` the
channels get their muscles and sides, and with a marked MVC (``--mvc-segment``, ``--mvc-marker``)
or given references (``--reference``) a calibration, so that ``replay --protocol`` judges the
file and ``export --processed`` gives %MVC. The output is written beside its target and renamed
only when complete; an existing file is replaced only with ``--overwrite``, never a device or
the input itself.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from engine.errors import ConfigError
from engine.printable import escape_controls
from myoplay.file_progress import add_progress_option, file_progress
from myoplay.foreign_import import (
    FOREIGN_FORMATS,
    add_stream_options,
    check_stream_options,
    foreign_format_of,
    run_foreign_import,
)
from myoplay.output_files import check_output_path
from myoplay.protocol_choice import protocol_help, resolve_protocol
from replays.channel_map import parse_map
from replays.csv_dialect import DELIMITERS, delimiter_option
from replays.csv_import import CsvImportOptions, ImportResult, SegmentSpec, import_csv
from replays.format import SUFFIX
from replays.sample_timing import TIME_UNITS_NS

NAME = "import"
HELP = ("convert an external recording (CSV, one row per sample; EDF+/BDF+; C3D; XDF) into "
        "a replay file")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="a CSV file (or a pipe), one row per sample")
    parser.add_argument("--format", choices=["csv", *FOREIGN_FORMATS],
                        help="input format (default: by the file's suffix: .edf, .bdf, "
                             ".c3d, .xdf; else csv)")
    parser.add_argument("--rate", type=float, metavar="HZ",
                        help="sampling rate (checked against a time column; derived from it "
                             "when left out)")
    parser.add_argument("--labels", nargs="+", metavar="LABEL",
                        help="channel labels, one per channel column")
    parser.add_argument("-o", "--output", type=Path,
                        help=f"replay file to write (default: FILE with {SUFFIX})")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    text = parser.add_argument_group("how the file is written (detected when left out)")
    text.add_argument("--encoding", metavar="NAME",
                      help="text encoding (detected: UTF-8/16 by byte-order mark, UTF-8, "
                           "Windows-1252, Latin-1)")
    text.add_argument("--delimiter", type=_delimiter, metavar="SEP",
                      help=f"cell separator: {', '.join(DELIMITERS)} or one character")
    text.add_argument("--decimal-comma", action="store_const", const=True, default=None,
                      help="numbers are written 1,5 (detected when the delimiter is not a comma)")
    text.add_argument("--skip-lines", type=int, default=0, metavar="N",
                      help="free-text lines before the header row")
    columns = parser.add_argument_group("columns")
    columns.add_argument("--time-column", metavar="NAME",
                         help="the time column (detected by name: time, t_s, t_ns, timestamp…)")
    columns.add_argument("--time-unit", choices=sorted(TIME_UNITS_NS), metavar="UNIT",
                         help="unit of the time column: s, ms, us or ns (default: from its "
                              "name, else s)")
    columns.add_argument("--marker", action="append", default=[], metavar="COLUMN",
                         help="a label column: each change of value becomes a marker "
                              "(detected by name: label, class, marker, event…)")
    columns.add_argument("--skip", action="append", default=[], metavar="COLUMN",
                         help="a column to leave out")
    values = parser.add_argument_group("sample values")
    values.add_argument("--units", choices=["V", "mV", "uV", "counts"],
                        help="unit of the samples (default: as the column names say, else µV)")
    values.add_argument("--scale", type=float, default=1.0,
                        help="multiply each cell by this to get --units (default: 1)")
    values.add_argument("--rails", type=_rails, metavar="LOW,HIGH",
                        help="the converter's limits as written in the file (write "
                             "--rails=-5,5): samples there are flagged as clipped")
    values.add_argument("--mains", choices=["50", "60", "none"], default="50",
                        help="mains frequency a replay notches out, Hz (default: 50)")
    add_stream_options(parser)
    meta = parser.add_argument_group("muscles and calibration")
    meta.add_argument("--map", action="extend", nargs="+", default=[],
                      metavar="LABEL=MUSCLE[:SIDE]",
                      help="the muscle and side under a channel, e.g. RF=quadriceps:right")
    meta.add_argument("--mvc-segment", action="append", default=[], type=_segment,
                      metavar="START_S:END_S", help="an MVC effort, by its times in seconds")
    meta.add_argument("--mvc-marker", action="append", default=[], metavar="VALUE",
                      help="the MVC efforts are the rows a label column marks with VALUE")
    meta.add_argument("--rest-segment", type=_segment, metavar="START_S:END_S",
                      help="a rest, for the noise floor (default: the quietest 2 s)")
    meta.add_argument("--rest-marker", metavar="VALUE",
                      help="the rest is the longest run of rows marked VALUE")
    meta.add_argument("--reference", action="extend", nargs="+", default=[], type=_reference,
                      metavar="LABEL=AMPLITUDE",
                      help="a channel's MVC envelope amplitude in the samples' unit, "
                           "measured elsewhere")
    meta.add_argument("--protocol", metavar="NAME|FILE",
                      help=protocol_help("the protocol a replay judges by (default: quad_set)"))
    add_progress_option(parser)


def _delimiter(text: str) -> str:
    try:
        return delimiter_option(text)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _pair(text: str, separator: str, what: str) -> tuple[float, float]:
    low, found, high = text.partition(separator)
    try:
        values = (float(low), float(high)) if found else None
    except ValueError:
        values = None
    if values is None or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return values


def _rails(text: str) -> tuple[float, float]:
    return _pair(text, ",", "LOW,HIGH (two numbers)")


def _segment(text: str) -> SegmentSpec:
    start, end = _pair(text, ":", "START_S:END_S (two times in seconds)")
    return SegmentSpec(start_s=start, end_s=end)


def _reference(text: str) -> tuple[str, float]:
    label, found, amount = text.rpartition("=")
    try:
        value = float(amount)
    except ValueError:
        value = math.nan
    if not found or not label or not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not LABEL=AMPLITUDE (a positive number)")
    return label, value


def options_from(args: argparse.Namespace) -> CsvImportOptions:
    """The import settings the command line gives (checked where argparse cannot)."""
    references = dict(args.reference)
    if len(references) != len(args.reference):
        raise ConfigError("--reference names a channel twice")
    efforts = [*args.mvc_segment, *(SegmentSpec(marker=v) for v in args.mvc_marker)]
    rest = (SegmentSpec(marker=args.rest_marker) if args.rest_marker is not None
            else args.rest_segment)
    if args.rest_marker is not None and args.rest_segment is not None:
        raise ConfigError("give the rest by --rest-segment or by --rest-marker, not both")
    return CsvImportOptions(
        rate_hz=args.rate,
        labels=args.labels,
        encoding=args.encoding,
        delimiter=args.delimiter,
        decimal_comma=args.decimal_comma,
        skip_lines=args.skip_lines,
        time_column=args.time_column,
        time_unit=args.time_unit,
        markers=tuple(args.marker),
        skipped=tuple(args.skip),
        units=args.units,
        scale=args.scale,
        rails=args.rails,
        channel_map=parse_map(args.map),
        efforts=tuple(efforts),
        rest=rest,
        references=references,
        protocol=resolve_protocol(args.protocol, None) if args.protocol else None,
        mains_hz=None if args.mains == "none" else float(args.mains),
    )


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    foreign = args.format or foreign_format_of(path)
    check_stream_options(args, foreign)
    if foreign in FOREIGN_FORMATS:
        return run_foreign_import(args, foreign)
    output: Path = args.output or path.with_suffix(SUFFIX)
    options = options_from(args)
    check_output_path(output, [path], option="-o")
    with file_progress(args, "importing", path) as progress:
        result = import_csv(path, output, overwrite=args.overwrite, on_progress=progress,
                            options=options)
    for line in describe(result):
        print(escape_controls(line), file=sys.stderr)
    print(escape_controls(
        f"imported {result.samples} samples of {len(result.labels)} channels "
        f"({', '.join(result.labels)}) with {result.gaps} gaps into {output}"), file=sys.stderr)
    return 0


def describe(result: ImportResult) -> list[str]:
    """What the import found, a line per subject, before the closing line."""
    lines = [f"read as {result.dialect.describe()}; samples in {result.unit} at "
             f"{result.rate_hz:g} Hz"]
    if result.timing is not None:
        lines.append(result.timing.describe())
    if result.markers:
        lines.append(f"{result.markers} marker changes kept as 'marker' inputs")
    if result.railed:
        lines.append(f"{result.railed} samples at the rails: flagged as clipped")
    if result.calibration is not None:
        cal = result.calibration.calibration
        references = ", ".join(f"{label} {ref:.4g}" for label, ref in
                               zip(cal.channels, cal.reference_uv, strict=True) if ref > 0)
        start, end = (index / result.rate_hz for index in result.calibration.rest)
        lines.append(f"calibration: MVC references {references} ({result.unit} above rest, "
                     f"rest {start:.3f}–{end:.3f} s); judged by {result.protocol_id} unless "
                     f"replay --protocol says otherwise")
    return lines
