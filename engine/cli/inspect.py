"""``myoplay inspect FILE``: what a recording holds (sources, duration, counts, gaps, ...)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from replays.inspect import inspect_replay, json_text
from replays.progress import Progress, add_progress_option, progress_wanted

NAME = "inspect"
HELP = "describe a replay file: sources, duration, counts, gaps, calibration, protocol, summary"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a replay file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when the file is not complete (the report says why)."""
    path: Path = args.file
    size = os.path.getsize(path) if path.is_file() else None
    progress = Progress(f"reading {path}", size, enabled=progress_wanted(args))
    report = inspect_replay(path, on_progress=progress)
    progress.finish()
    print(json_text(report.to_json(), indent=2) if args.json else report.render())
    return 0 if report.status.state == "complete" else 1
