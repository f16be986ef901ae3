"""The start screen's choice of protocol and mode, driven by the keyboard alone.

A small immutable state machine: each key gives a new :class:`StartMenu`; the render actor holds
the current one and the start screen draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from engine.errors import ConfigError
from engine.protocol import builtin_protocol_names
from modes.training_modes import TRAINING_MODES

#: The menu's rows, top to bottom.
ROWS = ("protocol", "mode", "start")


@dataclass(frozen=True)
class StartMenu:
    """Which protocol and mode are highlighted, which row has the focus, and whether confirmed.

    It offers the built-in protocols and every training mode unless told otherwise.
    """

    protocols: tuple[str, ...] = field(default_factory=builtin_protocol_names)
    modes: tuple[str, ...] = TRAINING_MODES
    protocol_index: int = 0
    mode_index: int = 0
    row: int = 0
    confirmed: bool = False

    def __post_init__(self) -> None:
        if not self.protocols or not self.modes:
            raise ConfigError("the start menu needs at least one protocol and one mode")

    @property
    def protocol(self) -> str:
        return self.protocols[self.protocol_index]

    @property
    def mode(self) -> str:
        return self.modes[self.mode_index]

    def press(self, key: str) -> StartMenu:
        """The menu after ``key`` ("up", "down", "left", "right", "return"); others change nothing.

        Up/down move between rows, left/right change the choice on the focused row, and return
        moves on to the next row, confirming on the last one.
        """
        if self.confirmed:
            return self
        if key == "up":
            return replace(self, row=max(0, self.row - 1))
        if key == "down":
            return replace(self, row=min(len(ROWS) - 1, self.row + 1))
        if key in ("left", "right"):
            step = -1 if key == "left" else 1
            if ROWS[self.row] == "protocol":
                index = (self.protocol_index + step) % len(self.protocols)
                return replace(self, protocol_index=index)
            if ROWS[self.row] == "mode":
                return replace(self, mode_index=(self.mode_index + step) % len(self.modes))
            return self
        if key == "return":
            if ROWS[self.row] == "start":
                return replace(self, confirmed=True)
            return replace(self, row=self.row + 1)
        return self
