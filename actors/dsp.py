"""The DSP actor: raw frames in, envelopes out, through the source's streaming pipeline.

The :class:`~engine.dsp.Pipeline` belongs to the session, not to this shell, so a restarted
actor continues with the same filter state and sample index. Normalisation to %MVC happens in
the rules actor, where calibrations are made and applied at exact sample times.
"""

from __future__ import annotations

from dataclasses import dataclass

from actors.sensor import Arrival
from engine.dsp import Pipeline
from engine.messages import Gap, ProcessedBlock
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel


@dataclass(frozen=True, slots=True)
class Processed:
    """A processed block and the arrival time (Trio clock, s) of its newest sample."""

    block: ProcessedBlock
    arrival_s: float


class DspActor(Actor):
    """Runs each incoming frame or gap through ``pipeline`` and passes the block on."""

    def __init__(
        self,
        pipeline: Pipeline,
        frames: LosslessChannel[Arrival],
        to_rules: LosslessChannel[Processed],
    ) -> None:
        super().__init__("dsp")
        self.pipeline = pipeline
        self.frames = frames
        self.to_rules = to_rules

    async def loop(self) -> None:
        async for arrival in self.frames:
            item = arrival.item
            block = (
                self.pipeline.gap(item) if isinstance(item, Gap) else self.pipeline.process(item)
            )
            if block.n_samples:
                self.to_rules.send_nowait(Processed(block, arrival.arrival_s))
        self.to_rules.close()
