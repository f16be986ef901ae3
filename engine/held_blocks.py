"""Held blocks: processed blocks whose every sample repeats one row (what a gap becomes).

:meth:`engine.dsp.Pipeline.gap` answers a gap with the last envelope, %MVC and a GAP flag held
over the missing samples, as read-only broadcasts: one row in memory, however many samples the
gap declares. A gap can declare billions (a device counter that jumped), so nothing downstream
may turn such a block into an array, a list or a loop as long as the gap. The consumers (rule
ticks, the training core, calibration) recognise a held block here and take it in time that
does not grow with its length.

The test is structural, not a convention: an array whose sample axis has a zero stride holds
one row in memory, so its rows are equal by construction, whoever made it.
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

from engine.clock import NS_PER_S
from engine.messages import ProcessedBlock


def repeats_one_row(array: npt.NDArray[Any]) -> bool:
    """Whether every row of the (samples, channels) ``array`` is the same memory (and it has
    more than one row, so that there is something to save)."""
    return array.ndim == 2 and array.shape[0] > 1 and array.strides[0] == 0


def is_held(block: ProcessedBlock) -> bool:
    """Whether every sample of ``block`` repeats its first one: envelope, %MVC and quality."""
    return (
        repeats_one_row(block.envelope_uv)
        and repeats_one_row(block.quality)
        and (block.pct_mvc is None or repeats_one_row(block.pct_mvc))
    )


def held_row(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The one row a held ``array`` repeats, as a (1, channels) array (a view, no copy)."""
    return array[:1]


def first_sample_at_or_after(t0_ns: int, n_samples: int, rate_hz: float, t_ns: int,
                             start: int = 0) -> int:
    """The first sample from ``start`` of a block stamped ``t0_ns`` whose time is at least
    ``t_ns`` (``n_samples`` when none is): ``searchsorted`` over
    :func:`engine.clock.sample_times_ns` without building it, by bisection over the same
    formula (float64 offset × period, rounded half to even), so it gives the same sample for any
    block length in O(log n) time and no memory."""
    period_ns = NS_PER_S / rate_hz
    lo, hi = start, n_samples
    while lo < hi:
        mid = (lo + hi) // 2
        # float(mid) * period, rounded half to even: numpy's arithmetic in sample_times_ns.
        if t0_ns + round(mid * period_ns) < t_ns:
            lo = mid + 1
        else:
            hi = mid
    return lo
