"""The recorder actor: the session's ground truth, written without ever blocking the session.

It drains its lossless channel in batches and hands each batch to a worker thread, so a slow
disk (fsync at a sync point) never stalls the Trio loop that senses and renders. The
:class:`~replays.writer.RecordingWriter` belongs to the session, not to this shell: a restarted
recorder appends to the same file. Started first and stopped last, it outlives every other
actor, so their crashes cannot cost it a record.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from engine.messages import PlainValue, Record
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel
from replays.writer import RecordingWriter

#: Records written per hop to the worker thread (bounds the time one batch can take).
BATCH_RECORDS = 256


class RecorderActor(Actor):
    """Writes every record it receives, in the order received; closes the file on shutdown."""

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

    async def loop(self) -> None:
        while True:
            batch = [await self.records.receive()]
            while self.records.qsize and len(batch) < BATCH_RECORDS:
                batch.append(await self.records.receive())
            await trio.to_thread.run_sync(self._write, batch)

    def _write(self, batch: list[Record]) -> None:
        for record in batch:
            self.writer.write(record)

    async def teardown(self) -> None:
        """Write what is still queued (the other actors have stopped), then the end record."""
        remaining: list[Record] = []
        while self.records.qsize:
            remaining.append(await self.records.receive())
        self._write(remaining)
        if not self.writer.closed:
            self.writer.close(self.summary())
