"""What a session publishes over Lab Streaming Layer, as plain data: streams and their rows.

Pure (no pylsl, no Trio), so the shapes LabRecorder and XDF readers see are tested without a
network. A station publishes four streams, each with a source id stable for the station (so a
recorder or a dashboard that lost a stream finds the same one again):

=============  ==========  =========  ===========================================
stream         type        format     rows
=============  ==========  =========  ===========================================
raw EMG        ``EMG``     float32    every sample, µV (raw counts × scale)
envelope       ``EMG``     float32    every processed sample, µV
%MVC           ``EMG``     float32    every processed sample, %MVC; NaN where it is
                                      withheld (a quality flag, or no calibration)
events         ``Markers`` string     one JSON object per judgement, input, gap or error
=============  ==========  =========  ===========================================

Each numeric stream's description carries, per channel, ``label``, ``unit``, ``type``,
``muscle`` and ``side`` under ``channels/channel`` (the XDF meta-data convention), so a
recording made by LabRecorder says what each column is. Times are session seconds here; the
outlet actor adds the LSL clock's offset.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.calibration import Calibration, Normalisation
from engine.clock import NS_PER_S
from engine.messages import (
    ConfigChange,
    ErrorReport,
    Gap,
    ProcessedBlock,
    Record,
    RuleEvent,
    SampleFrame,
    SourceInfo,
    UserInput,
    canonical,
)
from engine.training import CALIBRATION_KEY

#: What the events stream calls an irregular rate (LSL's ``IRREGULAR_RATE``).
IRREGULAR_RATE_HZ = 0.0
#: The LSL content type of the events stream (what LabRecorder lists as markers).
MARKERS_TYPE = "Markers"
EMG_TYPE = "EMG"


class StreamKind(enum.Enum):
    """The streams a station publishes; the value ends each stream's source id."""

    RAW = "raw"
    ENVELOPE = "envelope"
    PCT_MVC = "pct_mvc"
    EVENTS = "events"
    STATE = "state"
    """The station's state for a clinic dashboard (``play --publish``; see
    :mod:`actors.station_outlet`)."""


#: The streams of a session's signal and judgements (``--lsl``; ``--publish`` adds STATE).
SIGNAL_KINDS = (StreamKind.RAW, StreamKind.ENVELOPE, StreamKind.PCT_MVC, StreamKind.EVENTS)


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One column of a stream, as its description states it."""

    label: str
    unit: str
    type: str
    muscle: str = ""
    side: str = ""


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One LSL stream: its name, content type, rate (0: irregular), format and channels."""

    kind: StreamKind
    name: str
    type: str
    source_id: str
    rate_hz: float
    channel_format: str
    channels: tuple[ChannelSpec, ...]
    station: str
    device: str
    """The sensor's name (the description's ``acquisition/model``)."""


def station_source_id(station: str, kind: StreamKind) -> str:
    """The source id of ``station``'s ``kind`` stream: the same every session, so LSL
    recorders and dashboards re-find a station after it restarts."""
    return f"myoplay:{station}:{kind.value}"


def session_streams(station: str, source: SourceInfo) -> tuple[StreamSpec, ...]:
    """The four streams a session on ``source`` publishes as ``station``."""

    def columns(unit: str) -> tuple[ChannelSpec, ...]:
        return tuple(ChannelSpec(c.label, unit, EMG_TYPE, c.muscle, c.side.value)
                     for c in source.channels)

    def spec(kind: StreamKind, title: str, type_: str, rate_hz: float, channel_format: str,
             channels: tuple[ChannelSpec, ...]) -> StreamSpec:
        return StreamSpec(kind, f"myoplay {station} {title}", type_,
                          station_source_id(station, kind), rate_hz, channel_format, channels,
                          station, source.name)

    return (
        spec(StreamKind.RAW, "EMG", EMG_TYPE, source.rate_hz, "float32", columns("microvolts")),
        spec(StreamKind.ENVELOPE, "envelope", EMG_TYPE, source.rate_hz, "float32",
             columns("microvolts")),
        spec(StreamKind.PCT_MVC, "%MVC", EMG_TYPE, source.rate_hz, "float32",
             columns("percent_mvc")),
        spec(StreamKind.EVENTS, "events", MARKERS_TYPE, IRREGULAR_RATE_HZ, "string",
             (ChannelSpec("event", "json", MARKERS_TYPE),)),
    )


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows for one stream: ``values`` (samples, channels) or JSON strings, with each row's
    session time in seconds."""

    kind: StreamKind
    values: npt.NDArray[np.float32] | list[str]
    times_s: npt.NDArray[np.float64]


def marker_json(record: Record) -> str:
    """A record as the events stream's JSON: its tag as ``type`` and its named fields."""
    assert dataclasses.is_dataclass(record)  # every record type is a dataclass
    fields = {f.name: canonical(getattr(record, f.name)) for f in dataclasses.fields(record)}
    return json.dumps({"type": record.TAG, **fields}, sort_keys=True, ensure_ascii=False)


#: Records that go out on the events stream.
MARKER_RECORDS = (RuleEvent, UserInput, ConfigChange, Gap, ErrorReport)


class LslFeed:
    """Turns a session's frames, processed blocks and records into rows for the streams.

    %MVC uses the calibration in effect at each sample: the session's own at the start, then
    each calibration record from its stamp on. The rules stamp a new calibration when they
    judge the block it ends in, which may reach this feed after that block's envelopes, so a
    few samples right after a mid-session calibration can go out as NaN (withheld), never with
    a calibration that was not yet in effect.
    """

    def __init__(self, source: SourceInfo, calibration: Calibration | None = None) -> None:
        self.source = source
        self._scale = np.float32(source.scale)
        self._steps: list[tuple[int, Normalisation, npt.NDArray[np.bool_]]] = []
        if calibration is not None:
            self._use(0, calibration)

    def _use(self, t_ns: int, calibration: Calibration) -> None:
        self._steps.append((t_ns, Normalisation.of(calibration),
                            np.asarray(calibration.calibrated, dtype=bool)))

    def take(self, item: Record | ProcessedBlock) -> list[Chunk]:
        """The rows ``item`` gives (none for what is not published)."""
        if isinstance(item, SampleFrame):
            if item.source_id != self.source.source_id or not item.n_samples:
                return []
            values = (item.data.astype(np.float32) * self._scale).astype(np.float32)
            return [Chunk(StreamKind.RAW, values, self._times(item.sample_times_ns(
                self.source.rate_hz)))]
        if isinstance(item, ProcessedBlock):
            return self._processed(item) if item.n_samples else []
        if isinstance(item, ConfigChange) and item.key == CALIBRATION_KEY:
            self._use(item.t_ns, Calibration.from_plain(item.value))
        if isinstance(item, MARKER_RECORDS):
            t_ns = item.t_ns
            return [Chunk(StreamKind.EVENTS, [marker_json(item)],
                          np.array([t_ns / NS_PER_S], dtype=np.float64))]
        return []

    def _processed(self, block: ProcessedBlock) -> list[Chunk]:
        times_ns = block.sample_times_ns()
        times_s = self._times(times_ns)
        envelope = np.asarray(block.envelope_uv, dtype=np.float64)
        pct = np.full(envelope.shape, np.nan, dtype=np.float64)
        for i, (from_ns, normalisation, calibrated) in enumerate(self._steps):
            until_ns = self._steps[i + 1][0] if i + 1 < len(self._steps) else None
            rows = times_ns >= from_ns
            if until_ns is not None:
                rows &= times_ns < until_ns
            if rows.any():
                pct[rows] = np.where(calibrated, normalisation.apply(envelope[rows])[1], np.nan)
        pct[np.asarray(block.quality) != 0] = np.nan
        return [Chunk(StreamKind.ENVELOPE, envelope.astype(np.float32), times_s),
                Chunk(StreamKind.PCT_MVC, pct.astype(np.float32), times_s)]

    @staticmethod
    def _times(times_ns: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.asarray(times_ns, dtype=np.float64) / NS_PER_S
