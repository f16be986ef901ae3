"""A station's envelope rows thinned to what the page's plot draws (pure, display only).

A station publishes every envelope sample (hundreds to thousands a second per channel); the
page's plot needs :data:`PLOT_RATE_HZ` points a second. Each point is the mean of the samples
in its bin of LSL time, so a short burst still shows; a
sample that is not a number counts as 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PLOT_RATE_HZ = 50.0


def plot_points(values: Sequence[Sequence[float]], stamps_s: Sequence[float],
                origin_s: float) -> list[list[float]]:
    """``[t_s, v1, v2, …]`` per bin of ``1 / PLOT_RATE_HZ`` s, ``t_s`` counted from
    ``origin_s``; values rounded to 0.1 µV (finer is invisible on a plot)."""
    if not len(stamps_s):
        return []
    data = np.asarray(values, dtype=np.float64).reshape(len(stamps_s), -1)
    data = np.where(np.isfinite(data), data, 0.0)
    times = np.asarray(stamps_s, dtype=np.float64) - origin_s
    bins = np.floor(times * PLOT_RATE_HZ).astype(np.int64)
    points = []
    for b in np.unique(bins):
        means = data[bins == b].mean(axis=0)
        points.append([round(float(b) / PLOT_RATE_HZ, 3), *(round(float(v), 1) for v in means)])
    return points
