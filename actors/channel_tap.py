"""A lossless channel that also offers each item it accepts to an observer that never blocks.

Used to feed side outputs (the LSL outlet) from the session's edges without touching the
actors on them: the item goes to the channel's consumer exactly as before, and only once the
channel has accepted it is ``tap`` called, which must return at once (a drop-oldest ring's
``put_nowait``), so a slow observer can never hold up sensing or judging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from engine.runtime.channels import LosslessChannel

T = TypeVar("T")


class TappedChannel(LosslessChannel[T]):
    """A :class:`LosslessChannel` whose accepted items are also handed to ``tap``."""

    def __init__(self, name: str, capacity: int, tap: Callable[[T], None]) -> None:
        super().__init__(name, capacity)
        self._tap = tap

    async def send(self, item: T) -> None:
        await super().send(item)
        self._tap(item)

    def send_nowait(self, item: T) -> None:
        super().send_nowait(item)
        self._tap(item)
