"""The DSP actor: raw frames in, envelopes out, through the source's streaming pipeline.

The :class:`~engine.dsp.Pipeline` belongs to the session, not to this shell, so a restarted
actor continues with the same filter state and sample index. Normalisation to %MVC happens in
the rules actor, where calibrations are made and applied at exact sample times.
"""

from __future__ import annotations

from actors.actor_messages import Arrival, Processed
from engine.dsp import Pipeline
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel


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
            block = self.pipeline.feed(arrival.item)
            if block.n_samples:  # an empty frame or gap leaves nothing to judge
                self.to_rules.send_nowait(Processed(block, arrival.arrival_s))
        self.to_rules.close()
