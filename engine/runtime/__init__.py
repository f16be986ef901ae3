"""The actor runtime: the only part of :mod:`engine` that imports Trio.

- :mod:`engine.runtime.clock`: session time on Trio's (mockable) clock;
- :mod:`engine.runtime.channels`: mailboxes with explicit delivery policies;
- :mod:`engine.runtime.supervisor`: Erlang/OTP-style supervision trees;
- :mod:`engine.runtime.actor`: the base class of the thin actor shells in :mod:`actors`.
"""

from engine.runtime.actor import Actor
from engine.runtime.channels import (
    DropOldestRing,
    LatestValue,
    LosslessChannel,
    PoisonedInput,
)
from engine.runtime.clock import TrioSessionClock
from engine.runtime.events import EventKind, SupervisionEvent, SupervisionLog
from engine.runtime.incarnation import Incarnation, current_incarnation
from engine.runtime.supervisor import Backoff, ChildSpec, Restart, StartFn, Strategy, Supervisor

__all__ = [
    "Actor",
    "Backoff",
    "ChildSpec",
    "DropOldestRing",
    "EventKind",
    "Incarnation",
    "LatestValue",
    "LosslessChannel",
    "PoisonedInput",
    "Restart",
    "StartFn",
    "Strategy",
    "SupervisionEvent",
    "SupervisionLog",
    "Supervisor",
    "TrioSessionClock",
    "current_incarnation",
]
