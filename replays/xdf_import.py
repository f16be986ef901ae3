"""Read one stream of an XDF file (what LabRecorder writes from LSL streams) as a recording to
import, with the file's marker streams as markers.

The stream is chosen by name or by type (``EMG`` by default; the only numeric stream when no
stream is of that type); it must have a nominal rate. Its channel labels and units come from
the stream's description (``desc/channels/channel/label|unit``, and ``muscle`` and ``side``
when the sender states them, as myoplay's own outlets do), voltages converted to µV (a
stream that states no unit is read as µV, with a warning). Time stamps come from pyxdf with the
clock offsets applied but not dejittered, so a hole in them (at least :data:`MIN_GAP_S` and two
samples more than the rate allows) becomes a gap; the markers of string streams are placed by
their own time stamps on the same clock. Reading is pyxdf's, which recovers from damaged chunks
by scanning for the next one: what it reports then becomes warning lines, and a file it cannot
read at all is one :class:`ReplayError` naming it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ConfigError, ReplayError
from engine.messages import Side
from replays.imported_recording import (
    ForeignRecording,
    Marker,
    display_name,
    unique_labels,
    volts_factor_uv,
)

#: The stream type taken when none is chosen.
DEFAULT_STREAM_TYPE = "EMG"
#: Shortest hole in the time stamps taken as a gap (s); shorter ones are timing jitter.
MIN_GAP_S = 0.01
#: Warnings kept from a damaged file (the rest are counted).
MAX_WARNINGS = 5


def read_xdf_recording(path: Path, *, stream_name: str | None = None,
                       stream_type: str | None = None) -> tuple[ForeignRecording, list[str]]:
    """The chosen stream of the XDF file ``path`` and its markers, and lines about what was
    left out or repaired."""
    # Imported here, not with the module: every myoplay command imports this module, and
    # loading pyxdf would cost each of them its time and address space.
    import pyxdf  # type: ignore[import-untyped]  # ships no type information

    name = display_name(path)
    with _pyxdf_messages() as messages:
        try:
            streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
        except OSError as error:
            if error.strerror is None:  # pyxdf's "Invalid XDF file": no XDF: magic
                raise ReplayError(f"{name}: not an XDF file (it does not start with 'XDF:')",
                                  hint="give an .xdf file as LabRecorder writes it") from None
            raise ReplayError(f"cannot read {name}: {error.strerror}") from None
        except Exception as error:  # a foreign parser: any failure means a bad file
            raise ReplayError(f"{name}: not a readable XDF file "
                              f"({type(error).__name__}: {str(error)[:160]})",
                              hint="check that it is a complete XDF file") from None
    notes = [f"warning: {name}: {m}" for m in messages[:MAX_WARNINGS]]
    if len(messages) > MAX_WARNINGS:
        notes.append(f"warning: {name}: {len(messages) - MAX_WARNINGS} more problems")
    described = [_Stream(s) for s in streams]
    chosen = _choose(name, described, stream_name, stream_type)
    samples, timestamps = chosen.samples(name)
    factor, unit_note = _factor(name, chosen)
    if unit_note:
        notes.append(f"warning: {name}: {unit_note}")
    rate = chosen.rate_hz
    gaps = _gaps(timestamps, rate)
    start = float(timestamps[0])
    markers = []
    for stream in described:
        if stream is chosen or not stream.is_text:
            continue
        for stamp, row in zip(stream.timestamps, stream.series, strict=False):
            if not math.isfinite(float(stamp)):
                continue
            text = " ".join(str(v) for v in row)
            markers.append(Marker(round((float(stamp) - start) * rate),
                                  {"stream": stream.name, "marker": text}))
    notes.extend(f"left out: stream {s.name!r} ({s.kind or 'no type'})"
                 for s in described if s is not chosen and not s.is_text)
    labels = unique_labels(chosen.labels())
    recording = ForeignRecording(
        file_format="xdf", name=name, labels=labels, rate_hz=rate, muscles=chosen.muscles(labels),
        unit="uV", samples=samples * factor, markers=tuple(markers), gaps=gaps,
        details={"stream": chosen.name, "stream_type": chosen.kind},
    )
    return recording, notes


class _Stream:
    """One stream of the file, as pyxdf gives it, with checked access."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        info = raw.get("info", {})
        self.name = _first(info, "name")
        self.kind = _first(info, "type")
        self.format = _first(info, "channel_format")
        try:
            self.rate_hz = float(_first(info, "nominal_srate") or 0)
        except ValueError:
            self.rate_hz = 0.0
        self.info = info
        self.series = raw.get("time_series", [])
        self.timestamps = np.asarray(raw.get("time_stamps", []), dtype=np.float64)
        self.is_text = self.format == "string"

    def labels(self) -> list[str]:
        channels = self.channels()
        count = self.channel_count()
        found = [_first(c, "label") for c in channels][:count]
        return found + [f"ch{i + 1}" for i in range(len(found), count)]

    def muscles(self, labels: Sequence[str]) -> dict[str, tuple[str, Side]]:
        """The muscle and side each channel states (as myoplay's own LSL outlets write
        ``channel/muscle`` and ``channel/side``), by the imported labels."""
        found = {}
        for label, channel in zip(labels, self.channels(), strict=False):
            muscle, side = _first(channel, "muscle"), _first(channel, "side").lower()
            if muscle and side in {s.value for s in Side}:
                found[label] = (muscle, Side(side))
        return found

    def units(self) -> list[str]:
        return [_first(c, "unit") for c in self.channels()]

    def channel_count(self) -> int:
        try:
            return int(_first(self.info, "channel_count"))
        except ValueError:
            return 0

    def channels(self) -> list[Mapping[str, Any]]:
        desc = self.info.get("desc")
        desc = desc[0] if isinstance(desc, list) and desc else desc
        if not isinstance(desc, Mapping):
            return []
        holder = desc.get("channels")
        holder = holder[0] if isinstance(holder, list) and holder else holder
        if not isinstance(holder, Mapping):
            return []
        channels = holder.get("channel", [])
        return [c for c in channels if isinstance(c, Mapping)] if isinstance(channels,
                                                                             list) else []

    def samples(self, name: str) -> tuple[np.ndarray[Any, np.dtype[np.float64]],
                                          np.ndarray[Any, np.dtype[np.float64]]]:
        try:
            series = np.asarray(self.series, dtype=np.float64)
        except (TypeError, ValueError):
            raise ReplayError(f"{name}: stream {self.name!r} holds values that are not "
                              f"numbers") from None
        if series.ndim != 2 or series.shape[0] == 0 or series.shape[1] == 0:
            raise ReplayError(f"{name}: stream {self.name!r} holds no samples")
        if len(self.timestamps) != series.shape[0]:
            raise ReplayError(f"{name}: stream {self.name!r} has {series.shape[0]} samples but "
                              f"{len(self.timestamps)} time stamps")
        bad = np.flatnonzero(~np.isfinite(self.timestamps)
                             | np.concatenate([[False], np.diff(self.timestamps) < 0]))
        if bad.size:
            raise ReplayError(f"{name}: stream {self.name!r}: the time stamp of sample "
                              f"{int(bad[0])} is not finite or goes back in time",
                              hint="the file is damaged there")
        return series, self.timestamps


def _first(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) else ""


def _choose(name: str, streams: list[_Stream], stream_name: str | None,
            stream_type: str | None) -> _Stream:
    if not streams:
        raise ReplayError(f"{name}: the file holds no streams",
                          hint="check that it is a complete XDF file")
    listed = ", ".join(f"{s.name!r} ({s.kind or 'no type'}, {s.rate_hz:g} Hz)"
                       for s in streams) or "none"
    if stream_name is not None:
        found = [s for s in streams if s.name == stream_name]
        what = f"no stream named {stream_name!r}"
    else:
        wanted = (stream_type or DEFAULT_STREAM_TYPE).lower()
        found = [s for s in streams if s.kind.lower() == wanted]
        what = f"no stream of type {stream_type or DEFAULT_STREAM_TYPE!r}"
        if not found and stream_type is None:
            numeric = [s for s in streams if not s.is_text]
            found = numeric if len(numeric) == 1 else []
    if not found:
        raise ConfigError(f"{name}: {what}", hint=f"choose with --stream NAME or "
                          f"--stream-type TYPE; streams: {listed}")
    if len(found) > 1:
        raise ConfigError(f"{name}: {len(found)} streams match", hint=f"choose one with "
                          f"--stream NAME; streams: {listed}")
    stream = found[0]
    if stream.is_text:
        raise ConfigError(f"{name}: stream {stream.name!r} holds text (markers), not samples")
    if not (math.isfinite(stream.rate_hz) and stream.rate_hz > 0):
        raise ConfigError(f"{name}: stream {stream.name!r} has no regular sampling rate",
                          hint="only streams with a nominal rate can be imported")
    return stream


def _factor(name: str, stream: _Stream) -> tuple[np.ndarray[Any, np.dtype[np.float64]], str | None]:
    """Per-channel factors to µV, and a warning when the stream states no unit."""
    units = stream.units()
    count = stream.channel_count()
    if not any(units):
        return np.ones(count), "the stream states no unit: read as uV"
    factors = []
    for label, unit in zip(stream.labels(), units + [""] * (count - len(units)), strict=True):
        factor = volts_factor_uv(unit) if unit else None
        if factor is None:
            raise ReplayError(f"{name}: stream {stream.name!r}: channel {label!r} is in "
                              f"{unit!r}, not a voltage",
                              hint="only voltage (EMG) streams are imported")
        factors.append(factor)
    return np.asarray(factors), None


def _gaps(timestamps: np.ndarray[Any, np.dtype[np.float64]], rate_hz: float
          ) -> tuple[tuple[int, int, str], ...]:
    """Holes in the time stamps as (row, missing samples, reason)."""
    steps = np.diff(timestamps) * rate_hz
    min_missing = max(2, round(MIN_GAP_S * rate_hz))
    gaps = []
    for row in np.flatnonzero(np.rint(steps) - 1 >= min_missing):
        missing = int(np.rint(steps[row])) - 1
        gaps.append((int(row) + 1, missing, "time stamps of the XDF stream"))
    return tuple(gaps)


@contextmanager
def _pyxdf_messages() -> Iterator[list[str]]:
    """What pyxdf logs (it logs damaged chunks and goes on) as a list, not on the console."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage().splitlines()[0][:200])

    logger = logging.getLogger("pyxdf")
    handler = _Collect()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
