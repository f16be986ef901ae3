"""The recorder actor: the session's ground truth, written without ever blocking the session.

It drains its lossless channel in batches and hands each batch to a worker thread, so a slow
disk (fsync at a sync point) never stalls the Trio loop that senses and renders. It only
appends: the open :class:`~replays.writer.RecordingWriter` and the records taken but not yet
written are the session's :class:`~actors.record_backlog.RecordBacklog`, so a restarted recorder
continues the same file from the first unwritten record, and the session writes the end record
once every actor has stopped.
"""

from __future__ import annotations

import trio

from actors.record_backlog import RecordBacklog
from engine.runtime.actor import Actor

#: Records written per hop to the worker thread (bounds the time one batch can take).
BATCH_RECORDS = 256


class RecorderActor(Actor):
    """Writes every record it receives, in the order received, into the session's backlog.

    A cancellation or crash between taking records and writing them loses none: they wait in
    the backlog for the next recorder or for the session's final close.
    """

    shutdown_timeout_s = 10.0

    def __init__(self, backlog: RecordBacklog) -> None:
        super().__init__("recorder")
        self.backlog = backlog

    async def loop(self) -> None:
        while True:
            await self.backlog.wait()
            self.backlog.take(BATCH_RECORDS)
            await trio.to_thread.run_sync(self.backlog.write_pending)
