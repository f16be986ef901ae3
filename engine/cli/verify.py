"""``myoplay verify FILE...``: is each recording complete, truncated, or corrupt (and where)?"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from replays.progress import Progress, add_progress_option, progress_wanted
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
        size = os.path.getsize(path) if path.is_file() else None
        progress = Progress(f"verifying {path}", size, enabled=progress_wanted(args))
        status = verify(path, on_progress=progress)
        progress.finish()
        print(f"{path}: {status.describe()}")
        all_complete = all_complete and status.state == "complete"
    return 0 if all_complete else 1
