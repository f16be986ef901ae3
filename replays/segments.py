"""A recording's records a sync segment at a time, frames and gaps re-cut into long chunks, for
the headless replay: read in this process, or by a forked child while this one computes.

Where the platform forks cheaply (Linux) and the process has no other thread, a child process
reads, checks and re-cuts the file, and hands over whole sync segments through a pipe whose
fixed buffer bounds how far it can run ahead (bounded, with back-pressure). Meanwhile this
process reads the header and the first sources itself, so the engine is built while the child
starts. If the child fails for any reason, :class:`ReadAheadFailed` tells the caller to read in
this process instead, where a damaged file raises its usual error naming the record.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import msgpack

from engine.errors import ReplayError
from engine.messages import Gap, PlainValue, Record, SampleFrame, SourceInfo, message_from_list
from engine.offline import Rechunker
from replays.format import pack
from replays.reader import ReplayReader, ReplayStatus

#: Default length of the re-cut frames: the engine is chunk-invariant, so the events are the
#: same, and long chunks spare the per-call overhead of short frames.
CHUNK_S = 2.0
#: Most values (samples × channels) in one re-cut frame: the engine's working arrays stay a few
#: megabytes whatever the rate (8 channels at 2 kHz: 2 s is 32,000 values).
MAX_CHUNK_VALUES = 1 << 17


@dataclass(frozen=True)
class Segment:
    """Records as read, frames already re-cut, with how far the file has been read."""

    records: list[Record]
    origins: list[int]
    """For each record, the index in the file of the record it comes from (of a re-cut frame:
    the record holding its first sample), so that an error can name it."""
    read_until_ns: int
    """Session time just after the last sample read so far."""
    bytes_read: int
    last_record: int
    """Index in the file of the last record read so far (error messages name records by it)."""


class ReadAheadFailed(Exception):
    """The read-ahead child stopped without finishing: read in this process instead."""


def read_segments(reader: ReplayReader, chunk_samples: int | None) -> Iterator[Segment]:
    """The file's records a sync segment at a time, frames and gaps re-cut."""
    rechunker: Rechunker | None = None
    source: SourceInfo | None = None
    records: list[Record] = []
    origins: list[int] = []
    frames_from = _FrameOrigins()
    read_until = 0
    last = -1
    for record in reader:
        if reader.samples_t_ns != read_until and records:
            yield Segment(records, origins, read_until, reader.bytes_read, last)
            records, origins = [], []
        read_until = reader.samples_t_ns
        last = reader.record_index
        if isinstance(record, SampleFrame | Gap):
            if rechunker is None:
                raise ReplayError(f"{reader.name}: record {last} holds samples of a source it "
                                  f"never describes")
            if isinstance(record, SampleFrame):
                frames_from.push(record, last)
            for item in rechunker.push(record):
                if isinstance(item, Gap):
                    origins.append(last)
                    records.append(item)
                else:
                    index, frame = frames_from.cut(item)
                    origins.append(index)
                    records.append(frame)
            continue
        if isinstance(record, SourceInfo):
            if source is None:
                source = record
                rechunker = Rechunker(_chunk_samples(record, chunk_samples), record.rate_hz)
            elif record != source:
                raise ReplayError(
                    f"{reader.name}: record {last} describes a second source; replay needs "
                    f"exactly one", hint="export each source to CSV and import it on its own"
                )
        records.append(record)
        origins.append(last)
    if rechunker is not None:
        for item in rechunker.flush():
            index, frame = frames_from.cut(item)
            origins.append(index)
            records.append(frame)
    yield Segment(records, origins, reader.samples_t_ns, reader.bytes_read,
                  reader.last_verified_record)


class _FrameOrigins:
    """Which record of the file each re-cut frame's first sample comes from.

    The rechunker cuts the samples in the order they were pushed, so counting samples in and out
    finds it, whatever the frames' own (untrusted) indices say. A re-cut frame then takes that
    frame's ``seq``, so that a message quoting it names a frame of the file, never a re-cut one.
    """

    def __init__(self) -> None:
        # Frames pushed and not yet wholly cut: (samples pushed up to and with it, its index,
        # its seq).
        self._pushed: collections.deque[tuple[int, int, int]] = collections.deque()
        self._samples_pushed = 0
        self._samples_cut = 0

    def push(self, frame: SampleFrame, index: int) -> None:
        self._samples_pushed += frame.n_samples
        self._pushed.append((self._samples_pushed, index, frame.seq))

    def cut(self, frame: SampleFrame) -> tuple[int, SampleFrame]:
        """The index of the record holding the first sample of ``frame``, the next cut, and
        ``frame`` with that record's seq."""
        while len(self._pushed) > 1 and self._pushed[0][0] <= self._samples_cut:
            self._pushed.popleft()
        self._samples_cut += frame.n_samples
        _, index, seq = self._pushed[0]
        return index, dataclasses.replace(frame, seq=seq)


def _chunk_samples(source: SourceInfo, requested: int | None) -> int:
    """The re-cut frames' length: as requested, else :data:`CHUNK_S` worth; at most
    :data:`MAX_CHUNK_VALUES` values, so a source's rate and channel count (bounded by the
    format) cannot make a chunk large."""
    chunk = requested or max(1, round(CHUNK_S * source.rate_hz))
    return max(1, min(chunk, MAX_CHUNK_VALUES // source.n_channels))


class LocalSegments:
    """Segments read in this process."""

    def __init__(self, path: str | os.PathLike[str], chunk_samples: int | None) -> None:
        self._reader = ReplayReader(path, allow_truncated=True)
        self._chunk_samples = chunk_samples
        self.name = self._reader.name
        self.header = self._reader.header
        self.status: ReplayStatus | None = None
        # (index, source): this reader finds them in their place
        self.early_sources: list[tuple[int, SourceInfo]] = []

    def segments(self) -> Iterator[Segment]:
        yield from read_segments(self._reader, self._chunk_samples)
        self.status = self._reader.status

    def __enter__(self) -> LocalSegments:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._reader.close()


class ChildSegments:
    """Segments read by a forked child process and sent over a pipe as packed record lists.

    While the child starts, this process reads the header and the sources the file begins with
    itself (a few records), so the engine can be built in parallel with the child's start.
    """

    def __init__(self, path: str | os.PathLike[str], chunk_samples: int | None) -> None:
        with ReplayReader(path, allow_truncated=True) as reader:
            self.name = reader.name
            self.header = reader.header
        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_read_ahead, args=(path, chunk_samples, child_end), daemon=True,
            name="myoplay-replay-reader",
        )
        self._child.start()
        child_end.close()
        self.status: ReplayStatus | None = None
        try:
            self.early_sources = _first_sources(path)
        except BaseException:
            self._stop()
            raise

    def segments(self) -> Iterator[Segment]:
        while True:
            message = self._receive()
            if message[0] == "segment":
                _, read_until_ns, bytes_read, last_record, records, origins = message
                yield Segment([message_from_list(r) for r in records], origins, read_until_ns,
                              bytes_read, last_record)
            elif message[0] == "end":
                self.status = ReplayStatus(*message[1]) if message[1] is not None else None
                return
            else:
                raise ReadAheadFailed

    def _receive(self) -> list[Any]:
        try:
            message: list[Any] = msgpack.unpackb(self._pipe.recv_bytes(), raw=False)
        except (EOFError, OSError):
            raise ReadAheadFailed from None
        return message

    def _stop(self) -> None:
        self._pipe.close()
        self._child.join(timeout=5.0)
        if self._child.is_alive():
            self._child.kill()
            self._child.join()

    def __enter__(self) -> ChildSegments:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()


def _read_ahead(path: str | os.PathLike[str], chunk_samples: int | None,
                pipe: Connection) -> None:
    """The child's work: read, check and re-cut the file, sending each segment when done."""
    try:
        with ReplayReader(path, allow_truncated=True) as reader:
            for segment in read_segments(reader, chunk_samples):
                pipe.send_bytes(pack(["segment", segment.read_until_ns, segment.bytes_read,
                                      segment.last_record,
                                      [r.to_list() for r in segment.records],
                                      list[PlainValue](segment.origins)]))
            status = reader.status
            fields: list[PlainValue] | None = None if status is None else [
                status.state, status.record_index, status.verified_records, status.reason
            ]
            pipe.send_bytes(pack(["end", fields]))
    except BaseException:
        # Whatever went wrong, the parent replays in its own process and reports it there.
        with contextlib.suppress(OSError):
            pipe.send_bytes(pack(["failed"]))
    finally:
        pipe.close()


def _first_sources(path: str | os.PathLike[str]) -> list[tuple[int, SourceInfo]]:
    """The sources described before the first samples (a recorder writes them first), with
    their indices in the file."""
    found = []
    with ReplayReader(path, allow_truncated=True) as reader:
        for record in reader:
            if isinstance(record, SampleFrame | Gap):
                break
            if isinstance(record, SourceInfo):
                found.append((reader.record_index, record))
    return found


def forks_cheaply() -> bool:
    """Linux forks in a few milliseconds; and only a process with no other thread forks safely
    (another thread may hold a lock the child would then wait on forever)."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )
