"""Watch a recording: a fresh engine steps it at the recorded pace and the renderer shows it.

Two actors under one supervisor: the replay driver (reads the file, steps the offline engine,
publishes each snapshot on a latest-value channel, paced by sample time unless fast) and the
same render actor a live session uses. Keys other than quit are ignored: the recorded inputs
are the ones that count.

A file the engine refuses part of (a recorded setting it cannot apply, frames out of order) is
no crash to restart from: the engine is already part-way, and reading again would refuse the
same record. The driver stops the replay and :func:`view_replay` raises the error, naming the
file and the record as the headless replay does.
"""

from __future__ import annotations

from pathlib import Path

import trio

from actors.actor_messages import QUIT_INPUT, ViewUpdate
from actors.render_actor import RenderActor
from engine.clock import NS_PER_S
from engine.errors import MyoplayError
from engine.messages import ConfigChange, Gap, Record, SampleFrame, SourceInfo, UserInput
from engine.offline import OfflineEngine
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.runtime.supervisor import Restart, Strategy, Supervisor
from engine.training import TrainingConfig
from replays.reader import ReplayReader
from replays.record_errors import InputOrigins, named, naming_records


class ReplayDriver(Actor):
    """Steps the recording through ``engine`` and publishes what the screen should show."""

    def __init__(self, path: Path, engine: OfflineEngine, views: LatestValue[ViewUpdate],
                 *, realtime: bool, group_delay_ms: float,
                 input_origins: InputOrigins | None = None) -> None:
        super().__init__("replay")
        self.path = path
        self.engine = engine
        self.views = views
        self.realtime = realtime
        self.group_delay_ms = group_delay_ms
        self.input_origins = input_origins or InputOrigins()
        self.outputs: list[Record] = []
        self.failure: MyoplayError | None = None
        """What ended the replay early: the file's error, naming the record."""
        self.done = trio.Event()

    async def loop(self) -> None:
        if self.done.is_set():
            return  # a restart after the end (or a refused record) has nothing left to do
        try:
            await self._replay()
        except MyoplayError as error:  # each names the file (and the record)
            self.failure = error
        finally:
            self.done.set()

    async def _replay(self) -> None:
        start = trio.current_time()
        with ReplayReader(self.path, allow_truncated=True) as reader:
            for record in reader:
                if not isinstance(record, SampleFrame | Gap):
                    continue
                if self.realtime:
                    await trio.sleep_until(start + record.t_ns / NS_PER_S)
                else:
                    await trio.lowlevel.checkpoint()
                judged_from_ns = self.engine.judged_until_ns
                try:
                    self.outputs.extend(self.engine.step(record))
                except MyoplayError as error:
                    where = self.input_origins.where(
                        error, record, reader.record_index, judged_from_ns,
                        self.engine.pipeline.config.rate_hz,
                    )
                    raise named(error, str(self.path), where) from None
                self.views.publish(
                    ViewUpdate(self.engine.core.view(), trio.current_time(), self.group_delay_ms)
                )


async def view_replay(path: Path, source: tuple[int, SourceInfo], training: TrainingConfig,
                      mains_hz: float | None,
                      inputs: list[tuple[UserInput | ConfigChange, int]], mode: str,
                      realtime: bool) -> list[Record]:
    """Show the replay in a window until it ends or the viewer quits; returns the outputs.

    ``source`` and each of ``inputs`` come with their records' indices in the file, so that an
    error names its record.
    """
    source_index, info = source
    with naming_records(str(path), f"record {source_index}"):
        engine = OfflineEngine.fresh(info, training, mains_hz)
    engine.expect([record for record, _ in inputs])
    origins = InputOrigins()
    origins.expect((record.t_ns, index) for record, index in inputs)
    views: LatestValue[ViewUpdate] = LatestValue("replay→render")
    keys: LosslessChannel[UserInput | ConfigChange] = LosslessChannel("render→replay", 64)
    driver = ReplayDriver(path, engine, views, realtime=realtime,
                          group_delay_ms=engine.pipeline.group_delay_s * 1000.0,
                          input_origins=origins)
    render = RenderActor(views, keys, mode=mode, headless=False)
    tree = Supervisor("replay", [driver.spec(Restart.TRANSIENT), render.spec(Restart.TRANSIENT)],
                      strategy=Strategy.ONE_FOR_ONE)

    async def stop_when_over() -> None:
        async with trio.open_nursery() as nursery:
            async def wait_quit() -> None:
                async for key in keys:
                    if isinstance(key, UserInput) and key.kind == QUIT_INPUT:
                        break
                nursery.cancel_scope.cancel()

            async def wait_done() -> None:
                await driver.done.wait()
                if driver.failure is None:
                    await trio.sleep(2.0)  # the last picture stays a moment
                nursery.cancel_scope.cancel()

            nursery.start_soon(wait_quit)
            nursery.start_soon(wait_done)
        tree.request_stop()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stop_when_over)
        await tree.run()
        nursery.cancel_scope.cancel()
    if driver.failure is not None:
        raise driver.failure
    return driver.outputs
