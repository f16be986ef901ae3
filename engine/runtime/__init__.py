"""The actor runtime: the only part of :mod:`engine` that imports Trio.

- :mod:`engine.runtime.trio_session_clock`: session time on Trio's (mockable) clock;
- :mod:`engine.runtime.channels`: mailboxes with explicit delivery policies;
- :mod:`engine.runtime.supervisor`: Erlang/OTP-style supervision trees, with their restart
  policy (back-off, restart intensity) in :mod:`engine.runtime.restart_policy`;
- :mod:`engine.runtime.actor`: the base class of the thin actor shells in :mod:`actors`.
"""

from engine.runtime.actor import Actor
from engine.runtime.channels import (
    DropOldestRing,
    LatestValue,
    LosslessChannel,
    PoisonedInput,
)
from engine.runtime.events import EventKind, SupervisionEvent, SupervisionLog
from engine.runtime.incarnation import Incarnation, current_incarnation
from engine.runtime.restart_policy import Backoff
from engine.runtime.supervisor import ChildSpec, Restart, StartFn, Strategy, Supervisor
from engine.runtime.trio_session_clock import TrioSessionClock

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
