"""Where the arcade runner's gates are, in sample time, and how far each is shifted.

A course is drawn once from a seeded :class:`numpy.random.Generator` (or given by a protocol):
the gaps between gates vary around ``spacing_s`` so the rhythm is not monotonous, and each gate
may be shifted ``offset_pct`` %MVC from the target band. By default gates sit exactly on the
band, so flying through a gate is exactly what the rules engine counts as being in the zone.
A replay meets the same gates, since nothing here depends on when it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.clock import s_to_ns
from engine.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Gate:
    """Gate number ``index`` (from 1), reached at sample time ``t_ns``, shifted ``offset_pct``."""

    index: int
    t_ns: int
    offset_pct: float


class GateCourse:
    """An endless course: a fixed pattern of gates that repeats."""

    def __init__(
        self,
        seed: int = 0,
        spacing_s: float = 2.5,
        spacing_jitter: float = 0.3,
        jitter_pct: float = 0.0,
        length: int = 64,
        offsets_pct: Sequence[float] | None = None,
    ) -> None:
        if spacing_s <= 0 or not 0 <= spacing_jitter < 1:
            raise ConfigError(
                f"gate spacing must be positive with a jitter in [0, 1), got {spacing_s} s "
                f"± {spacing_jitter:.0%}"
            )
        rng = np.random.default_rng(seed)
        if offsets_pct is None:
            offsets_pct = [float(v) for v in rng.uniform(-jitter_pct, jitter_pct, length)]
        if not offsets_pct:
            raise ConfigError("a gate course needs at least one gate")
        gaps_s = spacing_s * rng.uniform(1 - spacing_jitter, 1 + spacing_jitter,
                                         len(offsets_pct))
        self.offsets_pct = tuple(float(v) for v in offsets_pct)
        self._times_ns = np.array([s_to_ns(t) for t in np.cumsum(gaps_s)], dtype=np.int64)
        self.period_ns = int(self._times_ns[-1])
        """Sample time after which the pattern repeats."""

    def gates_between(self, start_ns: int, end_ns: int) -> list[Gate]:
        """Every gate reached in ``[start_ns, end_ns]``, in order."""
        n = len(self._times_ns)
        gates: list[Gate] = []
        for cycle in range(max(0, start_ns // self.period_ns - 1), end_ns // self.period_ns + 1):
            base_ns = cycle * self.period_ns
            first = int(np.searchsorted(self._times_ns, start_ns - base_ns, side="left"))
            last = int(np.searchsorted(self._times_ns, end_ns - base_ns, side="right"))
            gates.extend(
                Gate(cycle * n + k + 1, base_ns + int(self._times_ns[k]), self.offsets_pct[k])
                for k in range(first, last)
            )
        return gates
