"""What an actor still owes its peers for the input it took last, kept across its restarts.

A :class:`~engine.runtime.channels.LosslessChannel` delivers an item again to the restarted
consumer when the previous run died holding it. If that run had already stepped its pure core
with the item (the core belongs to the session and keeps that step) and sent part of the result,
stepping again would process the item twice and sending everything again would duplicate
records. The outbox lets the actor step each item once and make each send once: it remembers
the last item and the sends not made yet, and lives on the actor object, which the supervisor
restarts without rebuilding.

Items are told apart by identity: every producer builds a new message object per send, so the
same object again can only be a redelivery.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable


class Outbox:
    """The sends owed for one taken item; made in order, each exactly once."""

    def __init__(self) -> None:
        self._item: object = None
        self._owed: deque[Callable[[], None]] = deque()

    def holds(self, item: object) -> bool:
        """Whether ``item`` (the very object) was already stepped: only its sends are left."""
        return item is not None and item is self._item

    def load(self, item: object, sends: Iterable[Callable[[], None]]) -> None:
        """Remember ``item`` as stepped and the sends its result needs."""
        self._item = item
        self._owed = deque(sends)

    def flush(self) -> None:
        """Make the owed sends in order. A send that raises stays owed, with those after it,
        for the next run to make."""
        while self._owed:
            self._owed[0]()
            self._owed.popleft()
