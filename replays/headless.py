"""Headless replay: a recording fed through a fresh engine as fast as the machine goes.

A recording holds each input where the engine consumed it, which can be after the frames that
contain its stamp (the sensor hands frames to the recorder before the rules have judged them).
So the replay judges samples a little behind what it has read (:data:`LOOKAHEAD_S` of session
time) and reads the file once. Should an input turn up later than that, which no live session
does, the replay starts over with every input gathered first: slower, and the same events.

Where the platform forks cheaply (Linux) and the process has no other thread, a child process
reads, checks and re-cuts the file while this one runs the engine, so the two halves of the work
share two cores. The child hands over whole sync segments through a pipe whose fixed buffer
bounds how far it can run ahead (bounded, with back-pressure). If the child fails for any
reason, the replay runs in this process instead, where a damaged file raises its usual error
naming the record.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import msgpack

from engine.clock import sample_offset_ns
from engine.errors import ReplayError
from engine.messages import (
    ConfigChange,
    Gap,
    PlainValue,
    Record,
    SampleFrame,
    SourceInfo,
    UserInput,
    message_from_list,
)
from engine.offline import OfflineEngine, Rechunker, is_input, is_output
from engine.training import TrainingConfig
from replays.format import pack
from replays.reader import ReplayReader, ReplayStatus

#: Default length of the re-cut frames: the engine is chunk-invariant, so the events are the
#: same, and long chunks spare the per-call overhead of short frames.
CHUNK_S = 2.0
#: How far (session time) judging stays behind reading, so that inputs recorded after the
#: frames their stamps fall in are still applied where they were live.
LOOKAHEAD_S = 5.0

#: Turns the recording's settings (its header ``config``) into the training to replay with.
TrainingFor = Callable[[Mapping[str, PlainValue]], TrainingConfig]
Progress = Callable[[int], None]

_FOREVER_NS = 2**63


@dataclass(frozen=True)
class HeadlessReplay:
    """What a headless replay produced, beside what the recording says happened live."""

    source: SourceInfo
    outputs: list[Record]
    """Events and finished calibrations, in the order the engine produced them."""
    recorded: list[Record]
    """The outputs recorded live (none in imported files)."""
    status: ReplayStatus | None
    passes: int
    """1, or 2 when an input came too late in the file for a single pass."""
    engine_version: str
    """The version of myoplay that made the recording."""
    read_ahead: bool
    """Whether a child process read the file (see the module)."""


def replay_headless(
    path: str | os.PathLike[str],
    training_for: TrainingFor,
    *,
    chunk_samples: int | None = None,
    on_progress: Progress | None = None,
    read_ahead: bool = True,
) -> HeadlessReplay:
    """Replay ``path`` through a fresh engine; ``chunk_samples`` re-cuts the frames (default
    :data:`CHUNK_S` worth). A truncated file is replayed up to its last sync point.
    ``read_ahead`` lets a child process read the file where that is cheap (see the module)."""
    try:
        # Should the child fail, the same work in this process raises the reader's error with
        # its details, or succeeds.
        with contextlib.suppress(_ReaderFailed):
            if read_ahead and _forks_cheaply():
                return _replay(_ChildReader(path, chunk_samples), training_for, on_progress)
        return _replay(_LocalReader(path, chunk_samples), training_for, on_progress)
    except _LateInput:
        return _two_passes(path, training_for, chunk_samples, on_progress)


# -- the engine side -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    """Records as read, frames already re-cut, with how far the file has been read."""

    records: list[Record]
    read_until_ns: int
    """Session time just after the last sample read so far."""
    bytes_read: int


class _LateInput(Exception):
    """An input whose stamp is behind the samples already judged (internal)."""


class _ReaderFailed(Exception):
    """The read-ahead child stopped without finishing (internal)."""


class _Replay:
    """One pass of the engine over the records: inputs applied at their stamps, outputs kept."""

    def __init__(self, reader: _LocalReader | _ChildReader, training_for: TrainingFor) -> None:
        self.name = reader.name
        self.config = reader.config
        self.engine_version = reader.engine_version
        self.read_ahead = isinstance(reader, _ChildReader)
        self.training = training_for(self.config)
        self.engine: OfflineEngine | None = None
        self.source: SourceInfo | None = None
        self.waiting: collections.deque[SampleFrame | Gap] = collections.deque()
        self.early: list[UserInput | ConfigChange] = []
        self.outputs: list[Record] = []
        self.recorded: list[Record] = []

    def take(self, record: Record) -> None:
        if isinstance(record, SampleFrame | Gap):
            if self.source is None:
                raise ReplayError(f"{self.name} has samples of a source it never describes")
            self.waiting.append(record)
        elif isinstance(record, SourceInfo):
            self._describe(record)
        elif is_output(record):
            self.recorded.append(record)
        elif is_input(record):
            assert isinstance(record, UserInput | ConfigChange)
            if self.engine is None:
                self.early.append(record)
            elif record.t_ns < self.engine.judged_until_ns:
                raise _LateInput
            else:
                self.engine.add(record)

    def _describe(self, source: SourceInfo) -> None:
        if self.source is not None:
            if source != self.source:
                raise ReplayError(f"{self.name} has several sources; replay needs exactly one",
                                  hint="export each source to CSV and import it on its own")
            return
        mains = self.config.get("mains_hz")
        self.source = source
        self.engine = OfflineEngine.fresh(
            source, self.training, float(mains) if isinstance(mains, int | float) else None
        )
        self.engine.expect(self.early)

    def judge(self, until_ns: int) -> None:
        """Step the waiting items that end by ``until_ns``."""
        engine, source = self.engine, self.source
        if engine is None or source is None:
            return
        waiting = self.waiting
        while waiting and _end_ns(waiting[0], source.rate_hz) <= until_ns:
            self.outputs += engine.step(waiting.popleft())

    def finish(self, status: ReplayStatus | None, passes: int) -> HeadlessReplay:
        self.judge(_FOREVER_NS)
        if self.source is None:
            raise ReplayError(f"{self.name} has no sources; replay needs exactly one",
                              hint="it holds no samples")
        return HeadlessReplay(self.source, self.outputs, self.recorded, status, passes,
                              self.engine_version, self.read_ahead)


def _replay(reader: _LocalReader | _ChildReader, training_for: TrainingFor,
            on_progress: Progress | None) -> HeadlessReplay:
    lookahead_ns = round(LOOKAHEAD_S * 1e9)
    with reader:
        replay = _Replay(reader, training_for)
        for source in reader.early_sources:
            replay.take(source)
        for segment in reader.segments():
            for record in segment.records:
                replay.take(record)
            replay.judge(segment.read_until_ns - lookahead_ns)
            if on_progress is not None:
                on_progress(segment.bytes_read)
        return replay.finish(reader.status, passes=1)


def _two_passes(path: str | os.PathLike[str], training_for: TrainingFor,
                chunk_samples: int | None, on_progress: Progress | None) -> HeadlessReplay:
    with ReplayReader(path, allow_truncated=True) as reader:
        inputs = [r for r in reader if is_input(r)]
    with _LocalReader(path, chunk_samples) as reader:
        replay = _Replay(reader, training_for)
        for record in inputs:
            replay.take(record)
        for segment in reader.segments():
            for record in segment.records:
                if not is_input(record):
                    replay.take(record)
            replay.judge(_FOREVER_NS)
            if on_progress is not None:
                on_progress(segment.bytes_read)
        return replay.finish(reader.status, passes=2)


def _end_ns(item: SampleFrame | Gap, rate_hz: float) -> int:
    if isinstance(item, Gap):
        return item.t_ns + item.duration_ns
    return item.t_ns + sample_offset_ns(item.n_samples, rate_hz)


# -- the reading side ------------------------------------------------------------------------


def _segments(reader: ReplayReader, chunk_samples: int | None) -> Iterator[_Segment]:
    """The file's records a sync segment at a time, frames and gaps re-cut."""
    rechunker: Rechunker | None = None
    records: list[Record] = []
    read_until = 0
    for record in reader:
        if reader.samples_t_ns != read_until and records:
            yield _Segment(records, read_until, reader.bytes_read)
            records = []
        read_until = reader.samples_t_ns
        if isinstance(record, SampleFrame | Gap):
            if rechunker is None:
                raise ReplayError(f"{reader.name} has samples of a source it never describes")
            records += rechunker.push(record)
            continue
        if isinstance(record, SourceInfo) and rechunker is None:
            chunk = chunk_samples or max(1, round(CHUNK_S * record.rate_hz))
            rechunker = Rechunker(chunk, record.rate_hz)
        records.append(record)
    if rechunker is not None:
        records += rechunker.flush()
    yield _Segment(records, reader.samples_t_ns, reader.bytes_read)


class _LocalReader:
    """Segments read in this process."""

    def __init__(self, path: str | os.PathLike[str], chunk_samples: int | None) -> None:
        self._reader = ReplayReader(path, allow_truncated=True)
        self._chunk_samples = chunk_samples
        self.name = self._reader.name
        self.config = self._reader.header.config
        self.engine_version = self._reader.header.engine_version
        self.status: ReplayStatus | None = None
        self.early_sources: list[SourceInfo] = []  # this reader finds them in their place

    def segments(self) -> Iterator[_Segment]:
        yield from _segments(self._reader, self._chunk_samples)
        self.status = self._reader.status

    def __enter__(self) -> _LocalReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._reader.close()


class _ChildReader:
    """Segments read by a forked child process and sent over a pipe as packed record lists.

    While the child starts, this process reads the header and the sources the file begins with
    itself (a few records), so the engine can be built in parallel with the child's start.
    """

    def __init__(self, path: str | os.PathLike[str], chunk_samples: int | None) -> None:
        with ReplayReader(path, allow_truncated=True) as reader:
            self.name = reader.name
            self.config: Mapping[str, PlainValue] = reader.header.config
            self.engine_version = reader.header.engine_version
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

    def segments(self) -> Iterator[_Segment]:
        while True:
            message = self._receive()
            if message[0] == "segment":
                _, read_until_ns, bytes_read, records = message
                yield _Segment([message_from_list(r) for r in records], read_until_ns,
                               bytes_read)
            elif message[0] == "end":
                self.status = ReplayStatus(*message[1]) if message[1] is not None else None
                return
            else:
                raise _ReaderFailed

    def _receive(self) -> list[Any]:
        try:
            message: list[Any] = msgpack.unpackb(self._pipe.recv_bytes(), raw=False)
        except (EOFError, OSError):
            raise _ReaderFailed from None
        return message

    def _stop(self) -> None:
        self._pipe.close()
        self._child.join(timeout=5.0)
        if self._child.is_alive():
            self._child.kill()
            self._child.join()

    def __enter__(self) -> _ChildReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()


def _read_ahead(path: str | os.PathLike[str], chunk_samples: int | None,
                pipe: Connection) -> None:
    """The child's work: read, check and re-cut the file, sending each segment when done."""
    try:
        with ReplayReader(path, allow_truncated=True) as reader:
            for segment in _segments(reader, chunk_samples):
                pipe.send_bytes(pack(["segment", segment.read_until_ns, segment.bytes_read,
                                      [r.to_list() for r in segment.records]]))
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


def _first_sources(path: str | os.PathLike[str]) -> list[SourceInfo]:
    """The sources described before the first samples (a recorder writes them first)."""
    found = []
    with ReplayReader(path, allow_truncated=True) as reader:
        for record in reader:
            if isinstance(record, SampleFrame | Gap):
                break
            if isinstance(record, SourceInfo):
                found.append(record)
    return found


def _forks_cheaply() -> bool:
    """Linux forks in a few milliseconds; and only a process with no other thread forks safely
    (another thread may hold a lock the child would then wait on forever)."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )
