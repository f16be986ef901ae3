"""A batch's progress line on stderr and its summary at the end.

The line counts files (done of all, failed), the hours of session judged (each recording's
whole span, see ``recorded_s`` in :mod:`replays.cohort_rows`) and the speed, in
files per second and in times real time (session time judged per second of wall-clock time),
redrawn at most every :data:`REDRAW_S` seconds; it is shown as ``--progress`` or a terminal says
(:func:`myoplay.file_progress.progress_wanted`).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from replays.cohort_rows import RecordingRows

#: Fewest seconds between two redraws of the line.
REDRAW_S = 0.25
_S_PER_H = 3600.0
_S_PER_MIN = 60.0


def _session_time(seconds: float) -> str:
    """Recorded time for the progress line and summary: hours, or minutes under one hour (a
    small batch's seconds would vanish in hundredths of an hour)."""
    if seconds >= _S_PER_H:
        return f"{seconds / _S_PER_H:.2f} h"
    return f"{seconds / _S_PER_MIN:.1f} min"


class BatchProgress:
    """Counts what a batch has done; :meth:`summary` is its last word."""

    def __init__(self, to_judge: int, skipped: int, *, enabled: bool,
                 stream: TextIO | None = None) -> None:
        self.to_judge = to_judge
        self.skipped = skipped
        self.done = 0
        self.failed = 0
        self.truncated = 0
        self.judged_s = 0.0
        self._enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.monotonic()
        self._drawn_at = -REDRAW_S
        self._drawn = False

    def add(self, rows: RecordingRows) -> None:
        """Count one finished recording."""
        self.done += 1
        self.failed += rows.failed
        self.truncated += rows.session["status"] == "truncated"
        self.judged_s += rows.judged_s
        now = time.monotonic()
        if self._enabled and (now - self._drawn_at >= REDRAW_S or self.done == self.to_judge):
            self._drawn_at = now
            self._drawn = True
            self._stream.write(f"\r{self._line(now)}")
            self._stream.flush()

    def _line(self, now: float) -> str:
        wall_s = max(now - self._started, 1e-9)
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"judged {self.done}/{self.to_judge} files{failed}, "
                f"{_session_time(self.judged_s)}, {self.done / wall_s:.1f} files/s, "
                f"{self.judged_s / wall_s:.0f}x real time ")

    def finish(self) -> None:
        """End the progress line (if one was drawn)."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def summary(self) -> str:
        """One line: what was judged, what failed or was kept from before, hours and speed."""
        wall_s = max(time.monotonic() - self._started, 1e-9)
        kept = f", {self.skipped} already done" if self.skipped else ""
        cut = f" ({self.truncated} of them truncated)" if self.truncated else ""
        return (f"batch: {self.done - self.failed} judged{cut}, {self.failed} failed{kept}; "
                f"{_session_time(self.judged_s)} of sessions in {wall_s:.1f} s "
                f"({self.judged_s / wall_s:.0f}x real time, {self.done / wall_s:.1f} files/s)")
