"""``myoplay inspect FILE``: what a recording holds (sources, duration, counts, gaps, ...)."""

from __future__ import annotations

import argparse
from pathlib import Path

from myoplay.file_progress import add_progress_option, file_progress
from replays.inspect import inspect_replay, json_text

NAME = "inspect"
HELP = "describe a replay file: sources, duration, counts, gaps, calibration, protocol, summary"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a replay file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when the file is not complete (the report says why)."""
    with file_progress(args, "reading", args.file) as progress:
        report = inspect_replay(args.file, on_progress=progress)
    print(json_text(report.to_json(), indent=2) if args.json else report.render())
    return 0 if report.status.state == "complete" else 1
