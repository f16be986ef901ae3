"""``myoplay verify FILE...``: is each recording complete, truncated, or corrupt (and where)?"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.printable import escape_controls
from myoplay.file_progress import add_progress_option, file_progress
from replays.verify import verify

NAME = "verify"
HELP = "check replay files: complete, truncated after record N, or corrupt at record N"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="replay files")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Print one verdict line per file; exit 0 only if every file is complete."""
    all_complete = True
    for path in args.files:
        with file_progress(args, "verifying", path) as progress:
            status = verify(path, on_progress=progress)
        print(escape_controls(f"{path}: {status.describe()}"))
        all_complete = all_complete and status.state == "complete"
    return 0 if all_complete else 1
