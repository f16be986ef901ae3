"""The actor runtime: the only part of :mod:`engine` that imports Trio.

- :mod:`engine.runtime.clock`: session time on Trio's (mockable) clock;
- :mod:`engine.runtime.channels`: mailboxes with explicit delivery policies;
- :mod:`engine.runtime.supervisor`: Erlang/OTP-style supervision trees;
- :mod:`engine.runtime.actor`: the base class of the thin actor shells in :mod:`actors`.
"""

from engine.runtime.channels import (
    DropOldestRing,
    LatestValue,
    LosslessChannel,
    PoisonedInput,
)
from engine.runtime.clock import TrioSessionClock

__all__ = [
    "DropOldestRing",
    "LatestValue",
    "LosslessChannel",
    "PoisonedInput",
    "TrioSessionClock",
]
