"""The sensor actor: pulls frames from a source and hands them on without ever waiting.

Sensing never waits on processing, rendering or disk: both outgoing edges are lossless bounded
channels written with ``send_nowait``, so a stage that falls behind by more than the channel's
capacity (2–4 s of samples) is a fault that the supervisor sees, never a silent stall of the
device. Each item carries the Trio time at which it arrived, for the latency readout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import trio

from actors.actor_messages import Arrival
from actors.outbox import Outbox
from engine.errors import LinkLostError
from engine.messages import Record
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel
from sensors.source import Source

log = logging.getLogger(__name__)


class SensorActor(Actor):
    """Streams one :class:`~sensors.source.Source` into the DSP and the recorder.

    A lost wireless link (:class:`~engine.errors.LinkLostError`) is not a crash: the screen is
    told at once (the game pauses with the message) and the source's stream is resumed, which
    rescans and reconnects with back-off and reports the outage as a
    :class:`~engine.messages.Gap`. Anything else that goes wrong restarts this actor under its
    supervisor; sources keep their sample index running across restarts, so the timeline never
    resets. An item taken from the source is handed on in full even across a crash: what the
    crashed run had not sent yet waits in an :class:`~actors.outbox.Outbox` that the next run
    sends first, so a restart loses only what the device produced while nobody read it, which the
    source reports as an exact gap. The session, not this shell, closes the source at the end.
    When the source ends normally the DSP channel is closed, which winds the pipeline down in
    order.
    """

    def __init__(
        self,
        source: Source,
        to_dsp: LosslessChannel[Arrival],
        to_recorder: LosslessChannel[Record],
        status: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(f"sensor:{source.info.source_id}")
        self.source = source
        self.to_dsp = to_dsp
        self.to_recorder = to_recorder
        self.status = status or (lambda message: None)
        self.links_lost = 0
        self.outbox = Outbox()

    async def loop(self) -> None:
        self.outbox.flush()
        while True:
            try:
                await self._stream()
            except LinkLostError as lost:
                self.links_lost += 1
                log.warning("%s: %s", self.id, lost)
                self.status(f"reconnecting: {lost}")
                continue
            break
        self.to_dsp.close()

    async def _stream(self) -> None:
        async for item in self.source.stream():
            # DSP first: if it has fallen behind (a fault) the frame waits, for the next run,
            # to reach both sides, so the recording and the live judgements keep seeing the
            # same samples.
            self.outbox.load(item, [
                partial(self.to_dsp.send_nowait, Arrival(item, trio.current_time())),
                partial(self.to_recorder.send_nowait, item),
            ])
            self.outbox.flush()
