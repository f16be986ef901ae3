"""``myoplay import FILE --format csv --rate HZ``: an external recording becomes a replay file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from myoplay.file_progress import add_progress_option, file_progress
from replays.csv_import import import_csv
from replays.format import SUFFIX

NAME = "import"
HELP = "convert an external CSV recording (one row per sample) into a replay file"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a CSV file, values in µV")
    parser.add_argument("--format", choices=["csv"], default="csv", help="input format")
    parser.add_argument("--rate", type=float, required=True, metavar="HZ", help="sampling rate")
    parser.add_argument(
        "--labels", nargs="+", metavar="LABEL", help="channel labels, one per channel column"
    )
    parser.add_argument(
        "-o", "--output", type=Path, help=f"replay file to write (default: FILE with {SUFFIX})"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    output: Path = args.output or path.with_suffix(SUFFIX)
    with file_progress(args, "importing", path) as progress:
        result = import_csv(
            path,
            output,
            rate_hz=args.rate,
            labels=args.labels,
            overwrite=args.overwrite,
            on_progress=progress,
        )
    print(
        f"imported {result.samples} samples of {len(result.labels)} channels "
        f"({', '.join(result.labels)}) with {result.gaps} gaps into {output}",
        file=sys.stderr,
    )
    return 0
