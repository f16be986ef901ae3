"""Where the arcade runner's gates are, in sample time, and what shape each group has.

A course is drawn once from a seeded :class:`numpy.random.Generator` (or given by a protocol): a
sequence of gate groups whose start times vary around ``spacing_s`` so the rhythm is not
monotonous, each group one of the :class:`GatePattern` shapes (a single gate, a quick pair or
triple, a tunnel to hold through), and each may be shifted ``offset_pct`` %MVC from the target
band. By default every opening sits exactly on the band, so flying through a gate is exactly what
the rules engine counts as being in the zone: the patterns vary the rhythm, never the target. A
replay meets the same gates, since nothing here depends on when it is drawn.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.clock import s_to_ns
from engine.errors import ConfigError


class GatePattern(enum.Enum):
    """The shape of a group of gates."""

    SINGLE = "single"
    PAIR = "pair"
    """Two gates in quick succession."""
    TRIPLE = "triple"
    """Three gates in quick succession."""
    TUNNEL = "tunnel"
    """One long gate: stay in the band all the way through."""


#: How often a seeded course picks each pattern (singles stay the most common).
_PATTERN_WEIGHTS = {GatePattern.SINGLE: 0.4, GatePattern.PAIR: 0.25, GatePattern.TRIPLE: 0.15,
                    GatePattern.TUNNEL: 0.2}
#: Time between the gates of a pair or a triple, in s.
GROUP_GAP_S = 0.7
#: How long a tunnel lasts, in s.
TUNNEL_S = 1.6


@dataclass(frozen=True, slots=True)
class Gate:
    """Gate number ``index`` (from 1), reached at sample time ``t_ns``, shifted ``offset_pct``;
    a tunnel lasts ``length_ns`` past ``t_ns`` (0 for an ordinary gate)."""

    index: int
    t_ns: int
    offset_pct: float
    pattern: GatePattern = GatePattern.SINGLE
    length_ns: int = 0


def _group(pattern: GatePattern) -> list[tuple[float, float]]:
    """(start in s from the group's start, length in s) of each gate of a ``pattern`` group."""
    if pattern is GatePattern.TUNNEL:
        return [(0.0, TUNNEL_S)]
    count = {GatePattern.SINGLE: 1, GatePattern.PAIR: 2, GatePattern.TRIPLE: 3}[pattern]
    return [(k * GROUP_GAP_S, 0.0) for k in range(count)]


class GateCourse:
    """An endless course: a fixed sequence of gate groups that repeats.

    ``offsets_pct`` gives one group per entry (a protocol's course); without it ``length``
    groups are drawn with offsets within ± ``jitter_pct``. ``patterns`` gives each group's shape;
    without it a seeded course varies them and a given course uses single gates.
    """

    def __init__(
        self,
        seed: int = 0,
        spacing_s: float = 2.5,
        spacing_jitter: float = 0.3,
        jitter_pct: float = 0.0,
        length: int = 64,
        offsets_pct: Sequence[float] | None = None,
        patterns: Sequence[GatePattern] | None = None,
    ) -> None:
        if spacing_s <= 0 or not 0 <= spacing_jitter < 1:
            raise ConfigError(
                f"gate spacing must be positive with a jitter in [0, 1), got {spacing_s} s "
                f"± {spacing_jitter:.0%}"
            )
        rng = np.random.default_rng(seed)
        given = offsets_pct is not None
        if offsets_pct is None:
            offsets_pct = [float(v) for v in rng.uniform(-jitter_pct, jitter_pct, length)]
        if not offsets_pct:
            raise ConfigError("a gate course needs at least one gate")
        gaps_s = spacing_s * rng.uniform(1 - spacing_jitter, 1 + spacing_jitter,
                                         len(offsets_pct))
        if patterns is None:
            kinds = list(_PATTERN_WEIGHTS)
            weights = np.array(list(_PATTERN_WEIGHTS.values()))
            picks = rng.choice(len(kinds), size=len(offsets_pct), p=weights / weights.sum())
            patterns = [GatePattern.SINGLE if given else kinds[int(k)] for k in picks]
        if len(patterns) != len(offsets_pct):
            raise ConfigError(
                f"a gate course needs one pattern per group: {len(patterns)} patterns for "
                f"{len(offsets_pct)} groups"
            )
        starts, lengths, offsets, shapes = [], [], [], []
        group_start_s = 0.0
        span_s = 0.0
        for gap_s, offset, pattern in zip(gaps_s, offsets_pct, patterns, strict=True):
            # A group starts a gap after the previous group ended, so groups never overlap.
            group_start_s += float(gap_s) + span_s
            members = _group(pattern)
            for start_s, length_s in members:
                starts.append(s_to_ns(group_start_s + start_s))
                lengths.append(s_to_ns(length_s))
                offsets.append(float(offset))
                shapes.append(pattern)
            span_s = members[-1][0] + members[-1][1]
        self.offsets_pct = tuple(offsets)
        self.patterns = tuple(shapes)
        self._times_ns = np.array(starts, dtype=np.int64)
        self._lengths_ns = tuple(lengths)
        self._longest_ns = max(lengths)
        self.period_ns = int(self._times_ns[-1] + lengths[-1])
        """Sample time after which the course repeats."""

    def gates_between(self, start_ns: int, end_ns: int) -> list[Gate]:
        """Every gate that is anywhere in ``[start_ns, end_ns]`` (a tunnel by any part), in
        order."""
        n = len(self._times_ns)
        gates: list[Gate] = []
        reach_ns = start_ns - self._longest_ns
        for cycle in range(max(0, reach_ns // self.period_ns - 1), end_ns // self.period_ns + 1):
            base_ns = cycle * self.period_ns
            first = int(np.searchsorted(self._times_ns, reach_ns - base_ns, side="left"))
            last = int(np.searchsorted(self._times_ns, end_ns - base_ns, side="right"))
            gates.extend(
                Gate(cycle * n + k + 1, base_ns + int(self._times_ns[k]), self.offsets_pct[k],
                     self.patterns[k], self._lengths_ns[k])
                for k in range(first, last)
                if base_ns + int(self._times_ns[k]) + self._lengths_ns[k] >= start_ns
            )
        return gates
