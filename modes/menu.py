"""The start screen's choice of protocol and mode, driven by the keyboard alone.

A small immutable state machine: each key gives a new :class:`StartMenu`; the render actor holds
the current one and the start screen draws it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from engine.errors import ConfigError
from engine.protocol import builtin_protocol, builtin_protocol_names
from modes.training_modes import TRAINING_MODES

#: The menu's rows, top to bottom.
ROWS = ("protocol", "mode", "start")


@functools.cache
def builtin_protocol_modes() -> Mapping[str, tuple[str, ...]]:
    """Each built-in protocol's suitable training modes (its file's ``modes``), by id."""
    return MappingProxyType({name: builtin_protocol(name).modes
                             for name in builtin_protocol_names()})


@dataclass(frozen=True)
class StartMenu:
    """Which protocol and mode are highlighted, which row has the focus, and whether confirmed.

    It offers the built-in protocols and, for each, only the training modes its file says suit
    it (``suits``; a protocol missing there is offered every mode). ``mode_index`` indexes
    ``modes``; when the protocol changes to one that the highlighted mode does not suit, the
    protocol's first suitable mode is the choice.
    """

    protocols: tuple[str, ...] = field(default_factory=builtin_protocol_names)
    modes: tuple[str, ...] = TRAINING_MODES
    protocol_index: int = 0
    mode_index: int = 0
    row: int = 0
    confirmed: bool = False
    suits: Mapping[str, tuple[str, ...]] = field(default_factory=builtin_protocol_modes,
                                                 hash=False)

    def __post_init__(self) -> None:
        if not self.protocols or not self.modes:
            raise ConfigError("the start menu needs at least one protocol and one mode")
        for name in self.protocols:
            if not self._offered_for(name):
                raise ConfigError(f"the start menu offers no mode that suits protocol {name!r}")

    def _offered_for(self, protocol: str) -> tuple[str, ...]:
        suits = self.suits.get(protocol, self.modes)
        return tuple(m for m in suits if m in self.modes)

    @property
    def protocol(self) -> str:
        return self.protocols[self.protocol_index]

    @property
    def offered_modes(self) -> tuple[str, ...]:
        """The modes that suit the highlighted protocol, its preferred one first."""
        return self._offered_for(self.protocol)

    @property
    def mode(self) -> str:
        offered = self.offered_modes
        highlighted = self.modes[self.mode_index]
        return highlighted if highlighted in offered else offered[0]

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
                offered = self.offered_modes
                chosen = offered[(offered.index(self.mode) + step) % len(offered)]
                return replace(self, mode_index=self.modes.index(chosen))
            return self
        if key == "return":
            if ROWS[self.row] == "start":
                return replace(self, confirmed=True)
            return replace(self, row=self.row + 1)
        return self
