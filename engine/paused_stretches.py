"""Stretches of a session the player paused, and the rule for reps cut across them.

While the player has paused (``user_paused`` … ``user_resumed``), what the client does is not
part of the comparison: they may be adjusting an electrode, talking, walking to a station. A
rep counts for nothing when any part of it, from its onset to the moment it was known complete
(:attr:`~engine.rep_cutting.Rep.detected_index`), falls in a paused stretch: the exercise lab
live and ``myoplay compare`` offline both apply :func:`overlaps_pause`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PausedStretch:
    """Samples ``start_index`` to ``end_index`` (exclusive; None: not resumed yet) were paused."""

    start_index: int
    end_index: int | None


def overlaps_pause(first_index: int, last_index: int,
                   stretches: Sequence[PausedStretch]) -> bool:
    """Whether samples ``first_index`` … ``last_index`` (inclusive) meet a paused stretch."""
    return any(s.start_index <= last_index and (s.end_index is None or first_index < s.end_index)
               for s in stretches)
