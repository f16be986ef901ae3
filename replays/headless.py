"""Headless replay: a recording fed through a fresh engine as fast as the machine goes.

A recording holds each input where the engine consumed it, which can be after the frames that
contain its stamp (the sensor hands frames to the recorder before the rules have judged them).
So the replay judges samples a little behind what it has read (:data:`LOOKAHEAD_S` of session
time) and reads the file once. Should an input turn up later than that, which no live session
does, the replay starts over with every input gathered first: slower, and the same events.

The file is read a sync segment at a time by :mod:`replays.segments`, where it can be by a
forked child while this process runs the engine, so the two halves of the work share two cores.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from engine.errors import MyoplayError, ReplayError
from engine.messages import (
    ConfigChange,
    Gap,
    PlainValue,
    Record,
    SampleFrame,
    SourceInfo,
    UserInput,
)
from engine.offline import OfflineEngine, is_input, is_output
from engine.rules.session_summary import SessionSummary
from engine.training import TrainingConfig
from replays.format import Header
from replays.reader import ReplayReader, ReplayStatus
from replays.record_errors import InputOrigins, item_end_ns, named, naming_records
from replays.segments import ChildSegments, LocalSegments, ReadAheadFailed, forks_cheaply

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
    header: Header
    """The recording's header: its settings, and the versions of what made it."""
    read_ahead: bool
    """Whether a child process read the file (see :mod:`replays.segments`)."""
    summary: SessionSummary
    """The engine's summary of the (last) exercise at the end of the replay: what the summary
    screen showed, with every channel's peak and working-phase mean %MVC."""
    recorded_ns: int
    """Session time the judged samples span, from the first sample to the end of the last, gaps
    included: how long the session was recorded (0 when it holds no sample)."""


def replay_headless(
    path: str | os.PathLike[str],
    training_for: TrainingFor,
    *,
    chunk_samples: int | None = None,
    on_progress: Progress | None = None,
    read_ahead: bool = True,
) -> HeadlessReplay:
    """Replay ``path`` through a fresh engine; ``chunk_samples`` re-cuts the frames (default
    :data:`replays.segments.CHUNK_S` worth). A truncated file is replayed up to its last sync
    point. ``read_ahead`` lets a child process read the file where that is cheap and safe."""
    try:
        # Should the child fail, the same work in this process raises the reader's error with
        # its details, or succeeds.
        with contextlib.suppress(ReadAheadFailed):
            if read_ahead and forks_cheaply():
                return _replay(ChildSegments(path, chunk_samples), training_for, on_progress)
        return _replay(LocalSegments(path, chunk_samples), training_for, on_progress)
    except _LateInput:
        return _two_passes(path, training_for, chunk_samples, on_progress)


class _LateInput(Exception):
    """An input whose stamp is behind the samples already judged (internal)."""


class _Replay:
    """One pass of the engine over the records: inputs applied at their stamps, outputs kept."""

    def __init__(self, reader: LocalSegments | ChildSegments, training_for: TrainingFor) -> None:
        self.name = reader.name
        self.header = reader.header
        self.read_ahead = isinstance(reader, ChildSegments)
        self.training = training_for(self.header.config)
        self.engine: OfflineEngine | None = None
        self.source: SourceInfo | None = None
        # Frames and gaps read but not judged yet, with their records' indices in the file.
        self.waiting: collections.deque[tuple[SampleFrame | Gap, int]] = collections.deque()
        self.early: list[tuple[UserInput | ConfigChange, int]] = []
        self.input_origins = InputOrigins()
        self.outputs: list[Record] = []
        self.recorded: list[Record] = []
        self.first_t_ns: int | None = None

    def take(self, record: Record, index: int) -> None:
        """Take the record of index ``index`` in the file (of a re-cut frame: its first
        sample's record)."""
        with naming_records(self.name, f"record {index}"):
            if isinstance(record, SampleFrame | Gap):
                self.waiting.append((record, index))  # the segments refuse undescribed sources
            elif isinstance(record, SourceInfo):
                self._describe(record)
            elif is_output(record):
                self.recorded.append(record)
            elif is_input(record):
                assert isinstance(record, UserInput | ConfigChange)
                if self.engine is None:
                    self.early.append((record, index))
                elif record.t_ns < self.engine.judged_until_ns:
                    raise _LateInput
                else:
                    self.engine.add(record)
                    self.input_origins.add(record.t_ns, index)

    def _describe(self, source: SourceInfo) -> None:
        if self.source is not None:
            return  # the same one again: read_segments refuses a second source
        mains = self.header.config.get("mains_hz")
        self.source = source
        self.engine = OfflineEngine.fresh(
            source, self.training, float(mains) if isinstance(mains, int | float) else None
        )
        self.engine.expect([record for record, _ in self.early])
        self.input_origins.expect((record.t_ns, index) for record, index in self.early)

    def judge(self, until_ns: int) -> None:
        """Step the waiting items that end by ``until_ns``."""
        engine, source = self.engine, self.source
        if engine is None or source is None:
            return
        waiting = self.waiting
        while waiting and item_end_ns(waiting[0][0], source.rate_hz) <= until_ns:
            item, index = waiting.popleft()
            if self.first_t_ns is None:
                self.first_t_ns = item.t_ns
            judged_from_ns = engine.judged_until_ns
            try:
                self.outputs += engine.step(item)
            except MyoplayError as error:
                where = self.input_origins.where(error, item, index, judged_from_ns,
                                                 source.rate_hz)
                raise named(error, self.name, where) from None

    def finish(self, status: ReplayStatus | None, passes: int, last_record: int) -> HeadlessReplay:
        self.judge(_FOREVER_NS)
        if self.source is None:
            raise ReplayError(f"{self.name}: records 0 to {last_record} describe no source; "
                              f"replay needs exactly one", hint="it holds no samples")
        assert self.engine is not None  # made with the source
        until_ns = self.engine.judged_until_ns
        recorded_ns = until_ns - self.first_t_ns if self.first_t_ns is not None else 0
        return HeadlessReplay(self.source, self.outputs, self.recorded, status, passes,
                              self.header, self.read_ahead, self.engine.core.summary(),
                              max(recorded_ns, 0))


def _replay(reader: LocalSegments | ChildSegments, training_for: TrainingFor,
            on_progress: Progress | None) -> HeadlessReplay:
    lookahead_ns = round(LOOKAHEAD_S * 1e9)
    with reader:
        replay = _Replay(reader, training_for)
        for index, source in reader.early_sources:
            replay.take(source, index)
        last_record = 0
        for segment in reader.segments():
            last_record = segment.last_record
            for record, index in zip(segment.records, segment.origins, strict=True):
                replay.take(record, index)
            replay.judge(segment.read_until_ns - lookahead_ns)
            if on_progress is not None:
                on_progress(segment.bytes_read)
        return replay.finish(reader.status, passes=1, last_record=last_record)


def _two_passes(path: str | os.PathLike[str], training_for: TrainingFor,
                chunk_samples: int | None, on_progress: Progress | None) -> HeadlessReplay:
    with ReplayReader(path, allow_truncated=True) as reader:
        inputs = [(r, reader.record_index) for r in reader if is_input(r)]
    with LocalSegments(path, chunk_samples) as reader:
        replay = _Replay(reader, training_for)
        for record, index in inputs:
            replay.take(record, index)
        last_record = 0
        for segment in reader.segments():
            last_record = segment.last_record
            for record, index in zip(segment.records, segment.origins, strict=True):
                if not is_input(record):
                    replay.take(record, index)
            replay.judge(_FOREVER_NS)
            if on_progress is not None:
                on_progress(segment.bytes_read)
        return replay.finish(reader.status, passes=2, last_record=last_record)
