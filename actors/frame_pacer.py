"""When the render actor draws: frame deadlines by integer index, so the rate never drifts.

Deadline ``k`` is ``t0 + k * period_s``, computed afresh from the index rather than by adding
periods, so rounding never accumulates. A frame drawn early (a new view arrived) leaves the
next deadline where it was; a frame that runs late skips the deadlines it missed instead of
bursting to catch up. Pure: times are plain seconds passed in, so it is tested without a clock.
"""

from __future__ import annotations

import math


class FramePacer:
    """Frame deadlines at ``fps`` frames per second, and how many were skipped."""

    def __init__(self, fps: float) -> None:
        if fps <= 0:
            raise ValueError(f"frame rate must be positive, got {fps}")
        self.period_s = 1.0 / fps
        self.frames_skipped = 0
        """Deadlines missed because a frame ran late, across restarts."""
        self._t0_s = 0.0
        self._index = 0  # the last deadline met or skipped

    def start(self, now_s: float) -> None:
        """Count deadlines from ``now_s`` (each run of the actor starts a fresh cadence)."""
        self._t0_s = now_s
        self._index = 0

    def next_deadline_s(self) -> float:
        """The time by which the next frame is due, unless a new view comes first."""
        return self._t0_s + (self._index + 1) * self.period_s

    def frame_done(self, now_s: float, *, on_deadline: bool) -> None:
        """Note a frame finished at ``now_s``; ``on_deadline`` if it was drawn for its deadline
        (False when it was drawn early for a new view: that deadline is still ahead)."""
        if on_deadline:
            self._index += 1
        behind = math.floor((now_s - self._t0_s) / self.period_s)
        if behind > self._index:
            self.frames_skipped += behind - self._index
            self._index = behind
