"""A fresh engine for recorded samples: the same pipeline and training core as a live session.

A replay feeds the recorded frames and gaps through a new :class:`~engine.dsp.Pipeline` and
:class:`~engine.training.TrainingSession`, re-applying the recorded inputs at their recorded
sample times. Because every stage is chunk-invariant and inputs carry their own stamps, the
outputs (rule events and finished calibrations) equal the live ones byte for byte, whatever
chunk size the replay uses, which :func:`rechunk` lets tests and users choose.

Which records are inputs and which are outputs: user inputs and configuration changes are
inputs, except a ``session.calibration`` change, which the core itself emits when a calibration
finishes (it is recorded so that tools can find it, and reproduced on replay).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.clock import sample_offset_ns
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ReplayError
from engine.messages import (
    ConfigChange,
    Gap,
    PlainValue,
    Record,
    RuleEvent,
    SampleFrame,
    SourceInfo,
    UserInput,
)
from engine.session_filing import FILING_KEY
from engine.training import CALIBRATION_KEY, TrainingConfig, TrainingSession


def is_output(record: Record) -> bool:
    """Whether the engine produced ``record`` (as opposed to taking it in)."""
    return isinstance(record, RuleEvent) or (
        isinstance(record, ConfigChange) and record.key in (CALIBRATION_KEY, FILING_KEY)
    )


def is_input(record: Record) -> bool:
    """Whether ``record`` is an input a replay must re-apply at its stamp."""
    return isinstance(record, UserInput | ConfigChange) and not is_output(record)


_EVENT_FIELDS = ("type", "t_ns", "kind", "subject", "data")
_CONFIG_FIELDS = ("type", "t_ns", "key", "value")


def output_fields(record: Record) -> dict[str, PlainValue]:
    """An output's plain form (:meth:`~engine.messages.Record.to_list`), its fields named and
    its tag as ``type``: what ``--events-out`` writes, and how a replay verdict names a field."""
    names: tuple[str, ...]
    if isinstance(record, RuleEvent):
        names = _EVENT_FIELDS
    elif isinstance(record, ConfigChange):
        names = _CONFIG_FIELDS
    else:
        raise ValueError(f"a {record.TAG!r} record is not an output")
    return dict(zip(names, record.to_list(), strict=True))


def rechunk(
    items: Iterable[SampleFrame | Gap], chunk_samples: int, rate_hz: float
) -> Iterator[SampleFrame | Gap]:
    """The same samples cut into frames of ``chunk_samples`` (gaps pass through in place).

    Consecutive frames are joined and re-split; a gap, or a frame that does not continue the
    previous one, flushes what is buffered first. Sample times are recomputed from each new
    frame's offset in the run, exactly as a device at the nominal rate would stamp them.
    """
    rechunker = Rechunker(chunk_samples, rate_hz)
    for item in items:
        yield from rechunker.push(item)
    yield from rechunker.flush()


class Rechunker:
    """:func:`rechunk` one item at a time, for callers that interleave other work."""

    def __init__(self, chunk_samples: int, rate_hz: float) -> None:
        if chunk_samples < 1:
            raise ValueError("chunks need at least one sample")
        self._chunk = chunk_samples
        self._rate_hz = rate_hz
        self._first: SampleFrame | None = None  # the frame that began the current run
        self._pieces: list[np.ndarray] = []
        self._buffered = 0
        self._emitted = 0  # samples of the run already cut into frames
        self._seq = 0

    def push(self, item: SampleFrame | Gap) -> list[SampleFrame | Gap]:
        """Take the next recorded item; returns the re-cut items now complete."""
        if isinstance(item, Gap):
            return [*self.flush(), item]
        out: list[SampleFrame | Gap] = []
        first = self._first
        if first is None or item.first_index != first.first_index + self._emitted + self._buffered:
            out += self.flush()
            self._first, self._emitted = item, 0
        self._pieces.append(item.data)
        self._buffered += item.data.shape[0]
        if self._buffered >= self._chunk:
            out += self._cut(final=False)
        return out

    def flush(self) -> list[SampleFrame]:
        """Cut whatever is buffered (the run ends here)."""
        out = self._cut(final=True)
        self._first = None
        return out

    def _cut(self, final: bool) -> list[SampleFrame]:
        first = self._first
        if first is None or not self._buffered:
            return []
        data = self._pieces[0] if len(self._pieces) == 1 else np.concatenate(self._pieces)
        data.setflags(write=False)  # so the frames below share it instead of copying
        out = []
        start, n = 0, data.shape[0]
        while n - start >= self._chunk or (final and start < n):
            stop = min(start + self._chunk, n)
            offset_ns = sample_offset_ns(self._emitted + start, self._rate_hz)
            device = first.device_t_ns + offset_ns if first.device_t_ns is not None else None
            out.append(SampleFrame(first.source_id, self._seq,
                                   first.first_index + self._emitted + start,
                                   first.t_ns + offset_ns, data[start:stop], device))
            self._seq += 1
            start = stop
        self._emitted += start
        self._pieces = [data[start:]] if start < n else []
        self._buffered = n - start
        return out


@dataclass
class OfflineEngine:
    """Pipeline and training core for one source, fed recorded items in order."""

    pipeline: Pipeline
    core: TrainingSession
    _pending: list[UserInput | ConfigChange] = field(default_factory=list)
    _taken: int = 0
    _judged_until_ns: int = 0

    @classmethod
    def fresh(cls, source: SourceInfo, training: TrainingConfig,
              mains_hz: float | None) -> OfflineEngine:
        pipeline = Pipeline(PipelineConfig.for_source(source, mains_hz=mains_hz))
        return cls(pipeline, TrainingSession(source, pipeline.config.signature(), training))

    def run(self, items: Iterable[SampleFrame | Gap],
            inputs: Iterable[UserInput | ConfigChange]) -> Iterator[Record]:
        """Outputs for ``items`` with ``inputs`` applied at their stamps, in live order."""
        self.expect(inputs)
        for item in items:
            yield from self.step(item)

    def expect(self, inputs: Iterable[UserInput | ConfigChange]) -> None:
        """Inputs to re-apply, each when the samples reach its stamp."""
        self._pending = sorted(inputs, key=lambda i: i.t_ns)
        self._taken = 0

    def add(self, item: UserInput | ConfigChange) -> None:
        """One more input to re-apply (after those with the same stamp already expected).

        Raises :class:`ReplayError` if samples past its stamp were already judged: it would
        take effect later than it did live.
        """
        if item.t_ns < self.judged_until_ns:
            raise ReplayError(
                f"input stamped {item.t_ns} ns came after samples up to "
                f"{self.judged_until_ns} ns were judged"
            )
        bisect.insort_right(self._pending, item, lo=self._taken, key=lambda i: i.t_ns)

    @property
    def judged_until_ns(self) -> int:
        """Session time just after the last sample stepped so far (0 before any)."""
        return self._judged_until_ns

    def step(self, item: SampleFrame | Gap) -> list[Record]:
        """Process one recorded frame or gap; returns the outputs it caused."""
        block = self.pipeline.feed(item)
        if not block.n_samples:
            return []
        end_ns = block.t_ns + sample_offset_ns(block.n_samples, block.rate_hz)
        self._judged_until_ns = max(self._judged_until_ns, end_ns)
        pending = self._pending
        while self._taken < len(pending) and pending[self._taken].t_ns < end_ns:
            self.core.apply(pending[self._taken])
            self._taken += 1
        return self.core.step(block)
