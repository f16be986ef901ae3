"""Write a recording read from another format (EDF+/BDF+, C3D, XDF) as a replay file.

The importers each parse their format into :class:`ForeignRecording` (samples in one unit at one
rate, markers with their times, gaps); this writes it the way the CSV importer does: float64
samples in frames of :data:`~replays.csv_import.FRAME_S`, markers as ``marker`` inputs, to a
temporary file beside the target renamed only when complete, never over the input, a device,
or (without ``overwrite``) an existing file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engine.clock import sample_offset_ns
from engine.errors import ConfigError, MessageFormatError, ReplayError
from engine.messages import Gap, PlainValue, SampleFrame, Side, SourceInfo, UserInput, canonical
from engine.printable import escape_controls
from engine.protocol import Protocol, builtin_protocol
from engine.rules.muscle_columns import map_muscles
from engine.training import TrainingConfig
from replays.channel_map import mapped_channels
from replays.csv_import import (
    DEFAULT_PROTOCOL,
    FRAME_S,
    MARKER_INPUT,
    check_target,
    replacing,
)
from replays.import_calibration import CalibrationPlan, ImportedCalibration, calibrate
from replays.record_bounds import check_source_bounds
from replays.recording_arrays import GAP_NOTE, PADDING_NOTE
from replays.writer import RecordingWriter

_GAP_TEXT = re.compile(rf"^{re.escape(GAP_NOTE)}: (\d+) samples \((.*)\)$")
#: Factors to µV of the voltage units other formats write (EDF's "uV", C3D's "V", XDF's "µV").
VOLT_UNITS_UV = {"v": 1e6, "mv": 1e3, "uv": 1.0, "µv": 1.0, "μv": 1.0, "microvolts": 1.0,
                 "millivolts": 1e3, "volts": 1e6, "nv": 1e-3}


def volts_factor_uv(unit: str) -> float | None:
    """The factor from ``unit`` to µV, or None when it is not a voltage."""
    return VOLT_UNITS_UV.get(unit.strip().lower())


@dataclass(frozen=True, slots=True)
class Marker:
    """Something marked at ``sample_index`` (e.g. an EDF annotation, a C3D event): the index
    in the recording's time, gaps included (sample_index / rate is the time in seconds)."""

    sample_index: int
    value: Mapping[str, PlainValue]


@dataclass(frozen=True, slots=True)
class ForeignNote:
    """An annotation or event of a foreign file at ``sample_index`` (gaps included, as in
    :class:`Marker`): ``text`` is what myoplay's own export would have written there, ``value``
    the marker it becomes otherwise."""

    sample_index: int
    text: str
    value: Mapping[str, PlainValue]


def apply_notes(samples: npt.NDArray[np.float64], notes: Sequence[ForeignNote]) -> tuple[
        npt.NDArray[np.float64], tuple[Marker, ...], tuple[tuple[int, int, str], ...]]:
    """The samples, markers and gaps the notes say: myoplay's gap notes take their zero-filled
    samples out again and become gaps, its padding note drops the samples from it on, and every
    other note becomes a marker."""
    keep = np.ones(samples.shape[0], dtype=bool)
    markers: list[Marker] = []
    gaps: list[tuple[int, int, str]] = []
    for note in notes:
        start = max(0, note.sample_index)
        found = _GAP_TEXT.match(note.text)
        if note.text == PADDING_NOTE:
            keep[start:] = False
        elif found:
            missing = int(found.group(1))
            keep[start:start + missing] = False
            gaps.append((start, missing, found.group(2)))
        else:
            markers.append(Marker(start, note.value))
    # A gap's rows are gone: its place is the row of the samples before which it falls (none
    # for a gap past the samples' end: nothing comes after it).
    removed_before = np.concatenate([[0], np.cumsum(~keep)])
    rows = tuple((start - int(removed_before[start]), missing, reason)
                 for start, missing, reason in gaps if start < len(keep))
    return samples[keep], tuple(markers), rows


@dataclass(frozen=True, slots=True)
class ForeignRecording:
    """A recording read from another format, ready to write."""

    file_format: str
    name: str
    labels: tuple[str, ...]
    rate_hz: float
    unit: str
    samples: npt.NDArray[np.float64]
    """(samples, channels) in ``unit``; rows of gaps are left out."""
    markers: tuple[Marker, ...] = ()
    gaps: tuple[tuple[int, int, str], ...] = ()
    """(row of ``samples`` before which it falls, missing samples, reason)."""
    details: Mapping[str, PlainValue] = field(default_factory=dict)
    muscles: Mapping[str, tuple[str, Side]] = field(default_factory=dict)
    """The muscle and side the file states per channel label (``--map`` overrides them)."""


@dataclass(frozen=True, slots=True)
class ForeignImportResult:
    """What an import wrote."""

    samples: int
    labels: tuple[str, ...]
    rate_hz: float
    unit: str
    markers: int
    gaps: int
    calibration: ImportedCalibration | None = None


@dataclass(frozen=True, slots=True)
class ForeignCalibration:
    """A calibration to store with the import, as the CSV import makes one
    (:mod:`replays.import_calibration`): MVC efforts and a rest by their sample indices (the
    quietest 2 s when no rest is given), or references given per channel; and the protocol a
    replay judges by."""

    efforts: tuple[tuple[int, int], ...] = ()
    rest: tuple[int, int] | None = None
    references: Mapping[str, float] = field(default_factory=dict)
    protocol: Protocol | None = None
    """None: the default protocol (``play``'s)."""


def write_imported(
    recording: ForeignRecording,
    input_path: Path,
    target: Path,
    *,
    overwrite: bool = False,
    channel_map: Mapping[str, tuple[str, Side]] | None = None,
    mains_hz: float | None = 50.0,
    calibration: ForeignCalibration | None = None,
) -> ForeignImportResult:
    """Write ``recording`` (read from ``input_path``) as the replay file ``target``, with a
    calibration and protocol in its session settings when ``calibration`` asks for one."""
    if not (math.isfinite(recording.rate_hz) and recording.rate_hz > 0):
        raise ReplayError(f"{recording.name}: sampling rate {recording.rate_hz!r} is not a "
                          f"positive number of Hz")
    if recording.samples.shape[0] == 0:
        raise ReplayError(f"{recording.name}: no samples to import")
    if not np.isfinite(recording.samples).all():
        row = int(np.argwhere(~np.isfinite(recording.samples))[0][0])
        raise ReplayError(f"{recording.name}: sample {row} is not a finite number")
    source = _source(recording, {**recording.muscles, **(channel_map or {})})
    settings: dict[str, PlainValue] = {
        "import": {"file": recording.name, "format": recording.file_format,
                   "rate_hz": float(recording.rate_hz), "unit": recording.unit,
                   **recording.details},
        "mains_hz": mains_hz,
    }
    imported = None
    if calibration is not None:
        protocol = calibration.protocol or builtin_protocol(DEFAULT_PROTOCOL)
        if calibration.protocol is not None:
            map_muscles(protocol, source.channels, None)
        plan = CalibrationPlan(efforts=calibration.efforts, rest=calibration.rest,
                               references=dict(calibration.references))
        imported = calibrate(source, mains_hz, _items(recording, source), plan)
        training = TrainingConfig(protocol=protocol, calibration=imported.calibration)
        settings["training"] = training.to_plain()
        settings["mode"] = protocol.modes[0]
    config = canonical(settings)
    assert isinstance(config, dict)
    with open(input_path, "rb") as handle:
        check_target(target, handle, overwrite)
    rate = recording.rate_hz
    markers = sorted(recording.markers, key=lambda m: m.sample_index)
    total = recording.samples.shape[0]
    gaps = 0
    with replacing(target, overwrite) as out:
        writer = RecordingWriter(out, config=config, sources=[source], fsync=False)
        try:
            next_marker = 0
            end = 0
            for item in _items(recording, source):
                gaps += isinstance(item, Gap)
                end = item.first_index + (item.n_missing if isinstance(item, Gap)
                                          else item.n_samples)
                while next_marker < len(markers) and markers[next_marker].sample_index < end:
                    marker = markers[next_marker]
                    writer.write(UserInput(sample_offset_ns(max(0, marker.sample_index), rate),
                                           MARKER_INPUT, dict(marker.value)))
                    next_marker += 1
                writer.write(item)
            for marker in markers[next_marker:]:  # after the last sample: at the end
                writer.write(UserInput(sample_offset_ns(end, rate), MARKER_INPUT,
                                       dict(marker.value)))
            writer.close(summary={"import": {"file": recording.name, "samples": total}})
        except BaseException:
            writer.abandon()
            raise
    return ForeignImportResult(total, recording.labels, rate, recording.unit, len(markers),
                               gaps, imported)


def _items(recording: ForeignRecording, source: SourceInfo) -> Iterator[SampleFrame | Gap]:
    """The recording's frames (of :data:`FRAME_S`) and gaps, in order."""
    rate = recording.rate_hz
    per_frame = max(1, round(FRAME_S * rate))
    gaps = sorted(g for g in recording.gaps if g[1] > 0)
    total = recording.samples.shape[0]
    index = 0  # absolute sample index (advances across gaps)
    row = 0
    seq = 0
    pending = 0
    while row < total:
        while pending < len(gaps) and gaps[pending][0] <= row:
            _, missing, reason = gaps[pending]
            start_ns = sample_offset_ns(index, rate)
            yield Gap(source.source_id, index, missing, start_ns,
                      sample_offset_ns(index + missing, rate) - start_ns, reason)
            index += missing
            pending += 1
        stop = min(total, row + per_frame, gaps[pending][0] if pending < len(gaps) else total)
        stop = max(stop, row + 1)
        yield SampleFrame(source.source_id, seq, index, sample_offset_ns(index, rate),
                          recording.samples[row:stop].astype("<f8"))
        seq += 1
        index += stop - row
        row = stop


def _source(recording: ForeignRecording,
            channel_map: Mapping[str, tuple[str, Side]]) -> SourceInfo:
    try:
        source = SourceInfo(
            source_id=recording.file_format, name=recording.name, kind=recording.file_format,
            rate_hz=float(recording.rate_hz),
            channels=mapped_channels(list(recording.labels), dict(channel_map)),
            dtype="<f8", scale=1.0, unit=recording.unit,
        )
        check_source_bounds(source)
    except MessageFormatError as error:
        raise ConfigError(f"{recording.name}: {error}",
                          hint="choose fewer channels or other labels") from None
    return source


def unique_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """Labels made printable, non-empty and distinct (a repeat gets ``#2``, ``#3``…)."""
    seen: dict[str, int] = {}
    out = []
    for i, label in enumerate(labels):
        text = escape_controls(label.strip())[:200] or f"ch{i + 1}"
        count = seen.get(text, 0) + 1
        seen[text] = count
        out.append(text if count == 1 else f"{text}#{count}")
    return tuple(out)


def display_name(path: str | os.PathLike[str]) -> str:
    """A file's name as it goes into the recording (control characters escaped)."""
    return escape_controls(Path(path).name)
