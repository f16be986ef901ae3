"""Watch a recording: a fresh engine steps it at the recorded pace and the renderer shows it.

Two actors under one supervisor: the replay driver (reads the file, steps the offline engine,
publishes each snapshot on a latest-value channel, paced by sample time unless fast) and the
same render actor a live session uses. Keys other than quit are ignored: the recorded inputs
are the ones that count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from actors.actor_messages import QUIT_INPUT, ViewUpdate
from actors.render_actor import RenderActor
from engine.clock import NS_PER_S
from engine.messages import Gap, Record, SampleFrame, SourceInfo, UserInput
from engine.offline import OfflineEngine
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.runtime.supervisor import Restart, Strategy, Supervisor
from engine.training import TrainingConfig
from replays.reader import ReplayReader


class ReplayDriver(Actor):
    """Steps the recording through ``engine`` and publishes what the screen should show."""

    def __init__(self, path: Path, engine: OfflineEngine, views: LatestValue[ViewUpdate],
                 *, realtime: bool, group_delay_ms: float) -> None:
        super().__init__("replay")
        self.path = path
        self.engine = engine
        self.views = views
        self.realtime = realtime
        self.group_delay_ms = group_delay_ms
        self.outputs: list[Record] = []
        self.done = trio.Event()

    async def loop(self) -> None:
        start = trio.current_time()
        with ReplayReader(self.path, allow_truncated=True) as reader:
            for record in reader:
                if not isinstance(record, SampleFrame | Gap):
                    continue
                if self.realtime:
                    await trio.sleep_until(start + record.t_ns / NS_PER_S)
                else:
                    await trio.lowlevel.checkpoint()
                self.outputs.extend(self.engine.step(record))
                self.views.publish(
                    ViewUpdate(self.engine.core.view(), trio.current_time(), self.group_delay_ms)
                )
        self.done.set()


async def view_replay(path: Path, source: SourceInfo, training: TrainingConfig,
                      mains_hz: Any, inputs: list[Any], mode: str, realtime: bool
                      ) -> list[Record]:
    """Show the replay in a window until it ends or the viewer quits; returns the outputs."""
    engine = OfflineEngine.fresh(source, training, mains_hz)
    engine.expect(inputs)
    views: LatestValue[ViewUpdate] = LatestValue("replay→render")
    keys: LosslessChannel[UserInput] = LosslessChannel("render→replay", 64)
    driver = ReplayDriver(path, engine, views, realtime=realtime,
                          group_delay_ms=engine.pipeline.group_delay_s * 1000.0)
    render = RenderActor(views, keys, mode=mode, headless=False)
    tree = Supervisor("replay", [driver.spec(Restart.TRANSIENT), render.spec(Restart.TRANSIENT)],
                      strategy=Strategy.ONE_FOR_ONE)

    async def stop_when_over() -> None:
        async with trio.open_nursery() as nursery:
            async def wait_quit() -> None:
                async for key in keys:
                    if key.kind == QUIT_INPUT:
                        break
                nursery.cancel_scope.cancel()

            async def wait_done() -> None:
                await driver.done.wait()
                await trio.sleep(2.0)
                nursery.cancel_scope.cancel()

            nursery.start_soon(wait_quit)
            nursery.start_soon(wait_done)
        tree.request_stop()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stop_when_over)
        await tree.run()
        nursery.cancel_scope.cancel()
    return driver.outputs
