"""The interface every input implements: simulated patient, BLE devices, files, LSL.

A source describes itself (:class:`~engine.messages.SourceInfo`) and yields sample frames and
gap records in order. Sources own their I/O and pacing; the engine never waits on them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, TypeVar, runtime_checkable

from engine.messages import Gap, SampleFrame, SourceInfo

SourceItem = SampleFrame | Gap


@runtime_checkable
class Source(Protocol):
    """An async stream of sample frames (and gaps) plus a description of them.

    ``stream()`` may be called again after it ended or failed (a reconnect): a source keeps its
    sample index and frame sequence running across calls, so a restarted sensor actor continues
    the same timeline and records the outage as a :class:`~engine.messages.Gap`.
    """

    @property
    def info(self) -> SourceInfo:
        """Channels, rate, raw sample type and scale of what :meth:`stream` yields."""
        ...

    def stream(self) -> AsyncIterator[SourceItem]:
        """Yield frames and gaps in sample order until the source ends or fails."""
        ...

    async def aclose(self) -> None:
        """Release the device or file; safe to call twice."""
        ...


class Opening(Protocol):
    """A source that connects in a separate step before it streams (a device, a network
    stream)."""

    async def open(self) -> None: ...

    async def aclose(self) -> None: ...


OpeningT = TypeVar("OpeningT", bound=Opening)


async def opened(source: OpeningT) -> OpeningT:
    """``source``, opened; closed again when opening fails or is cancelled, so a half-open
    device or stream is never left behind."""
    try:
        await source.open()
    except BaseException:
        await source.aclose()
        raise
    return source
