"""One source of a recording as whole arrays, with its events and inputs as timed notes: what
the exchange formats (EDF+/BDF+, C3D) need, since they hold continuous signals, not frames.

The samples are in the source's unit (raw × scale). A gap has no samples to give: its span is
filled with zeros (the formats hold no "missing" value) and named by a note of kind
:data:`GAP_NOTE` carrying its length, so a reader can see it and ``myoplay import`` turns it back
into a gap. With ``processed`` the samples also go through the engine's own pipeline (the
session's mains setting and the calibrations it recorded, applied where they occur) for the
envelope, %MVC and quality per channel. %MVC is NaN where a sample is flagged or no
calibration is active: no %MVC is ever given for a doubtful sample.

Everything is held in memory (the formats are written whole), so a source is refused past
:data:`MAX_VALUES` values rather than exhausting the machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt

from engine.calibration import Calibration
from engine.clock import NS_PER_S, sample_offset_ns
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ReplayError
from engine.messages import (
    ConfigChange,
    Gap,
    ProcessedBlock,
    QualityFlag,
    RuleEvent,
    SampleFrame,
    SourceInfo,
    UserInput,
)
from engine.training import CALIBRATION_KEY
from replays.reader import ReplayReader
from replays.record_errors import naming_records

#: Most sample values (samples × channels, gaps included) held for one export: 512 MiB of
#: float64, an 8-channel recording of 2.3 hours at 2 kHz.
MAX_VALUES = 1 << 26
#: Prefix of the note that marks a gap; ``myoplay import`` reads it back.
GAP_NOTE = "myoplay gap"
#: The note that marks samples added to complete a format's last data record or frame.
PADDING_NOTE = "myoplay padding"
#: Mains frequency for a recording whose header does not say (Hz).
DEFAULT_MAINS_HZ = 50.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TimedNote:
    """Something that happened at ``onset_s`` after the first sample (for ``duration_s``, or
    None for an instant), as one line of text."""

    onset_s: float
    duration_s: float | None
    text: str


@dataclass(frozen=True, slots=True)
class ProcessedArrays:
    """The pipeline's outputs, shaped (samples, channels) like the raw samples."""

    envelope: FloatArray
    pct_mvc: FloatArray
    """NaN where flagged or uncalibrated (see ``quality``)."""
    band: FloatArray
    """The band-passed (and notched) µV the envelope came from, 0 over gaps."""
    quality: npt.NDArray[np.uint8]
    calibrated: bool
    """Whether a calibration was active for any sample."""


@dataclass(frozen=True, slots=True)
class SourceArrays:
    """A source's samples from its first to its last (gaps filled with zeros), and its notes."""

    source: SourceInfo
    samples: FloatArray
    """(samples, channels) in ``source.unit``."""
    start_t_ns: int
    """Session time of the first sample."""
    notes: tuple[TimedNote, ...]
    other_sources: tuple[str, ...]
    processed: ProcessedArrays | None = None
    gaps: int = 0
    session_config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[0])


def gap_note_text(n_missing: int, reason: str) -> str:
    """The text of a gap's note: how many samples are missing and why."""
    return f"{GAP_NOTE}: {n_missing} samples ({reason})"


def event_note_text(record: RuleEvent | UserInput) -> str:
    """One line for an event or input: its kind, subject and data as compact JSON."""
    if isinstance(record, RuleEvent):
        head = f"event {record.kind}" + (f" {record.subject}" if record.subject else "")
        data = record.data
    else:
        head = f"input {record.kind}"
        data = record.value
    if data in (None, {}, []):
        return head
    return f"{head} {json.dumps(data, ensure_ascii=True, separators=(',', ':'), default=repr)}"


class _Collector:
    """Gathers one source's frames and gaps into blocks, within :data:`MAX_VALUES`."""

    def __init__(self, name: str, source: SourceInfo, pipeline: Pipeline | None) -> None:
        self.name = name
        self.source = source
        self.pipeline = pipeline
        self.blocks: list[FloatArray] = []
        self.envelope: list[FloatArray] = []
        self.pct: list[FloatArray] = []
        self.quality: list[npt.NDArray[np.uint8]] = []
        self.band: list[FloatArray] = []
        self.start_t_ns: int | None = None
        self.next_index: int | None = None
        self.values = 0
        self.rows = 0
        """Rows (samples and zero-filled gaps) collected so far."""
        self.gaps: list[TimedNote] = []
        self.calibrated = False

    def _grow(self, n: int) -> None:
        self.values += n * self.source.n_channels
        if self.values > MAX_VALUES:
            raise ReplayError(
                f"{self.name}: source {self.source.source_id!r} holds more than {MAX_VALUES} "
                f"values with its gaps; too long to export whole",
                hint="cut the recording first (export --format csv streams any length)",
            )

    def frame(self, frame: SampleFrame) -> None:
        if self.start_t_ns is None:
            self.start_t_ns, self.next_index = frame.t_ns, frame.first_index
        if self.next_index is None:  # after a discontinuity the count starts afresh
            self.next_index = frame.first_index
        if frame.first_index < self.next_index:
            raise ReplayError(f"{self.name}: samples of {self.source.source_id!r} overlap at "
                              f"index {frame.first_index} (expected {self.next_index})")
        if frame.first_index > self.next_index:  # samples missing with no gap record
            missing = frame.first_index - self.next_index
            self.gap(Gap(self.source.source_id, self.next_index, missing, frame.t_ns,
                         sample_offset_ns(missing, self.source.rate_hz), "no gap record"))
        self._grow(frame.n_samples)
        self.blocks.append(frame.data.astype(np.float64) * self.source.scale)
        if self.pipeline is not None:
            self._processed(self.pipeline.process(frame))
            self.band.append(np.array(self.pipeline.last_band_uv, dtype=np.float64))
        self.next_index = frame.first_index + frame.n_samples
        self.rows += frame.n_samples

    def gap(self, gap: Gap) -> None:
        if self.start_t_ns is None:
            return  # nothing recorded yet: the export starts at the first sample
        n = gap.n_missing
        if n < 0:  # unknown count: the span the gap covers
            n = round(gap.duration_ns * self.source.rate_hz / NS_PER_S)
        self._grow(n)
        # The note marks where the zeros are: the rows written so far.
        onset_s = self.rows / self.source.rate_hz
        self.rows += n
        self.gaps.append(TimedNote(onset_s, n / self.source.rate_hz,
                                   gap_note_text(n, gap.reason)))
        self.blocks.append(np.zeros((n, self.source.n_channels)))
        if self.pipeline is not None:
            self._processed(self.pipeline.gap(gap))
            self._fit_processed(n)
            self.band.append(np.zeros((n, self.source.n_channels)))
        # A gap of unknown count (a discontinuity) leaves the next index unknown.
        self.next_index = (None if gap.n_missing < 0
                           else gap.first_index + gap.n_missing)

    def _fit_processed(self, n: int) -> None:
        """Make the pipeline's rows for a gap exactly ``n`` (it may give fewer for a gap of
        unknown count): held envelope, no %MVC, the GAP flag."""
        have = len(self.envelope[-1])
        if have > n:
            self.envelope[-1], self.pct[-1] = self.envelope[-1][:n], self.pct[-1][:n]
            self.quality[-1] = self.quality[-1][:n]
        elif have < n:
            shape = (n - have, self.source.n_channels)
            held = next((e[-1:] for e in reversed(self.envelope) if len(e)),
                        np.zeros((1, self.source.n_channels)))
            self.envelope.append(np.broadcast_to(held, shape).copy())
            self.pct.append(np.full(shape, np.nan))
            self.quality.append(np.full(shape, int(QualityFlag.GAP), dtype=np.uint8))

    def _processed(self, block: ProcessedBlock) -> None:
        self.envelope.append(np.asarray(block.envelope_uv, dtype=np.float64))
        quality = np.asarray(block.quality, dtype=np.uint8)
        self.quality.append(quality)
        if block.pct_mvc is None:
            self.pct.append(np.full(quality.shape, np.nan))
            return
        pct = np.array(block.pct_mvc, dtype=np.float64)
        pct[(quality != 0) | ~np.isfinite(pct)] = np.nan
        calibration = self.pipeline.calibration if self.pipeline is not None else None
        if calibration is not None:
            pct[:, ~np.array(calibration.calibrated)] = np.nan
            self.calibrated = True
        self.pct.append(pct)


def load_source(
    replay: str | os.PathLike[str] | BinaryIO,
    *,
    source_id: str | None = None,
    processed: bool = False,
    mains_hz: float | Literal["recorded"] | None = "recorded",
    allow_truncated: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> SourceArrays:
    """Read one source (``source_id``, or the first described) of a recording whole, with its
    events and inputs as notes (times from the source's first sample)."""
    collector: _Collector | None = None
    pending: list[tuple[int, str]] = []
    config: Mapping[str, Any] = {}
    with ReplayReader(replay, allow_truncated=allow_truncated, on_progress=on_progress) as reader:
        config = reader.header.config
        for record in reader:
            with naming_records(reader.name, f"record {reader.record_index}"):
                if isinstance(record, SourceInfo):
                    if collector is None and source_id in (None, record.source_id):
                        pipeline = (_pipeline(record, mains_hz, config) if processed else None)
                        collector = _Collector(reader.name, record, pipeline)
                elif isinstance(record, RuleEvent | UserInput):
                    pending.append((record.t_ns, event_note_text(record)))
                elif collector is None:
                    continue
                elif isinstance(record, SampleFrame):
                    if record.source_id == collector.source.source_id:
                        collector.frame(record)
                elif isinstance(record, Gap):
                    if record.source_id == collector.source.source_id:
                        collector.gap(record)
                elif isinstance(record, ConfigChange) and collector.pipeline is not None:
                    _apply_config(collector.pipeline, collector.source, record)
        sources = tuple(reader.sources)
        name = reader.name
    if collector is None:
        wanted = f"no source {source_id!r}" if source_id else "no sources"
        raise ReplayError(f"{name}: the recording holds {wanted}",
                          hint=f"sources in the file: {', '.join(sources) or 'none'}")
    if collector.start_t_ns is None:
        raise ReplayError(f"{name}: source {collector.source.source_id!r} has no samples",
                          hint="there is nothing to export")
    start = collector.start_t_ns
    n_channels = collector.source.n_channels
    samples = (np.concatenate(collector.blocks) if collector.blocks
               else np.zeros((0, n_channels)))
    notes = [TimedNote(max(0, t_ns - start) / NS_PER_S, None, text) for t_ns, text in pending]
    notes.extend(collector.gaps)
    notes.sort(key=lambda note: note.onset_s)
    arrays = None
    if collector.pipeline is not None:
        arrays = ProcessedArrays(
            envelope=np.concatenate(collector.envelope),
            pct_mvc=np.concatenate(collector.pct),
            quality=np.concatenate(collector.quality),
            band=np.concatenate(collector.band),
            calibrated=collector.calibrated,
        )
    return SourceArrays(
        source=collector.source, samples=samples, start_t_ns=start, notes=tuple(notes),
        other_sources=tuple(s for s in sources if s != collector.source.source_id),
        processed=arrays, gaps=len(collector.gaps), session_config=config,
    )


def _pipeline(source: SourceInfo, mains_hz: float | Literal["recorded"] | None,
              config: Mapping[str, Any]) -> Pipeline:
    if mains_hz == "recorded":
        recorded = config.get("mains_hz", DEFAULT_MAINS_HZ)
        if recorded is not None and (isinstance(recorded, bool)
                                     or not isinstance(recorded, int | float)):
            raise ReplayError(f"the recording's mains_hz setting is {recorded!r}",
                              hint="give --mains 50, 60 or none")
        mains_hz = None if recorded is None else float(recorded)
    pipeline = Pipeline(PipelineConfig.for_source(source, mains_hz=mains_hz))
    training = config.get("training")
    start = training.get("calibration") if isinstance(training, Mapping) else None
    if start is not None:
        calibration = Calibration.from_plain(start)
        if calibration.channels == source.labels:
            pipeline.set_calibration(calibration)
    return pipeline


def _apply_config(pipeline: Pipeline, source: SourceInfo, change: ConfigChange) -> None:
    if change.key != CALIBRATION_KEY:
        return
    if change.value is None:
        pipeline.set_calibration(None)
        return
    calibration = Calibration.from_plain(change.value)
    if calibration.channels == source.labels:  # else another source's calibration
        pipeline.set_calibration(calibration)
