"""Keyboard and mouse as muscles for the simulated sensor: which sides contract, how hard.

Pure (no pygame, no clock): :mod:`actors.player_controls` turns keys into calls here, and the
render actor sends the resulting activation as an ordinary input, so it is stamped and recorded
like any key press.
"""

from __future__ import annotations

from engine.messages import Side

#: Held controls: every muscle, or the muscles of one side.
BOTH, LEFT, RIGHT = "both", "left", "right"


class VirtualMuscles:
    """Held controls say which sides contract (of the muscles asked for); the level (0–1 of
    MVC) says how hard.

    The level is set with the number keys (1 = 10 % … 9 = 90 %, 0 = 100 %) or nudged with
    up/down (10 % steps) and the mouse wheel (5 % steps).
    """

    def __init__(self, level: float = 0.5) -> None:
        self.level = level
        self.held: set[str] = set()
        """Held controls among :data:`BOTH`, :data:`LEFT`, :data:`RIGHT`."""

    def set_level(self, level: float) -> None:
        """Set the commanded level, clamped to 0–1 (rounded so repeated nudges stay exact)."""
        self.level = min(1.0, max(0.0, round(level, 3)))

    def activation(
        self, channels: tuple[tuple[str, Side], ...], focus: tuple[int, ...] | None = None
    ) -> dict[str, float]:
        """Each channel's commanded activation (0–1), keyed by channel label.

        ``focus`` (indices into ``channels``) are the muscles the screen asks for: a held side
        contracts only those of its side, as a patient told "tighten the left thigh" does;
        :data:`BOTH` always contracts every muscle (to provoke co-contraction on purpose)."""
        out: dict[str, float] = {}
        for i, (label, side) in enumerate(channels):
            sided = (side is Side.LEFT and LEFT in self.held) or (
                side is Side.RIGHT and RIGHT in self.held)
            on = BOTH in self.held or (sided and (focus is None or i in focus))
            out[label] = self.level if on else 0.0
        return out

