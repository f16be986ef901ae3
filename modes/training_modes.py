"""The training modes a player can choose, by name: the one list the command line, the start
menu and the renderer read.

Each name is drawn by the scene :data:`modes.registry.MODES` holds under it; a new mode is added
here and there. This module imports no pygame, so the command line can offer the choices
without loading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import ConfigError

if TYPE_CHECKING:
    from engine.protocol import Protocol

#: The modes a player can train with, in the order the start menu offers them.
TRAINING_MODES: tuple[str, ...] = ("hold", "symmetry", "runner", "clinician")


def check_training_mode(name: str) -> str:
    """Return ``name`` if a player can train with it, else raise :class:`ConfigError`."""
    if name not in TRAINING_MODES:
        raise ConfigError(
            f"{name!r} is not a training mode", hint=f"choose one of: {', '.join(TRAINING_MODES)}"
        )
    return name


def default_training_mode(protocol: Protocol) -> str:
    """The seesaw for a protocol that scores both sides' symmetry, the balloon otherwise."""
    if protocol.symmetry is not None and protocol.target.side == "both":
        return "symmetry"
    return "hold"
