"""``myoplay replay --lsl``: a recording judged again by a fresh engine and published over LSL.

The same streams as a live session (:mod:`actors.lsl_streams`), so a LabRecorder setup made
for live sessions records replays too: the recorded raw samples, the envelopes and %MVC the
fresh engine computes, and as events the recorded inputs and the engine's judgements. Paced at
the recorded sample times (``realtime``), as a device would send them, or as fast as possible.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import trio

from actors.lsl_outlet_actor import LslPublisher
from actors.lsl_streams import LslFeed
from engine.clock import NS_PER_S
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import MyoplayError
from engine.messages import (
    ConfigChange,
    Gap,
    ProcessedBlock,
    Record,
    SampleFrame,
    SourceInfo,
    UserInput,
)
from engine.offline import OfflineEngine
from engine.training import TrainingConfig, TrainingSession
from replays.reader import ReplayReader
from replays.record_errors import named


class _TappedPipeline(Pipeline):
    """The pipeline, handing each block it makes to ``tap`` as well."""

    def __init__(self, config: PipelineConfig, tap: Callable[[ProcessedBlock], None]) -> None:
        super().__init__(config)
        self._tap = tap

    def feed(self, item: SampleFrame | Gap) -> ProcessedBlock:
        block = super().feed(item)
        self._tap(block)
        return block


async def publish_replay(path: Path, source: SourceInfo, training: TrainingConfig,
                         mains_hz: float | None, inputs: list[UserInput | ConfigChange],
                         publisher: LslPublisher, realtime: bool) -> list[Record]:
    """Replay ``path`` (one source, ``inputs`` at their stamps) and publish it; returns the
    engine's outputs."""
    blocks: list[ProcessedBlock] = []
    pipeline = _TappedPipeline(PipelineConfig.for_source(source, mains_hz=mains_hz),
                               blocks.append)
    engine = OfflineEngine(pipeline,
                           TrainingSession(source, pipeline.config.signature(), training))
    engine.expect(inputs)
    due_inputs = sorted(inputs, key=lambda i: i.t_ns)
    feed = LslFeed(source, training.calibration)
    await publisher.start(source)
    outputs: list[Record] = []
    start = trio.current_time()
    with ReplayReader(path, allow_truncated=True) as reader:
        for record in reader:
            if not isinstance(record, SampleFrame | Gap):
                continue
            if realtime:
                await trio.sleep_until(start + record.t_ns / NS_PER_S)
            else:
                await trio.lowlevel.checkpoint()
            try:
                stepped = engine.step(record)
            except MyoplayError as error:
                raise named(error, str(path), f"record {reader.record_index}") from None
            outputs += stepped
            published: list[Record | ProcessedBlock] = [record, *blocks]
            while due_inputs and due_inputs[0].t_ns < engine.judged_until_ns:
                published.append(due_inputs.pop(0))
            for item in [*published, *stepped]:
                for chunk in feed.take(item):
                    publisher.push(chunk)
            blocks.clear()
    return outputs
