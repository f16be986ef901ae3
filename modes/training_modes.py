"""The training modes a player can choose, by name: the one list the command line, the start
menu and the renderer read.

Each name is drawn by the scene :data:`modes.registry.MODES` holds under it; a new mode is added
to :data:`engine.protocol.TRAINING_MODE_NAMES` and there. This module imports no pygame, so the
command line can offer the choices without loading it.
"""

from __future__ import annotations

from engine.errors import ConfigError
from engine.protocol import TRAINING_MODE_NAMES, Protocol

#: The modes a player can train with, in the order the start menu offers them (the names are
#: the engine's, because a protocol file says which of them suit it).
TRAINING_MODES: tuple[str, ...] = TRAINING_MODE_NAMES


def check_training_mode(name: str) -> str:
    """Return ``name`` if a player can train with it, else raise :class:`ConfigError`."""
    if name not in TRAINING_MODES:
        raise ConfigError(
            f"{name!r} is not a training mode", hint=f"choose one of: {', '.join(TRAINING_MODES)}"
        )
    return name


def default_training_mode(protocol: Protocol) -> str:
    """The MVC test's own screen for a maximal test, the exercise lab for a comparison, the
    seesaw for a protocol that scores both sides' symmetry, the balloon otherwise; the
    protocol's first mode when that one does not suit it (``Protocol.modes``)."""
    if protocol.kind == "mvc":
        preferred = "mvc_test"
    elif protocol.kind == "compare":
        preferred = "exercise_lab"
    elif protocol.symmetry is not None and protocol.target.side == "both":
        preferred = "symmetry"
    else:
        preferred = "hold"
    return preferred if preferred in protocol.modes else protocol.modes[0]
