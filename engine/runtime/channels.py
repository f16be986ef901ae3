"""Mailboxes between actors, one delivery policy each.

Channels are made by whoever builds the supervision tree (the session), never by the actors that
use them. A restarted actor therefore re-attaches to the very same object, and its peers never
see a channel close or break because one side was restarted. Closing is explicit and final (an
input that has ended); restarts never close anything.

All three are single-threaded Trio objects: a device thread hands items over with
``TrioToken.run_sync_soon``, so no locks are needed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import trio
from trio.lowlevel import ParkingLot, cancel_shielded_checkpoint, checkpoint_if_cancelled

from engine.errors import ChannelOverflowError
from engine.runtime.incarnation import Incarnation, current_incarnation

T = TypeVar("T")

#: Deliveries that may crash a consumer before the item is skipped as poison.
POISON_CRASHES = 2


class _BoundedQueue(Generic[T]):
    """The named FIFO of fixed capacity that both bounded channels are built on."""

    def __init__(self, name: str, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"channel {name!r}: capacity must be at least 1, got {capacity}")
        self._name = name
        self._capacity = capacity
        self._items: deque[T] = deque()
        self._not_empty = ParkingLot()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r}, {len(self._items)}/{self._capacity})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def qsize(self) -> int:
        """Items waiting to be received."""
        return len(self._items)


@dataclass(frozen=True)
class PoisonedInput(Generic[T]):
    """An item skipped because it crashed the consumer of ``channel`` ``crashes`` times."""

    channel: str
    item: T
    crashes: int


@dataclass(eq=False)
class _InFlight(Generic[T]):
    """An item handed to an iterating consumer and not yet acknowledged."""

    item: T
    owner: object
    incarnation: Incarnation | None
    crashes: int = 0


class LosslessChannel(_BoundedQueue[T]):
    """Bounded FIFO that loses nothing.

    Policy: ``await send()`` waits while the channel is full (back-pressure); ``send_nowait()``
    raises :class:`ChannelOverflowError` instead, for edges where a full channel means the
    consumer fell behind, which is a fault. ``receive()`` acknowledges an item at once.

    ``async for item in channel`` acknowledges an item only when the loop asks for the next one.
    If the consumer dies holding an item and a new loop starts (the restarted actor), the item is
    delivered again first. An item whose delivery crashed its consumer :data:`POISON_CRASHES`
    times is skipped, counted in ``poisoned_total``, passed to ``on_poison`` and reported to the
    supervisor as a "poisoned" event: one bad input must not burn the restart budget. One loop
    consumes a channel at a time (it is a mailbox).
    """

    def __init__(
        self,
        name: str,
        capacity: int,
        *,
        on_poison: Callable[[PoisonedInput[T]], None] | None = None,
    ) -> None:
        super().__init__(name, capacity)
        self._on_poison = on_poison
        self._not_full = ParkingLot()
        self._high_water = 0
        self._in_flight: _InFlight[T] | None = None
        self._poisoned_total = 0
        self._closed = False

    @property
    def high_water(self) -> int:
        """The largest ``qsize`` seen so far: how close this edge came to its limit."""
        return self._high_water

    @property
    def poisoned_total(self) -> int:
        return self._poisoned_total

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, item: T) -> None:
        """Append ``item``, waiting while the channel is full."""
        await checkpoint_if_cancelled()
        while True:
            if self._closed:
                raise trio.ClosedResourceError(f"channel {self._name!r} is closed")
            if len(self._items) < self._capacity:
                break
            await self._not_full.park()
        self._push(item)
        await cancel_shielded_checkpoint()

    def send_nowait(self, item: T) -> None:
        """Append ``item`` or raise :class:`ChannelOverflowError` if the channel is full."""
        if self._closed:
            raise trio.ClosedResourceError(f"channel {self._name!r} is closed")
        if len(self._items) >= self._capacity:
            raise ChannelOverflowError(
                f"channel {self._name!r} overflowed: {self._capacity} items are waiting and its "
                "consumer has fallen behind",
                hint="the stage reading this channel is too slow for the incoming rate; "
                "lower the rate or report this as a bug",
            )
        self._push(item)

    def close(self) -> None:
        """Mark the end of the input: consumers drain what is left, then their loops end."""
        self._closed = True
        self._not_empty.unpark_all()
        self._not_full.unpark_all()

    async def receive(self) -> T:
        """The next item, acknowledged at once; raises ``trio.EndOfChannel`` once closed and
        drained."""
        return await self._next(owner=None)

    def receive_nowait(self) -> T:
        """The next item without waiting, acknowledged at once; ``trio.WouldBlock`` when empty,
        ``trio.EndOfChannel`` once closed and drained."""
        return self._take(owner=None)

    def __aiter__(self) -> _Consumer[T]:
        return _Consumer(self)

    def _push(self, item: T) -> None:
        self._items.append(item)
        self._high_water = max(self._high_water, len(self._items))
        self._not_empty.unpark()

    def _acknowledge(self, owner: object) -> None:
        if self._in_flight is not None and self._in_flight.owner is owner:
            self._in_flight = None

    def _take_abandoned(self, owner: object | None) -> _InFlight[T] | None:
        """Resolve an item a previous consumer took and never acknowledged.

        Returns it for redelivery, or None when there is none or it was skipped as poison. An
        abandonment counts as a crash when the run that held the item crashed, or when no
        supervisor can say (a consumer outside any supervised child).
        """
        held = self._in_flight
        if held is None or held.owner is owner:
            return None
        self._in_flight = None
        if held.incarnation is None or held.incarnation.crashed:
            held.crashes += 1
        if held.crashes >= POISON_CRASHES:
            self._skip_poison(held)
            return None
        return held

    def _skip_poison(self, held: _InFlight[T]) -> None:
        self._poisoned_total += 1
        poisoned = PoisonedInput(self._name, held.item, held.crashes)
        incarnation = current_incarnation() or held.incarnation
        if incarnation is not None:
            shown = repr(held.item)
            if len(shown) > 120:
                shown = shown[:117] + "..."
            incarnation.report_poison(
                f"channel {self._name!r} skipped an input that crashed its consumer "
                f"{held.crashes} times: {shown}"
            )
        if self._on_poison is not None:
            self._on_poison(poisoned)

    async def _next(self, owner: object | None) -> T:
        await checkpoint_if_cancelled()
        while True:
            try:
                item = self._take(owner)
            except trio.WouldBlock:
                await self._not_empty.park()
            else:
                break
        await cancel_shielded_checkpoint()
        return item

    def _take(self, owner: object | None) -> T:
        """The next item (an abandoned one first); ``owner`` holds it until acknowledged."""
        incarnation = current_incarnation()
        again = self._take_abandoned(owner)
        if again is not None:
            if owner is not None:
                again.owner = owner
                again.incarnation = incarnation
                self._in_flight = again
            return again.item
        if not self._items:
            raise trio.EndOfChannel if self._closed else trio.WouldBlock
        item = self._items.popleft()
        self._not_full.unpark()
        if owner is not None:
            self._in_flight = _InFlight(item, owner, incarnation)
        return item


class _Consumer(Generic[T]):
    """One ``async for`` loop over a :class:`LosslessChannel`; see its acknowledgement rule."""

    def __init__(self, channel: LosslessChannel[T]) -> None:
        self._channel = channel

    def __aiter__(self) -> _Consumer[T]:
        return self

    async def __anext__(self) -> T:
        self._channel._acknowledge(self)
        try:
            return await self._channel._next(owner=self)
        except trio.EndOfChannel:
            raise StopAsyncIteration from None


class LatestValue(Generic[T]):
    """Holds only the newest value; for views where a stale value is worthless.

    Policy: ``publish()`` never blocks and overwrites; readers see the newest value and its
    version (1 for the first value, then +1 per publish). Values overwritten before anyone
    read them are counted in ``overwritten_unseen``.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._current: tuple[int, T] | None = None
        self._seen_version = 0
        self._overwritten_unseen = 0
        self._changed = ParkingLot()

    def __repr__(self) -> str:
        return f"LatestValue({self._name!r}, version={self.version})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int:
        """How many values have been published (0: none yet)."""
        return 0 if self._current is None else self._current[0]

    @property
    def overwritten_unseen(self) -> int:
        return self._overwritten_unseen

    def publish(self, value: T) -> None:
        """Replace the value; never blocks, never fails."""
        version = self.version
        if version > self._seen_version:
            self._overwritten_unseen += 1
        self._current = (version + 1, value)
        self._changed.unpark_all()

    def get(self) -> T | None:
        """The newest value, or None before the first publish."""
        if self._current is None:
            return None
        self._seen_version = self._current[0]
        return self._current[1]

    async def wait_newer(self, seen_version: int) -> tuple[int, T]:
        """Wait until a version newer than ``seen_version`` exists; return it with its value."""
        await checkpoint_if_cancelled()
        while self._current is None or self._current[0] <= seen_version:
            await self._changed.park()
        version, value = self._current
        self._seen_version = version
        await cancel_shielded_checkpoint()
        return version, value


class DropOldestRing(_BoundedQueue[T]):
    """Fixed-size ring between a device callback and the actor that reads it.

    Policy: ``put_nowait()`` never blocks, so a device loop is never stalled; when the ring is
    full it drops the oldest item and counts it. The reader calls ``take_dropped()`` to turn the
    losses since its last call into a gap record.
    """

    def __init__(self, name: str, capacity: int) -> None:
        super().__init__(name, capacity)
        self._dropped = 0
        self._dropped_total = 0

    @property
    def dropped_total(self) -> int:
        """Items dropped since the ring was made."""
        return self._dropped_total

    def put_nowait(self, item: T) -> None:
        """Append ``item``, dropping the oldest one if the ring is full."""
        if len(self._items) >= self._capacity:
            self._items.popleft()
            self._dropped += 1
            self._dropped_total += 1
        self._items.append(item)
        self._not_empty.unpark()

    def take_dropped(self) -> int:
        """Items dropped since the previous call (resets the count)."""
        dropped, self._dropped = self._dropped, 0
        return dropped

    def receive_nowait(self) -> T:
        """The oldest item, or ``trio.WouldBlock`` if the ring is empty."""
        if not self._items:
            raise trio.WouldBlock
        return self._items.popleft()

    async def receive(self) -> T:
        """The oldest item, waiting for one if the ring is empty."""
        await checkpoint_if_cancelled()
        while not self._items:
            await self._not_empty.park()
        item = self._items.popleft()
        await cancel_shielded_checkpoint()
        return item
