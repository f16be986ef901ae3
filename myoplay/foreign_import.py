"""``myoplay import FILE.edf|.bdf|.c3d|.xdf``: an exchange-format recording becomes a replay file.

Each format has its reader in ``replays`` (which turns it into a
:class:`~replays.imported_recording.ForeignRecording`); this picks it by ``--format`` or the
file's suffix, refuses the CSV-only options, and writes the result like the CSV import: beside
the target, renamed when complete, never over the input or (without ``--overwrite``) an
existing file. ``--map`` names the channels' muscles, and a calibration from MVC and rest
segments given by their times (``--mvc-segment``, ``--rest-segment``) or from references
(``--reference``) is stored with a protocol, as for CSV, so the file replays under it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import ConfigError
from engine.printable import escape_controls
from engine.protocol import Protocol
from myoplay.output_files import check_output_path
from myoplay.protocol_choice import resolve_protocol
from replays.c3d_import import read_c3d_recording
from replays.channel_map import parse_map
from replays.csv_import import DEFAULT_PROTOCOL, SegmentSpec
from replays.edf_import import read_edf_recording
from replays.format import SUFFIX
from replays.imported_recording import ForeignCalibration, ForeignRecording, write_imported
from replays.xdf_import import DEFAULT_STREAM_TYPE, read_xdf_recording

#: The formats read here, by their usual suffix.
FOREIGN_FORMATS = ("edf", "bdf", "c3d", "xdf")
#: Options of the CSV import that mean nothing for these formats (their defaults).
_CSV_ONLY: dict[str, object] = {"rate": None, "labels": None, "encoding": None, "delimiter": None,
             "decimal_comma": None, "skip_lines": 0, "time_column": None, "time_unit": None,
             "marker": [], "skip": [], "units": None, "scale": 1.0, "rails": None,
             "mvc_marker": [], "rest_marker": None}


def foreign_format_of(path: Path) -> str:
    """The format a file's suffix names ("csv" when it names none of ours)."""
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FOREIGN_FORMATS else "csv"


def add_stream_options(parser: argparse.ArgumentParser) -> None:
    """``--stream`` and ``--stream-type``: which stream of an XDF file to import."""
    group = parser.add_argument_group("XDF streams")
    chosen = group.add_mutually_exclusive_group()
    chosen.add_argument("--stream", metavar="NAME", help="the XDF stream to import, by name")
    chosen.add_argument("--stream-type", metavar="TYPE",
                        help=f"the XDF stream to import, by type (default: "
                             f"{DEFAULT_STREAM_TYPE}, or the only numeric stream)")


def check_stream_options(args: argparse.Namespace, file_format: str) -> None:
    """Refuse the stream options for a format that has no streams."""
    if file_format != "xdf" and (args.stream is not None or args.stream_type is not None):
        raise ConfigError(f"--stream and --stream-type are for XDF files, not "
                          f"{file_format.upper()}")


def read_foreign(path: Path, file_format: str, *, stream_name: str | None = None,
                 stream_type: str | None = None) -> tuple[ForeignRecording, list[str]]:
    """The recording in ``path`` and a line for each channel or stream left out and each
    repair of a damaged file."""
    if file_format == "xdf":
        return read_xdf_recording(path, stream_name=stream_name, stream_type=stream_type)
    if file_format == "c3d":
        return read_c3d_recording(path)
    return read_edf_recording(path)


def run_foreign_import(args: argparse.Namespace, file_format: str) -> int:
    """Import ``args.file`` as ``file_format``; see ``myoplay import --help``."""
    given = sorted(f"--{name.replace('_', '-')}" for name, default in _CSV_ONLY.items()
                   if getattr(args, name, default) != default)
    if given:
        raise ConfigError(f"{', '.join(given)}: only for CSV files, not {file_format.upper()}",
                          hint="an exchange file states its own rate, channels and units; "
                               "give MVC and rest by their times (--mvc-segment, "
                               "--rest-segment)")
    path: Path = args.file
    output: Path = args.output or path.with_suffix(SUFFIX)
    check_output_path(output, [path], option="-o")
    if not path.is_file():
        raise ConfigError(f"{escape_controls(str(path))} is not a file")
    channel_map = parse_map(args.map)
    protocol = resolve_protocol(args.protocol, None) if args.protocol else None
    recording, left_out = read_foreign(path, file_format, stream_name=args.stream,
                                       stream_type=args.stream_type)
    result = write_imported(recording, path, output, overwrite=args.overwrite,
                            channel_map=channel_map,
                            mains_hz=None if args.mains == "none" else float(args.mains),
                            calibration=_calibration(args, recording.rate_hz, protocol))
    for line in left_out:
        print(escape_controls(line), file=sys.stderr)
    print(escape_controls(
        f"imported {result.samples} samples of {len(result.labels)} channels "
        f"({', '.join(result.labels)}) at {result.rate_hz:g} Hz in {result.unit} with "
        f"{result.markers} markers and {result.gaps} gaps into {output}"), file=sys.stderr)
    if result.calibration is not None:
        cal = result.calibration.calibration
        references = ", ".join(f"{label} {ref:.4g}" for label, ref in
                               zip(cal.channels, cal.reference_uv, strict=True) if ref > 0)
        start, end = (index / result.rate_hz for index in result.calibration.rest)
        print(escape_controls(
            f"calibration: MVC references {references} (uV above rest, rest {start:.3f}–"
            f"{end:.3f} s); judged by {(protocol.id if protocol else DEFAULT_PROTOCOL)} unless "
            f"replay --protocol says otherwise"), file=sys.stderr)
    return 0


def _calibration(args: argparse.Namespace, rate_hz: float,
                 protocol: Protocol | None) -> ForeignCalibration | None:
    """The calibration the options ask for: MVC and rest segments by their times, or given
    references (labels in the file's channels; amplitudes in µV, what these imports store)."""
    references = dict(args.reference)
    if len(references) != len(args.reference):
        raise ConfigError("--reference names a channel twice")
    efforts = tuple(_indices(spec, rate_hz, "--mvc-segment") for spec in args.mvc_segment)
    if not (efforts or references):
        if protocol is not None or args.rest_segment is not None:
            raise ConfigError("--protocol and --rest-segment need a calibration to go with",
                              hint="mark the MVC with --mvc-segment, or give --reference "
                                   "LABEL=AMPLITUDE")
        return None
    rest = (_indices(args.rest_segment, rate_hz, "--rest-segment")
            if args.rest_segment is not None else None)
    return ForeignCalibration(efforts=efforts, rest=rest, references=references,
                              protocol=protocol)


def _indices(spec: SegmentSpec, rate_hz: float, option: str) -> tuple[int, int]:
    assert spec.start_s is not None
    assert spec.end_s is not None
    if not 0 <= spec.start_s < spec.end_s:
        raise ConfigError(f"{option} {spec.start_s:g}:{spec.end_s:g} must be START_S:END_S "
                          f"with 0 <= START_S < END_S")
    return round(spec.start_s * rate_hz), round(spec.end_s * rate_hz)
