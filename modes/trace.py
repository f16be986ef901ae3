"""The recent history of every channel's envelope, for screens that draw traces.

A :class:`~engine.view.SessionView` is one instant. The render actor feeds each new view to an
:class:`EnvelopeTrace`; screens read it up to the time of the view they draw, so drawing an older
view after newer ones arrived still shows that view's past and nothing after it.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

from engine.clock import s_to_ns
from engine.view import SessionView


@dataclass(frozen=True, slots=True)
class TracePoint:
    """One channel at one instant: envelope in µV and, once calibrated, %MVC."""

    t_ns: int
    envelope_uv: float
    pct_mvc: float | None


class EnvelopeTrace:
    """Per-channel envelopes over the last ``window_s`` seconds of sample time."""

    def __init__(self, window_s: float = 10.0, max_points: int = 2400) -> None:
        self.window_ns = s_to_ns(window_s)
        self._times: deque[int] = deque(maxlen=max_points)
        self._rows: deque[tuple[TracePoint, ...]] = deque(maxlen=max_points)

    def observe(self, view: SessionView) -> None:
        """Add ``view``'s values; a view from before the newest one (a new session) starts over."""
        if self._times and view.t_ns <= self._times[-1]:
            if view.t_ns == self._times[-1]:
                return
            self._times.clear()
            self._rows.clear()
        self._times.append(view.t_ns)
        self._rows.append(
            tuple(TracePoint(view.t_ns, c.envelope_uv, c.pct_mvc) for c in view.channels)
        )
        horizon = view.t_ns - self.window_ns
        while self._times and self._times[0] < horizon:
            self._times.popleft()
            self._rows.popleft()

    def series(self, channel: int, until_ns: int) -> list[TracePoint]:
        """Channel ``channel``'s points in the window ending at ``until_ns``, oldest first."""
        times = list(self._times)
        end = bisect.bisect_right(times, until_ns)
        start = bisect.bisect_left(times, until_ns - self.window_ns)
        return [
            row[channel] for row in list(self._rows)[start:end] if channel < len(row)
        ]

    def __len__(self) -> int:
        return len(self._times)
