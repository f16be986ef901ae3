"""The DSP actor: raw frames in, envelopes out, through the source's streaming pipeline.

The :class:`~engine.dsp.Pipeline` belongs to the session, not to this shell, so a restarted
actor continues with the same filter state and sample index. Normalisation to %MVC happens in
the rules actor, where calibrations are made and applied at exact sample times.
"""

from __future__ import annotations

from functools import partial

from actors.actor_messages import Arrival, Processed
from actors.outbox import Outbox
from engine.dsp import Pipeline
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel


class DspActor(Actor):
    """Runs each incoming frame or gap through ``pipeline`` and passes the block on.

    A frame delivered again after a crash is fed to the pipeline only if the crashed run had
    not fed it yet (the :class:`~actors.outbox.Outbox`), so a restart never feeds a frame twice
    nor loses its block.
    """

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
        self.outbox = Outbox()

    async def loop(self) -> None:
        async for arrival in self.frames:
            if not self.outbox.holds(arrival):
                block = self.pipeline.feed(arrival.item)
                # An empty frame or gap leaves nothing to judge.
                sends = [partial(self.to_rules.send_nowait, Processed(block, arrival.arrival_s))]
                self.outbox.load(arrival, sends if block.n_samples else [])
            self.outbox.flush()
        self.to_rules.close()
