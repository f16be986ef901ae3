"""The sensor actor: a lost link pauses with a message and resumes; sensing never waits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
import trio

from actors.actor_messages import Arrival
from actors.sensor_actor import SensorActor
from engine.errors import ChannelOverflowError, LinkLostError
from engine.messages import ChannelInfo, Gap, Record, SampleFrame, SourceInfo
from engine.runtime.channels import LosslessChannel
from engine.runtime.events import SupervisionLog
from engine.runtime.supervisor import Restart, Supervisor
from sensors.source import SourceItem

INFO = SourceInfo("dev", "test device", "test", 200.0, (ChannelInfo("a", "quadriceps"),),
                  dtype="<i2")


class DroppingSource:
    """A device whose link drops after every ``every`` frames, ``drops`` times; each outage
    costs ``lost`` frames, reported as a Gap when the stream resumes (as BLE sources do)."""

    def __init__(self, frames: int, every: int, drops: int, lost: int = 3) -> None:
        self.frames, self.every, self.drops, self.lost = frames, every, drops, lost
        self.next_seq = 0
        self.dropped = 0
        self.closed = False

    @property
    def info(self) -> SourceInfo:
        return INFO

    async def stream(self) -> AsyncIterator[SourceItem]:
        if self.dropped and self.next_seq < self.frames:
            first = self.next_seq * 4
            yield Gap("dev", first, 4 * self.lost, first * 5_000_000, 4 * self.lost * 5_000_000,
                      "link lost")
            self.next_seq += self.lost
        sent = 0
        while self.next_seq < self.frames:
            seq = self.next_seq
            yield SampleFrame("dev", seq, seq * 4, seq * 20_000_000,
                              np.full((4, 1), seq, dtype="<i2"))
            self.next_seq += 1
            sent += 1
            await trio.sleep(0.02)
            if sent == self.every and self.dropped < self.drops:
                self.dropped += 1
                raise LinkLostError("the test device went out of range")

    async def aclose(self) -> None:
        self.closed = True


async def test_lost_links_pause_with_a_message_and_resume_without_a_restart(autojump_clock):
    source = DroppingSource(frames=200, every=7, drops=20)
    to_dsp: LosslessChannel[Arrival] = LosslessChannel("sensor→dsp", 400)
    to_recorder: LosslessChannel[Record] = LosslessChannel("→recorder", 400)
    statuses: list[str] = []
    log = SupervisionLog()
    actor = SensorActor(source, to_dsp, to_recorder, status=statuses.append)
    await Supervisor("sensors", [actor.spec(Restart.TRANSIENT)], events=log).run()
    assert actor.links_lost == 20
    assert len(statuses) == 20
    assert all(s.startswith("reconnecting: the test device went out of range") for s in statuses)
    assert not log.select("crashed")
    items = []
    while to_dsp.qsize:
        items.append((await to_dsp.receive()).item)
    recorded = [await to_recorder.receive() for _ in range(to_recorder.qsize)]
    assert items == recorded, "the recording sees exactly what the DSP sees"
    gaps = [i for i in items if isinstance(i, Gap)]
    frames = [i for i in items if isinstance(i, SampleFrame)]
    assert len(gaps) == 20
    covered = sum(f.n_samples for f in frames) + sum(g.n_missing for g in gaps)
    assert covered == 200 * 4, "every sample is either delivered or accounted for by a gap"
    assert [f.seq for f in frames] == sorted({f.seq for f in frames})
    with pytest.raises(trio.EndOfChannel):
        await to_dsp.receive()


async def test_a_stalled_dsp_is_a_fault_not_a_stalled_sensor(autojump_clock):
    source = DroppingSource(frames=50, every=1000, drops=0)
    to_dsp: LosslessChannel[Arrival] = LosslessChannel("sensor→dsp", 10)
    to_recorder: LosslessChannel[Record] = LosslessChannel("→recorder", 400)
    actor = SensorActor(source, to_dsp, to_recorder)
    with pytest.raises(ChannelOverflowError, match="sensor→dsp"):
        await actor.loop()
    assert to_dsp.qsize == 10
    assert to_recorder.qsize == 10, "a frame the DSP refused is not recorded either"
