"""``myoplay export FILE --format csv``: a recording's samples as CSV for other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal, TextIO

from engine.errors import ReplayError
from engine.printable import escape_controls
from myoplay.exchange_export import EXCHANGE_FORMATS, run_exchange_export
from myoplay.file_progress import add_progress_option, file_progress
from myoplay.output_files import check_output_path, replaced_on_success
from replays.csv_export import ExportResult, export_csv

NAME = "export"
HELP = ("export a replay file's samples as CSV, EDF+, BDF+ or C3D (--processed adds envelopes "
        "and MVC percentages)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a replay file")
    parser.add_argument("--format", choices=["csv", *EXCHANGE_FORMATS], default="csv",
                        help="output format: csv, edf (EDF+, 16 bit) or bdf (BDF+, 24 bit) "
                             "with events and inputs as annotations, or c3d (analog EMG "
                             "channels and events)")
    parser.add_argument(
        "-o", "--output", type=Path, help="output file (default: FILE with a .csv suffix; - for "
        "stdout)"
    )
    parser.add_argument("--source", help="which source to export (default: the first one)")
    parser.add_argument(
        "--processed",
        action="store_true",
        help="add envelope, %%MVC and quality columns from the engine's pipeline",
    )
    parser.add_argument(
        "--mains",
        choices=["recorded", "50", "60", "none"],
        default="recorded",
        help="mains frequency the pipeline's notches remove (default: the session's, else 50)",
    )
    parser.add_argument(
        "--allow-truncated",
        action="store_true",
        help="export what a truncated recording holds up to its last sync point",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Export; a failed export leaves no output behind (it is written aside, then renamed), and
    an output that is the recording itself, a device or in a missing folder is refused."""
    path: Path = args.file
    if args.format in EXCHANGE_FORMATS:
        return run_exchange_export(args, _mains(args.mains))
    output: Path = args.output or path.with_suffix(".csv")
    to_stdout = str(output) == "-"
    if to_stdout:
        result = _export(args, sys.stdout)
    else:
        check_output_path(output, [path], option="output")
        if output.exists() and not args.overwrite:
            raise ReplayError(f"{escape_controls(str(output))} already exists",
                              hint="use --overwrite or choose -o")
        with replaced_on_success(output) as out:
            result = _export(args, out)
    where = "stdout" if to_stdout else escape_controls(str(output))
    print(f"exported {result.rows} samples of {result.source_id!r} to {where}", file=sys.stderr)
    if result.other_sources:
        print(
            f"not exported: sources {', '.join(result.other_sources)} (use --source)",
            file=sys.stderr,
        )
    return 0


def _export(args: argparse.Namespace, out: TextIO) -> ExportResult:
    with file_progress(args, "exporting", args.file) as progress:
        return export_csv(
            args.file,
            out,
            source_id=args.source,
            processed=args.processed,
            mains_hz=_mains(args.mains),
            allow_truncated=args.allow_truncated,
            on_progress=progress,
        )


def _mains(choice: str) -> float | Literal["recorded"] | None:
    if choice == "recorded":
        return "recorded"
    return None if choice == "none" else float(choice)
