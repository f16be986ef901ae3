"""What an imported file's time column says about its sampling: rate, jitter and drift.

A CSV recording rarely states its sampling rate, and a wrong ``--rate`` silently stretches or
squeezes every duration a protocol judges (a hold of 20 s read as 19). When the file has a time
column, its stamps are checked against the rate (or give it): the rate they imply, the spread of
the intervals between stamps (jitter) and how far the last stamp lies from where the rate puts
that sample (drift). Stamps are taken one at a time, in constant memory, so a pipe of any length
can be checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import ReplayError

#: Time units a time column may be in, as nanoseconds per unit.
TIME_UNITS_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "µs": 1e3, "ns": 1.0}
#: How far (relative) the rate the stamps imply may differ from ``--rate`` before a warning.
RATE_TOLERANCE = 0.01
#: A rate derived from the stamps within this share of a whole number of Hz is that number.
WHOLE_HZ_TOLERANCE = 0.005


@dataclass(frozen=True, slots=True)
class TimingReport:
    """The time column's verdict on the sampling (times in seconds)."""

    column: str
    samples: int
    steps: int
    """Sample periods from the first stamped sample to the last (gaps included)."""
    span_s: float
    """From the first stamp to the last."""
    measured_hz: float
    """steps / span: the rate the stamps imply."""
    rate_hz: float
    """The rate used: ``--rate``, or the measured one (a whole number of Hz when that close)."""
    given: bool
    """Whether the rate was given (``--rate``) rather than derived from the stamps."""
    interval_mean_s: float
    interval_sd_s: float
    interval_min_s: float
    interval_max_s: float

    @property
    def drift_s(self) -> float:
        """The last stamp minus where ``rate_hz`` puts the last sample (positive: the stamps run
        longer than the samples at that rate)."""
        return self.span_s - self.steps / self.rate_hz

    @property
    def disagrees(self) -> bool:
        """Whether the stamps contradict the rate beyond :data:`RATE_TOLERANCE`."""
        return abs(self.measured_hz - self.rate_hz) > RATE_TOLERANCE * self.rate_hz

    def describe(self) -> str:
        """One line: the rate, the span, the jitter and the drift."""
        source = "--rate" if self.given else "derived from the time column"
        off = (self.measured_hz - self.rate_hz) / self.rate_hz * 100
        line = (
            f"time column {self.column!r}: {self.span_s:.3f} s over {self.samples} samples, "
            f"{self.measured_hz:.6g} Hz measured, {self.rate_hz:g} Hz used ({source}, "
            f"{off:+.2f} %); intervals {self.interval_mean_s * 1e3:.4g} ms "
            f"± {self.interval_sd_s * 1e3:.4f} ms jitter (min {self.interval_min_s * 1e3:.4g}, "
            f"max {self.interval_max_s * 1e3:.4g} ms); drift {self.drift_s:+.4f} s at the end"
        )
        if self.disagrees:
            line = (f"warning: {line}; the timestamps disagree with the rate by more than "
                    f"{RATE_TOLERANCE * 100:g} %: check --rate")
        return line


class TimestampCheck:
    """Takes the stamps of a time column in file order, in constant memory (Welford)."""

    def __init__(self, column: str, unit_ns: float, name: str) -> None:
        self.column = column
        self._unit_s = unit_ns / 1e9
        self._name = name
        self._count = 0
        self._first = self._last = 0.0
        self._first_index = self._last_index = 0
        self._mean = self._m2 = 0.0
        self._min = math.inf
        self._max = -math.inf

    def add(self, value: float, line: int, index: int) -> None:
        """The stamp of sample ``index`` (indices jump over gaps), on ``line``; refused if it
        goes back in time."""
        t_s = value * self._unit_s
        if self._count:
            steps = index - self._last_index
            interval = (t_s - self._last) / steps
            if interval < 0:
                raise ReplayError(
                    f"{self._name} line {line}: time {value:g} in column {self.column!r} is "
                    f"earlier than the line before",
                    hint="sort the rows by time, or cut the file where the clock was reset",
                )
            n = self._count  # intervals so far, this one included
            delta = interval - self._mean
            self._mean += delta / n
            self._m2 += delta * (interval - self._mean)
            self._min = min(self._min, interval)
            self._max = max(self._max, interval)
        else:
            self._first = t_s
            self._first_index = index
        self._last = t_s
        self._last_index = index
        self._count += 1

    def report(self, rate_hz: float | None) -> TimingReport:
        """The verdict against ``rate_hz``, or with the rate derived when it is None."""
        span = self._last - self._first
        if self._count < 2 or span <= 0:
            raise ReplayError(
                f"{self._name}: the time column {self.column!r} does not advance "
                f"({self._count} stamps over {span:g} s), so it cannot give the rate",
                hint="give the sampling rate with --rate",
            )
        steps = self._last_index - self._first_index
        measured = steps / span
        rate = rate_hz if rate_hz is not None else _nominal(measured)
        intervals = self._count - 1
        return TimingReport(
            column=self.column,
            samples=self._count,
            steps=steps,
            span_s=span,
            measured_hz=measured,
            rate_hz=rate,
            given=rate_hz is not None,
            interval_mean_s=self._mean,
            interval_sd_s=math.sqrt(self._m2 / intervals),
            interval_min_s=self._min,
            interval_max_s=self._max,
        )


def _nominal(measured_hz: float) -> float:
    """Devices run at whole rates: a measured 999.7 Hz is 1000 Hz with a little clock error."""
    whole = float(round(measured_hz))
    if whole > 0 and abs(measured_hz - whole) <= WHOLE_HZ_TOLERANCE * whole:
        return whole
    return measured_hz
