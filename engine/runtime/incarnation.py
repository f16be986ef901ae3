"""One run of a supervised child, visible to the channels it consumes.

Erlang calls each restart of a process a new incarnation. The supervisor sets the current
incarnation in a context variable before it starts a child; Trio copies context variables into
the tasks a child spawns, so a channel consumed anywhere inside the child learns which run took an
item and, after that run ended, whether it crashed. That is how the poison-input rule tells an
item that crashed its consumer from one that was merely interrupted by a shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(eq=False)
class Incarnation:
    """A single start of child ``child_id`` under supervisor ``supervisor_id``.

    ``crashed`` and ``finished`` are set by the supervisor when the run ends. ``report_poison``
    turns a message about this child into a supervision event ("poisoned").
    """

    supervisor_id: str
    child_id: str
    number: int
    report_poison: Callable[[str], None] = field(repr=False)
    crashed: bool = False
    finished: bool = False


_current: ContextVar[Incarnation | None] = ContextVar("myoplay_incarnation", default=None)


def current_incarnation() -> Incarnation | None:
    """The supervised run the calling task belongs to, or None outside any supervisor."""
    return _current.get()


def enter_incarnation(incarnation: Incarnation) -> None:
    """Make ``incarnation`` current for the calling task and every task it spawns from now on."""
    _current.set(incarnation)
