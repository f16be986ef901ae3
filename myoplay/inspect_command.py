"""``myoplay inspect FILE``: what a recording holds (sources, duration, counts, gaps, ...).

A complete file gets its report (exit 0). A truncated one (a killed session's recording) is
still worth reading: its report covers the records up to its last sync point, and a warning
line on stderr says where it stops (exit 1). A corrupt one gets one line naming the file and
the first damaged record, like any other bad input (exit 2): nothing after the damage can be
trusted, and ``myoplay verify`` gives the same verdict.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import CorruptReplayError
from engine.printable import escape_controls
from myoplay.file_progress import add_progress_option, file_progress
from replays.inspect import inspect_replay, json_text

NAME = "inspect"
HELP = "describe a replay file: sources, duration, counts, gaps, calibration, protocol, summary"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a replay file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Print the report (exit 0); for a truncated file with a warning line (exit 1)."""
    with file_progress(args, "reading", args.file) as progress:
        report = inspect_replay(args.file, on_progress=progress)
    status = report.status
    if status.state == "corrupt":
        raise CorruptReplayError(
            f"{report.file}: {status.describe()}", record_index=status.record_index,
            hint="the records before it are intact",
        )
    print(json_text(report.to_json(), indent=2) if args.json else report.render())
    if status.state == "truncated":
        print(escape_controls(f"myoplay: warning: {report.file}: {status.describe()}; the "
                              f"report covers the records before it"), file=sys.stderr)
        return 1
    return 0
