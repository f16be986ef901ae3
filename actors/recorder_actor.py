"""The recorder actor: the session's ground truth, written without ever blocking the session.

It drains its lossless channel in batches and hands each batch to a worker thread, so a slow
disk (fsync at a sync point) never stalls the Trio loop that senses and renders. The
:class:`~replays.writer.RecordingWriter` belongs to the session, not to this shell: a restarted
recorder appends to the same file. Started first and stopped last, it outlives every other
actor, so their crashes cannot cost it a record.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import trio

from engine.messages import PlainValue, Record
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel
from replays.writer import RecordingWriter

#: Records written per hop to the worker thread (bounds the time one batch can take).
BATCH_RECORDS = 256


class RecorderActor(Actor):
    """Writes every record it receives, in the order received; closes the file on shutdown.

    Records taken off the channel wait in ``pending`` until written, so a cancellation (the
    session stopping) or a crash between taking and writing them cannot lose them: the
    restarted loop, or the teardown, writes them first.
    """

    shutdown_timeout_s = 10.0

    def __init__(
        self,
        writer: RecordingWriter,
        records: LosslessChannel[Record],
        summary: Callable[[], dict[str, PlainValue] | None],
    ) -> None:
        super().__init__("recorder")
        self.writer = writer
        self.records = records
        self.summary = summary
        self.pending: deque[Record] = deque()

    async def loop(self) -> None:
        while True:
            if not self.pending:
                self.pending.append(await self.records.receive())
            while self.records.qsize and len(self.pending) < BATCH_RECORDS:
                self.pending.append(self.records.receive_nowait())
            await trio.to_thread.run_sync(self._write_pending)

    def _write_pending(self) -> None:
        while self.pending:
            self.writer.write(self.pending[0])
            self.pending.popleft()

    async def teardown(self) -> None:
        """Write what is still queued (the other actors have stopped), then the end record."""
        while self.records.qsize:
            self.pending.append(self.records.receive_nowait())
        self._write_pending()
        if not self.writer.closed:
            self.writer.close(self.summary())
