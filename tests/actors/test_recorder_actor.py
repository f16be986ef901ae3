"""The recorder actor: everything sent to it reaches the file, even when stopped mid-batch."""

from __future__ import annotations

import numpy as np
import trio
import trio.lowlevel

from actors.recorder_actor import RecorderActor
from engine.messages import ChannelInfo, Record, SampleFrame, SourceInfo
from engine.runtime.channels import LosslessChannel
from engine.runtime.supervisor import Supervisor
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

INFO = SourceInfo("s", "test", "test", 1000.0, (ChannelInfo("a", "quadriceps"),), dtype="<i2")
FRAMES = 3000


def frame(seq: int) -> SampleFrame:
    data = np.full((10, 1), seq % 30000, dtype="<i2")
    return SampleFrame("s", seq, seq * 10, seq * 10_000_000, data)


async def test_stopping_the_recorder_while_it_writes_loses_no_record(tmp_path):
    for trial in range(4):
        path = tmp_path / f"{trial}.myoplay"
        writer = RecordingWriter(path, sources=[INFO], fsync=False)
        records: LosslessChannel[Record] = LosslessChannel("→recorder", FRAMES)
        summary = {"trial": trial}
        recorder = RecorderActor(writer, records, summary.copy)
        tree = Supervisor("session", [recorder.spec()])
        async with trio.open_nursery() as nursery:
            await nursery.start(tree.run)
            for seq in range(FRAMES):
                records.send_nowait(frame(seq))
                if seq % (200 + 150 * trial) == 0:
                    await trio.lowlevel.checkpoint()
            tree.request_stop()
        with ReplayReader(path) as reader:
            seqs = [r.seq for r in reader if isinstance(r, SampleFrame)]
            assert reader.summary == {"trial": trial}
        assert seqs == list(range(FRAMES))
