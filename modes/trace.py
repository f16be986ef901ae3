"""The recent history of every channel's envelope, for screens that draw traces.

A :class:`~engine.view.SessionView` is one instant. The render actor feeds each new view to an
:class:`EnvelopeTrace`; screens read it up to the time of the view they draw, so drawing an older
view after newer ones arrived still shows that view's past and nothing after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.clock import s_to_ns
from engine.view import SessionView


@dataclass(frozen=True, slots=True)
class Series:
    """One channel over a window: times in ns, envelope in µV, %MVC (NaN where uncalibrated or
    the signal was flagged: a level from flagged samples is never shown)."""

    t_ns: npt.NDArray[np.int64]
    envelope_uv: npt.NDArray[np.float64]
    pct_mvc: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.t_ns.shape[0])


class EnvelopeTrace:
    """Per-channel envelopes over the last ``window_s`` seconds of sample time (a ring buffer)."""

    def __init__(self, window_s: float = 10.0, max_points: int = 2400) -> None:
        self.window_ns = s_to_ns(window_s)
        self.max_points = max_points
        self._t = np.zeros(0, dtype=np.int64)
        self._env = np.zeros((0, 0))
        self._pct = np.zeros((0, 0))

    def observe(self, view: SessionView) -> None:
        """Add ``view``'s values; a view from before the newest one (a new session) starts over."""
        n_channels = len(view.channels)
        if len(self._t) and view.t_ns == self._t[-1]:
            return
        if (len(self._t) and view.t_ns < self._t[-1]) or self._env.shape[1:] != (n_channels,):
            self._t = np.zeros(0, dtype=np.int64)
            self._env = np.zeros((0, n_channels))
            self._pct = np.zeros((0, n_channels))
        keep = int(np.searchsorted(self._t, view.t_ns - self.window_ns))
        keep = max(keep, len(self._t) + 1 - self.max_points)
        env = np.array([[c.envelope_uv for c in view.channels]], dtype=np.float64)
        pct = np.array([[np.nan if c.pct_mvc is None or c.quality else c.pct_mvc
                         for c in view.channels]], dtype=np.float64)
        self._t = np.append(self._t[keep:], np.int64(view.t_ns))
        self._env = np.concatenate((self._env[keep:], env.reshape(1, n_channels)))
        self._pct = np.concatenate((self._pct[keep:], pct.reshape(1, n_channels)))

    def series(self, channel: int, until_ns: int) -> Series:
        """Channel ``channel`` in the window ending at ``until_ns``, oldest first."""
        end = int(np.searchsorted(self._t, until_ns, side="right"))
        start = int(np.searchsorted(self._t, until_ns - self.window_ns, side="left"))
        if channel >= self._env.shape[1]:
            start = end = 0
            return Series(self._t[:0], np.zeros(0), np.zeros(0))
        return Series(self._t[start:end], self._env[start:end, channel],
                      self._pct[start:end, channel])

    def __len__(self) -> int:
        return len(self._t)
