"""Where the arcade runner's gates are: one gate every ``spacing_s`` of sample time.

Gate heights are offsets from the exercise's target band, drawn once from a seeded
:class:`numpy.random.Generator` (or given by a protocol), so a replay meets the same gates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.clock import s_to_ns
from engine.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Gate:
    """Gate number ``index``, reached at sample time ``t_ns``, shifted ``offset_pct`` %MVC."""

    index: int
    t_ns: int
    offset_pct: float


class GateCourse:
    """An endless course that repeats a fixed list of gate offsets."""

    def __init__(
        self,
        seed: int = 0,
        spacing_s: float = 2.5,
        jitter_pct: float = 8.0,
        length: int = 256,
        offsets_pct: Sequence[float] | None = None,
    ) -> None:
        if spacing_s <= 0:
            raise ConfigError(f"gate spacing must be positive, got {spacing_s} s")
        if offsets_pct is None:
            rng = np.random.default_rng(seed)
            offsets_pct = [float(v) for v in rng.uniform(-jitter_pct, jitter_pct, length)]
        if not offsets_pct:
            raise ConfigError("a gate course needs at least one gate")
        self.spacing_ns = s_to_ns(spacing_s)
        self.offsets_pct = tuple(float(v) for v in offsets_pct)

    def gates_between(self, start_ns: int, end_ns: int) -> list[Gate]:
        """Every gate reached in ``[start_ns, end_ns]``, in order (gate 1 is one spacing in)."""
        first = max(1, -(-start_ns // self.spacing_ns))
        last = end_ns // self.spacing_ns
        return [
            Gate(k, k * self.spacing_ns, self.offsets_pct[k % len(self.offsets_pct)])
            for k in range(first, last + 1)
        ]
