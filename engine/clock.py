"""Session time: integer nanoseconds since the session started.

The engine never asks the operating system what time it is. Time reaches it in two ways only:
the timestamps carried by sample frames, and a :class:`SessionClock` handed in from outside
(the runtime's Trio clock, which tests replace with ``trio.testing.MockClock``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000


class SessionClock(Protocol):
    """Something that tells the current session time."""

    def now_ns(self) -> int:
        """Nanoseconds since the session's origin."""
        ...


def s_to_ns(seconds: float) -> int:
    """Convert seconds to integer nanoseconds, rounding to the nearest."""
    return round(seconds * NS_PER_S)


def ns_to_s(ns: int) -> float:
    return ns / NS_PER_S


def sample_offset_ns(index: int, rate_hz: float) -> int:
    """Time of sample ``index`` after sample 0 at ``rate_hz``, in integer ns.

    Computed from the absolute index (never by accumulating a period), so any chunking of the
    same stream gives the same timestamps.
    """
    return round(index * NS_PER_S / rate_hz)


def sample_times_ns(t0_ns: int, n_samples: int, rate_hz: float) -> npt.NDArray[np.int64]:
    """Session times of ``n_samples`` samples at the nominal rate, the first at ``t0_ns``."""
    offsets = np.arange(n_samples, dtype=np.float64) * (NS_PER_S / rate_hz)
    return t0_ns + np.rint(offsets).astype(np.int64)
