"""Placing timestamped samples on a source's timeline: indices, session times, gaps.

For sources whose every sample carries a time: an LSL inlet (the sender's timestamps, mapped
onto this machine's LSL clock by time correction) or a board whose sample counter has been
unwrapped into times at the nominal rate (:mod:`sensors.board_counter`). The first sample is
session time 0; every later one keeps its own time, so drift between the sender's clock and
ours shows in session time rather than being hidden. Samples missing between two received
ones (a dropout, the sender restarting) are counted from the time between them at the nominal
rate and recorded as one :class:`~engine.messages.Gap`, and the sample index runs on past them.
A gap needs more than :data:`GAP_PERIODS` sample periods between two samples, so a sender that
stamps each sample with a slightly jittery clock never makes false gaps. Pure: samples and
times are handed in.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.clock import NS_PER_S, sample_offset_ns
from engine.messages import Gap, SampleFrame

#: Spacing, in nominal sample periods, beyond which samples count as missing between two.
GAP_PERIODS = 1.5

Record = SampleFrame | Gap


class StampedTimeline:
    """Turns chunks of (samples, timestamps) into frames and gaps for one source."""

    def __init__(self, source_id: str, rate_hz: float) -> None:
        self.source_id = source_id
        self.rate_hz = rate_hz
        self.next_index = 0
        self.next_seq = 0
        self.samples_lost = 0
        self._origin_s: float | None = None
        self._last_stamp_s: float | None = None
        self._last_t_ns = -1
        self._outage: tuple[str, bool] | None = None
        self.samples_estimated_lost = 0

    def link_lost(self, why: str, *, exact: bool = True) -> None:
        """The stream went silent or failed (``why``); the next samples close the outage in a
        gap. ``exact`` False when the times across it are estimates (a board whose counter
        restarted): the gap then says its count is unknown (-1) and gives its duration."""
        if self._outage is None:
            self._outage = (why, exact)

    def place(self, values: npt.NDArray[np.float64], stamps_s: npt.NDArray[np.float64]
              ) -> list[Record]:
        """Frames (and gaps before them) for samples ``values`` (samples, channels) with their
        timestamps in seconds, in arrival order."""
        records: list[Record] = []
        n = int(values.shape[0])
        if n == 0:
            return records
        if self._origin_s is None:
            self._origin_s = float(stamps_s[0])
        previous = np.concatenate(([self._last_stamp_s if self._last_stamp_s is not None
                                    else stamps_s[0] - 1.0 / self.rate_hz], stamps_s[:-1]))
        periods = (stamps_s - previous) * self.rate_hz
        breaks = np.flatnonzero(periods > GAP_PERIODS)
        starts = [0, *(int(b) for b in breaks if b > 0)]
        if breaks.size and breaks[0] == 0:
            records.append(self._gap(float(periods[0])))
        elif self._outage is not None:
            # Silent for a while, yet no sample is missing: say so anyway.
            records.append(self._gap(1.0))
        for i, start in enumerate(starts):
            stop = starts[i + 1] if i + 1 < len(starts) else n
            if start > 0:
                records.append(self._gap(float(periods[start])))
            records.append(self._frame(values[start:stop], float(stamps_s[start])))
        self._last_stamp_s = float(stamps_s[-1])
        return records

    def _t_ns(self, stamp_s: float) -> int:
        assert self._origin_s is not None
        t_ns = max(round((stamp_s - self._origin_s) * NS_PER_S), self._last_t_ns + 1)
        self._last_t_ns = t_ns
        return t_ns

    def _frame(self, values: npt.NDArray[np.float64], stamp_s: float) -> SampleFrame:
        t_ns = self._t_ns(stamp_s)
        n = int(values.shape[0])
        frame = SampleFrame(self.source_id, self.next_seq, self.next_index, t_ns,
                            np.ascontiguousarray(values, dtype=np.float64))
        self.next_seq += 1
        self.next_index += n
        # The next frame starts at least a nominal span later (time never runs backwards).
        self._last_t_ns = max(self._last_t_ns, t_ns + sample_offset_ns(n, self.rate_hz) - 1)
        return frame

    def _gap(self, periods: float) -> Gap:
        """The samples missing before one that came ``periods`` sample periods after the last
        received; placed where the samples stopped."""
        missing = max(0, round(periods) - 1)
        first = self.next_index
        duration_ns = sample_offset_ns(missing, self.rate_hz)
        t_ns = max(self._last_t_ns + 1, 0)
        reason, exact = "samples missing (their timestamps skip)", True
        if self._outage is not None:
            why, exact = self._outage
            reason = f"{why}; stream resumed"
            self._outage = None
        self.next_index += missing
        if exact:
            self.samples_lost += missing
        else:
            self.samples_estimated_lost += missing
        self._last_t_ns = t_ns + max(duration_ns - 1, 0)
        return Gap(self.source_id, first, missing if exact else -1, t_ns, duration_ns, reason)
