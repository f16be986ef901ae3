"""Placing chunks of device samples on the source's timeline: indices, session times, gaps.

The timeline owns the absolute sample index of a source, which runs on across packet loss and
reconnects, so a recording shows every hole as a :class:`~engine.messages.Gap` and never
repeats or overlaps samples. Session times come from a
:class:`~sensors.ble.device_clock.DeviceClock` fitted to (sample index, arrival time) pairs.

A device's count of missing samples is believed only as far as the arrival times allow
(:mod:`sensors.ble.elapsed_bound`): a counter that jumps further is recorded as a
discontinuity, a gap of the samples the arrival times make plausible whose reason says so, so
the index never leaps by billions. Pure: arrival times are handed in.
"""

from __future__ import annotations

from typing import NamedTuple

from engine.clock import NS_PER_S
from engine.messages import Gap, SampleFrame
from sensors.ble.device_clock import DeviceClock
from sensors.ble.elapsed_bound import discontinuity_reason, most_samples_between
from sensors.ble.profile import Chunk

Record = SampleFrame | Gap


class _Jump(NamedTuple):
    """A count of missing samples the arrival times do not allow."""

    plausible: int
    """Samples recorded as missing instead (estimated)."""
    elapsed_ns: int
    """Arrival time since the previous chunk."""
    allowed: int
    """The most samples that time allows, the chunk's own included."""


class Timeline:
    """Turns chunks (in arrival order) into sample frames and gap records for one source."""

    def __init__(self, source_id: str, rate_hz: float) -> None:
        self.source_id = source_id
        self.rate_hz = rate_hz
        self.next_index = 0
        self.next_seq = 0
        self.samples_lost = 0
        self.samples_estimated_lost = 0
        self.discontinuities = 0
        """Jumps of the device's count that the arrival times did not allow."""
        self._nominal_ns_per_sample = NS_PER_S / rate_hz
        self._clock = DeviceClock(self._nominal_ns_per_sample)
        self._last_t_ns: int | None = None
        self._last_arrival_ns: int | None = None
        self._first_arrival: tuple[int, int] | None = None
        """(arrival time, samples) of the first chunk: with ``_delivered``, the samples placed
        so far, it gives the rate the device has delivered at."""
        self._delivered = 0
        self._outage: tuple[int, str] | None = None

    def measured_rate_hz(self, min_observations: int = 200) -> float | None:
        """Sample rate measured from arrival times, once enough samples arrived."""
        if self._clock.n_observations < min_observations:
            return None
        return NS_PER_S / self._clock.ns_per_unit

    def link_lost(self, at_ns: int, why: str) -> None:
        """The link dropped at session time ``at_ns``; the next chunk closes the outage."""
        if self._outage is None:
            self._outage = (at_ns, why)

    def add(self, chunk: Chunk) -> list[Record]:
        """Place one chunk; returns a gap (if samples are missing before it) and its frame."""
        records: list[Record] = []
        n = int(chunk.samples.shape[0])
        lost = chunk.lost_before
        exact = chunk.exact
        reason = chunk.reason
        if self._outage is not None:
            at_ns, why = self._outage
            self._outage = None
            seconds = max(0, chunk.arrival_ns - at_ns) / NS_PER_S
            reason = f"{why}; reconnected after {seconds:.2f} s"
            if lost is None or not exact:
                lost, exact = self._estimate_missing(chunk.arrival_ns, n), False
        elif lost is None:
            lost, exact = (0, True) if self._last_t_ns is None else (
                self._estimate_missing(chunk.arrival_ns, n), False)
        jump = self._implausible(lost, chunk.arrival_ns, n)
        if jump is not None:
            reason = discontinuity_reason(reason, lost, jump.elapsed_ns, jump.allowed)
            lost, exact = jump.plausible, False
            self.discontinuities += 1
        if lost > 0 or jump is not None:
            # A discontinuity is recorded even when no sample is plausibly missing: the
            # device's count broke there.
            records.append(self._gap(lost, exact, reason))
        t_ns = self._time_of(self.next_index, chunk.arrival_ns, n)
        records.append(SampleFrame(self.source_id, self.next_seq, self.next_index, t_ns,
                                   chunk.samples))
        self.next_seq += 1
        self.next_index += n
        self._clock.observe(self.next_index - 1, chunk.arrival_ns)
        if self._first_arrival is None:
            self._first_arrival = (chunk.arrival_ns, n)
        self._last_arrival_ns = chunk.arrival_ns
        self._delivered += n
        return records

    def _fastest_ns_per_sample(self) -> float:
        """The shortest sample period the device may have: nominal, measured by the clock fit,
        or shown by the samples delivered so far (before the fit has enough of them; a device
        or an emulator can run faster than it says)."""
        period = min(self._nominal_ns_per_sample, self._clock.ns_per_unit)
        if self._first_arrival is not None and self._last_arrival_ns is not None:
            first_ns, first_n = self._first_arrival
            since_ns, samples = self._last_arrival_ns - first_ns, self._delivered - first_n
            if since_ns > 0 and samples > 0:
                period = min(period, since_ns / samples)
        return period

    def _implausible(self, lost: int, arrival_ns: int, n: int) -> _Jump | None:
        """None when ``lost`` samples missing before a chunk of ``n`` arriving at
        ``arrival_ns`` fit the time since the previous chunk arrived; else what to record.

        The bound uses the fastest rate the device may have (:meth:`_fastest_ns_per_sample`);
        the samples recorded instead are the clock's estimate when that fits, else what the
        time that passed holds at the nominal rate."""
        if self._last_arrival_ns is None or lost <= 0:
            return None
        elapsed_ns = arrival_ns - self._last_arrival_ns
        allowed = most_samples_between(elapsed_ns, self._fastest_ns_per_sample())
        if lost + n <= allowed:
            return None
        estimate = self._estimate_missing(arrival_ns, n)
        if estimate + n > allowed:
            estimate = max(0, round(elapsed_ns / self._nominal_ns_per_sample) - n)
        return _Jump(estimate, elapsed_ns, allowed)

    def _estimate_missing(self, arrival_ns: int, n: int) -> int:
        """Samples missing before a chunk of ``n`` arriving at ``arrival_ns``, from the fit."""
        if not self._clock.ready:
            return 0
        last_index = self._clock.units_at(arrival_ns)
        return max(0, round(last_index - (n - 1) - self.next_index))

    def _gap(self, lost: int, exact: bool, reason: str) -> Gap:
        first = self.next_index
        t_ns = self._time_of(first, None, 0)
        duration_ns = round(lost * NS_PER_S / self.rate_hz)
        if exact:
            self.samples_lost += lost
        else:
            self.samples_estimated_lost += lost
        self.next_index += lost
        return Gap(self.source_id, first, lost if exact else -1, t_ns, duration_ns, reason)

    def _time_of(self, index: int, arrival_ns: int | None, n: int) -> int:
        if self._clock.ready:
            t = round(self._clock.predict(index))
        elif arrival_ns is not None:
            t = arrival_ns - round((n - 1) * NS_PER_S / self.rate_hz)
        else:
            t = self._last_t_ns or 0
        if self._last_t_ns is not None and t < self._last_t_ns:
            t = self._last_t_ns  # a refit must never make time run backwards
        self._last_t_ns = t
        return t
