"""A board's wrapping sample counter turned into absolute sample positions.

Boards number their packages with a small counter (BrainFlow's package-number channel, 0–255
on most boards). Consecutive samples differ by 1 modulo the counter's range; a larger step is
that many samples lost, counted exactly. An outage longer than the counter's range wraps it
one or more times, which the counter alone cannot tell: the host timestamps of the samples
either side say how many whole wraps passed. A repeated counter value with no time between
(a duplicated package) is dropped. Pure.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: The range of BrainFlow's package counter on the boards it drives.
PACKAGE_MODULUS = 256


class CounterUnwrapper:
    """Absolute positions (sample numbers from 0) of samples by counter and host time."""

    def __init__(self, rate_hz: float, modulus: int = PACKAGE_MODULUS) -> None:
        self.rate_hz = rate_hz
        self.modulus = modulus
        self._last: tuple[int, float, int] | None = None
        """(counter, host time s, position) of the last sample placed."""
        self.duplicates = 0

    def restart(self) -> None:
        """The board was prepared again and its counter starts afresh: the next sample is
        placed by the time since the last one alone (an estimate)."""
        if self._last is not None:
            _, last_t, last_position = self._last
            self._last = (-1, last_t, last_position)

    def positions(self, counters: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64]
                  ) -> npt.NDArray[np.int64]:
        """Each sample's position; -1 for a duplicate to drop."""
        out = np.empty(len(counters), dtype=np.int64)
        for i, (raw, t) in enumerate(zip(counters.tolist(), times_s.tolist(), strict=True)):
            counter = round(raw) % self.modulus
            if self._last is None:
                position = 0
            else:
                last_counter, last_t, last_position = self._last
                elapsed = (t - last_t) * self.rate_hz
                if last_counter < 0:  # restarted: time is all there is to go by
                    position = last_position + max(1, round(elapsed))
                    self._last = (counter, t, position)
                    out[i] = position
                    continue
                step = (counter - last_counter) % self.modulus
                wraps = max(0, round((elapsed - step) / self.modulus))
                if step == 0 and wraps == 0:
                    self.duplicates += 1
                    out[i] = -1
                    continue
                position = last_position + step + wraps * self.modulus
            self._last = (counter, t, position)
            out[i] = position
        return out
