"""The recorder actor: everything sent to it reaches the file, even when stopped mid-batch or
crashed mid-write, because the open file and the unwritten records are the session's."""

from __future__ import annotations

import numpy as np
import pytest
import trio
import trio.lowlevel

from actors.record_backlog import RecordBacklog
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
        backlog = RecordBacklog(writer, records)
        tree = Supervisor("session", [RecorderActor(backlog).spec()])
        async with trio.open_nursery() as nursery:
            await nursery.start(tree.run)
            for seq in range(FRAMES):
                records.send_nowait(frame(seq))
                if seq % (200 + 150 * trial) == 0:
                    await trio.lowlevel.checkpoint()
            tree.request_stop()
        backlog.finish(summary)
        with ReplayReader(path) as reader:
            seqs = [r.seq for r in reader if isinstance(r, SampleFrame)]
            assert reader.summary == {"trial": trial}
        assert seqs == list(range(FRAMES))


class _FailingWrites(RecordingWriter):
    """A writer whose chosen writes raise before writing: a recorder crash mid-batch."""

    fail_at: frozenset[int] = frozenset()
    calls = 0  # counted per instance from its first write (the source written at creation)

    def write(self, record: Record) -> None:
        self.calls += 1
        if self.calls in self.fail_at:
            raise RuntimeError(f"write {self.calls} failed")
        super().write(record)


async def test_a_crashed_recorder_restarts_onto_the_same_file_and_loses_no_record(tmp_path):
    path = tmp_path / "crash.myoplay"
    writer = _FailingWrites(path, sources=[INFO], fsync=False)
    writer.fail_at = frozenset({5, 300, 302, 1200})
    records: LosslessChannel[Record] = LosslessChannel("→recorder", FRAMES)
    backlog = RecordBacklog(writer, records)
    tree = Supervisor("session", [RecorderActor(backlog).spec()], max_restarts=10)
    async with trio.open_nursery() as nursery:
        await nursery.start(tree.run)
        for seq in range(FRAMES):
            records.send_nowait(frame(seq))
            if seq % 97 == 0:
                await trio.sleep(0.01)
        await trio.sleep(1)
        tree.request_stop()
    backlog.finish({"crashes": 4})
    assert len(tree.events.select("restarted", "recorder")) == 4
    with ReplayReader(path) as reader:
        seqs = [r.seq for r in reader if isinstance(r, SampleFrame)]
        assert reader.summary == {"crashes": 4}
    assert seqs == list(range(FRAMES))


def test_a_record_the_writer_refuses_twice_is_dropped_not_retried_for_ever(tmp_path):
    writer = _FailingWrites(tmp_path / "poison.myoplay", sources=[INFO], fsync=False)
    writer.fail_at = frozenset({3, 4})  # call 1 wrote the source, 2 frame 0
    records: LosslessChannel[Record] = LosslessChannel("→recorder", 10)
    backlog = RecordBacklog(writer, records)
    for seq in range(3):
        records.send_nowait(frame(seq))
    backlog.take()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            backlog.write_pending()
    backlog.write_pending()
    assert (backlog.skipped, backlog.pending) == (1, 0)
    backlog.finish(None)
    with ReplayReader(tmp_path / "poison.myoplay") as reader:
        assert [r.seq for r in reader if isinstance(r, SampleFrame)] == [0, 2]
