"""The send side of the player-inputs channel, as the actors that only write to it see it.

The session's inputs channel carries user inputs and configuration changes (a clinician's new
band or feedback schedule, from the clinician view's keys). Channels are invariant in their item
type, so the actors that only send ask for this send-only view instead: it is contravariant, so
the autopilot, which sends only user inputs, takes the same sink as the render actor.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from engine.messages import ConfigChange, UserInput

ItemT_contra = TypeVar("ItemT_contra", contravariant=True)


class Sink(Protocol[ItemT_contra]):
    """Anything with ``await send(item)`` (a :class:`~engine.runtime.channels.LosslessChannel`)."""

    async def send(self, item: ItemT_contra) -> None:
        """Send ``item``, waiting while the channel is full."""


#: Where player and clinician inputs go: the rules actor's inputs channel.
InputSink = Sink[UserInput | ConfigChange]
