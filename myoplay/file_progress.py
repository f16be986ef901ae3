"""Progress of long file operations, on stderr, only when someone is watching (or asked for it)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


class Progress:
    """Shows ``label NN%`` for byte counts, redrawn only when the whole percentage changes.

    Call it with the number of bytes done (it fits a reader's ``on_progress``); ``finish`` ends
    the line. Disabled, it does nothing, so callers need no conditionals.
    """

    def __init__(
        self, label: str, total_bytes: int | None, *, enabled: bool, stream: TextIO | None = None
    ) -> None:
        self._label = label
        self._total = total_bytes if total_bytes else None
        self._enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._shown = -1

    def __call__(self, done_bytes: int) -> None:
        if not self._enabled:
            return
        if self._total is None:
            shown = done_bytes >> 20
            text = f"\r{self._label} {shown} MiB"
        else:
            shown = min(100, done_bytes * 100 // self._total)
            text = f"\r{self._label} {shown:3d}%"
        if shown != self._shown:
            self._shown = shown
            self._stream.write(text)
            self._stream.flush()

    def finish(self, *, completed: bool = True) -> None:
        """End the line, showing the operation as done when it ``completed`` (a failed one
        stays at the percentage it reached)."""
        if completed and self._enabled and self._total is not None:
            self(self._total)
        if self._enabled and self._shown >= 0:
            self._stream.write("\n")
            self._stream.flush()


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """The ``--progress`` flag of the commands that read or write whole files."""
    parser.add_argument(
        "--progress",
        action="store_true",
        help="show progress on stderr even when it is not a terminal",
    )


def progress_wanted(args: argparse.Namespace, stream: TextIO | None = None) -> bool:
    """Progress is shown on a terminal, or anywhere when ``--progress`` was given."""
    out = stream if stream is not None else sys.stderr
    return bool(getattr(args, "progress", False)) or out.isatty()


@contextmanager
def file_progress(args: argparse.Namespace, label: str, path: Path) -> Iterator[Progress]:
    """A :class:`Progress` over the bytes of ``path`` (counted in MiB when it is not a regular
    file), shown as ``progress_wanted`` says; its line is ended however the operation ends, so
    an error message never shares it."""
    size = path.stat().st_size if path.is_file() else None
    progress = Progress(f"{label} {path}", size, enabled=progress_wanted(args))
    try:
        yield progress
    except BaseException:
        progress.finish(completed=False)
        raise
    progress.finish()
