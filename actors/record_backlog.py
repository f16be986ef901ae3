"""The session's recording: the open writer and the records taken for it but not yet written.

The recorder actor only appends. The file's life belongs to the session: the session opens it,
keeps it open across every restart of the recorder, and closes it (end record and summary) once
the whole tree has stopped, however it stopped. Records the recorder took off its channel and
had not written when it crashed stay here, so the next recorder, or the session's final close,
writes them first: a recorder crash costs the recording nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

from engine.messages import PlainValue, Record
from engine.runtime.channels import POISON_CRASHES, LosslessChannel
from replays.writer import RecordingWriter


class RecordBacklog:
    """``writer`` and the records taken from ``records`` that are still to be written, in order.

    The recorder takes records in the Trio thread and writes them in one worker thread at a
    time, never both at once (it awaits each batch). :meth:`add` may run while a batch is being
    written: it appends at the other end of the deque, which CPython does atomically. A write
    and the final close never overlap: a recorder stopped while its worker thread writes (a
    disk stalled past the shutdown timeout) still owns the writer until that batch is done.
    """

    def __init__(self, writer: RecordingWriter, records: LosslessChannel[Record]) -> None:
        self.writer = writer
        self.records = records
        self._pending: deque[Record] = deque()
        self._head_failures = 0
        self._writing = threading.Lock()
        self.skipped = 0
        """Records dropped because writing them failed :data:`POISON_CRASHES` times."""

    @property
    def pending(self) -> int:
        """Records taken and not yet written."""
        return len(self._pending)

    def add(self, record: Record) -> None:
        """Queue ``record`` behind those already taken (for one that found the channel full)."""
        self._pending.append(record)

    async def wait(self) -> None:
        """Return once at least one record is pending, waiting on the channel if none is."""
        if not self._pending:
            self._pending.append(await self.records.receive())

    def take(self, limit: int | None = None) -> None:
        """Move what the channel holds now (at most ``limit`` pending in all) into the backlog."""
        while self.records.qsize and (limit is None or len(self._pending) < limit):
            self._pending.append(self.records.receive_nowait())

    def write_pending(self) -> None:
        """Write the pending records in order. Each leaves the backlog only once written, so a
        write that raises keeps it, and those after it, for the next attempt; the channels'
        poison rule applies here too, so one record the writer refuses every time is dropped
        after :data:`POISON_CRASHES` failures instead of failing every recorder after it."""
        with self._writing:
            self._write_pending()

    def _write_pending(self) -> None:
        while self._pending:
            try:
                self.writer.write(self._pending[0])
            except Exception:
                self._head_failures += 1
                if self._head_failures >= POISON_CRASHES:
                    self._drop_head()
                raise
            self._pending.popleft()
            self._head_failures = 0

    def _drop_head(self) -> None:
        self._pending.popleft()
        self._head_failures = 0
        self.skipped += 1

    def finish(self, summary: Mapping[str, PlainValue] | None) -> None:
        """Write everything still queued, then the summary and the end record.

        Called by the session when no actor runs any more. If the file cannot take it, the
        writer is released as it is (readable up to its last sync point) and the error raised.
        """
        with self._writing:
            if self.writer.closed:
                return
            try:
                self.take()
                self._write_pending()
                self.writer.close(summary)
            except BaseException:
                if not self.writer.closed:
                    self.writer.abandon()
                raise
