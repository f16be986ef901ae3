"""The sensor actor: pulls frames from a source and hands them on without ever waiting.

Sensing never waits on processing, rendering or disk: both outgoing edges are lossless bounded
channels written with ``send_nowait``, so a stage that falls behind by more than the channel's
capacity (1–2 s of samples) is a fault that the supervisor sees, never a silent stall of the
device. Each item carries the Trio time at which it arrived, for the latency readout.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from engine.messages import Record
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel
from sensors.source import Source, SourceItem


@dataclass(frozen=True, slots=True)
class Arrival:
    """A frame or gap with the Trio clock time (s) at which the sensor actor received it."""

    item: SourceItem
    arrival_s: float


class SensorActor(Actor):
    """Streams one :class:`~sensors.source.Source` into the DSP and the recorder.

    Restarting it calls ``source.stream()`` again; sources keep their sample index running, so
    an outage shows up as a :class:`~engine.messages.Gap`, never as a reset timeline. The
    session, not this shell, closes the source at the end. When the source ends normally the
    DSP channel is closed, which winds the pipeline down in order.
    """

    def __init__(
        self,
        source: Source,
        to_dsp: LosslessChannel[Arrival],
        to_recorder: LosslessChannel[Record],
    ) -> None:
        super().__init__(f"sensor:{source.info.source_id}")
        self.source = source
        self.to_dsp = to_dsp
        self.to_recorder = to_recorder

    async def loop(self) -> None:
        async for item in self.source.stream():
            self.to_recorder.send_nowait(item)
            self.to_dsp.send_nowait(Arrival(item, trio.current_time()))
        self.to_dsp.close()
