"""When the render actor draws: frame deadlines by integer index, so the rate never drifts.

Deadline ``k`` is ``t0 + k * period_s``, computed afresh from the index rather than by adding
periods, so rounding never accumulates. A frame drawn early (a new view arrived) passes over
the deadlines within 1.5 periods after it: while views come (the sensor's 50–100 frames a
second), each is drawn the moment it arrives and no extra frame is squeezed in between, which
on a real display would double the window system's work and make the next view wait behind a
frame that shows nothing new; once views stop, deadline frames keep the animations going. A
frame that runs late skips the deadlines it missed instead of bursting to catch up. Pure:
times are plain seconds passed in, so it is tested without a clock.
"""

from __future__ import annotations

import math

#: Periods after a view's frame in which no deadline frame is drawn. More than one, so that
#: views a little slower than the frame rate (a sensor's 50 blocks a second at 60 fps, with
#: jitter) are never interleaved with frames showing nothing new.
VIEW_COVERS_PERIODS = 1.5


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
        (False when it was drawn early for a new view: the next deadline frame then comes no
        sooner than one period later)."""
        if on_deadline:
            self._index += 1
        else:
            # The first deadline at least VIEW_COVERS_PERIODS after ``now_s`` is the next due.
            ahead = (now_s - self._t0_s) / self.period_s + VIEW_COVERS_PERIODS - 1.0
            self._index = max(self._index, math.ceil(ahead))
        behind = math.floor((now_s - self._t0_s) / self.period_s)
        if behind > self._index:
            self.frames_skipped += behind - self._index
            self._index = behind
