"""Describe a replay file: its sources, duration, counts, gaps, calibration, protocol and summary.

One streaming pass with bounded memory: lists (gaps, calibrations, errors) keep their first
:data:`LIST_LIMIT` entries and count the rest. Truncated and corrupt files are described up to
where they can be trusted, with the verdict alongside.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from engine.clock import NS_PER_S
from engine.errors import CorruptReplayError
from engine.messages import (
    ConfigChange,
    ErrorReport,
    Gap,
    PlainValue,
    Record,
    RuleEvent,
    SampleFrame,
    UserInput,
)
from engine.printable import escape_controls, escape_json_controls, finite_or_text
from engine.rules.config_changes import PROTOCOL_KEY
from engine.training import CALIBRATION_KEY
from replays.reader import ReplayReader, ReplayStatus
from replays.record_bounds import is_number

_CALIBRATION_NAME = CALIBRATION_KEY.rsplit(".", 1)[-1]
_PROTOCOL_NAME = PROTOCOL_KEY.rsplit(".", 1)[-1]
#: Most entries kept per listed item (gaps, calibrations, protocols, errors).
LIST_LIMIT = 50


@dataclass
class _SourceTally:
    samples: int = 0
    frames: int = 0
    first_t_ns: int | None = None
    end_t_ns: int | None = None
    gaps: int = 0
    missing_samples: int = 0
    uncounted_gaps: int = 0


@dataclass
class Inspection:
    """What ``myoplay inspect`` reports, as plain data (see :meth:`to_json`).

    Calibration and protocol entries have ``t_s`` None for the session's starting settings
    (from the header's ``training`` config) and the change's time otherwise.
    """

    file: str
    status: ReplayStatus
    header: dict[str, Any]
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    calibration: list[dict[str, Any]] = field(default_factory=list)
    protocol: list[dict[str, Any]] = field(default_factory=list)
    config_keys: dict[str, int] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    summary: PlainValue = None
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": {
                "state": self.status.state,
                "record_index": self.status.record_index,
                "verified_records": self.status.verified_records,
                "verdict": self.status.describe(),
            },
            "header": self.header,
            "duration_s": self.duration_s,
            "sources": self.sources,
            "counts": self.counts,
            "gaps": self.gaps,
            "calibration": self.calibration,
            "protocol": self.protocol,
            "config_keys": self.config_keys,
            "inputs": self.inputs,
            "events": self.events,
            "errors": self.errors,
            "summary": self.summary,
        }

    def render(self) -> str:
        """A human-readable report, one fact per line."""
        h = self.header
        lines = [
            f"file:      {self.file}",
            f"verdict:   {self.status.describe()}",
            f"format:    {h['format_version']} (engine {h['engine_version']}, seed {h['seed']})",
            "libraries: " + _pairs(h["library_versions"]),
            f"duration:  {self.duration_s:.3f} s",
            "sources:",
        ]
        for source_id, s in self.sources.items():
            labels = ", ".join(f"{c['label']} ({c['muscle'] or '?'}, {c['side']})"
                               for c in s["channels"])
            lines += [
                f"  {source_id}: {s['name']} [{s['kind']}] {s['rate_hz']:g} Hz, "
                f"{len(s['channels'])} ch {s['dtype']} × {s['scale']:g} {s['unit']}, "
                f"clock {s['device_clock']}",
                f"    channels: {labels}",
                f"    {s['samples']} samples in {s['frames']} frames, {s['duration_s']:.3f} s; "
                f"{s['gaps']} gaps, {s['missing_samples']} samples missing"
                + (f", {s['uncounted_gaps']} gaps of unknown length" if s["uncounted_gaps"]
                   else ""),
            ]
        lines.append("records:   " + _pairs(self.counts))
        for title, entries in (("calibration", self.calibration), ("protocol", self.protocol)):
            lines.append(f"{title}:" if entries else f"{title}: none")
            lines += [
                f"  {_when(e['t_s'])} {e['key']} = {_brief(e['value'])}" for e in entries
            ]
        if self.config_keys:
            lines.append("config:    " + _pairs(self.config_keys))
        if self.gaps:
            lines.append("gaps:")
            lines += [
                f"  {g['source']} at {g['t_s']:.3f} s: "
                f"{g['n_missing'] if g['n_missing'] >= 0 else '?'} samples "
                f"({g['duration_s']:.3f} s, {g['reason']})"
                for g in self.gaps
            ]
        if self.inputs:
            lines.append("inputs:    " + _pairs(self.inputs))
        if self.events:
            lines.append("events:    " + _pairs(self.events))
        lines += [f"error:     at {e['t_s']:.3f} s {e['actor']}: {e['message']}"
                  for e in self.errors]
        summary = json_text(self.summary) if self.summary is not None else "none"
        lines.append(f"summary:   {summary}")
        # Every line's text comes partly from the file: escaped, no label can clear the screen
        # or start a line of its own.
        return "\n".join(escape_controls(line) for line in lines)


def json_text(value: object, *, indent: int | None = None) -> str:
    """Valid JSON for reports: non-finite floats as "NaN" / "Infinity" / "-Infinity" text, the
    rare bytes value (allowed in records) as hex, control characters as \\u escapes."""
    text = json.dumps(_json_ready(value), indent=indent, sort_keys=True, ensure_ascii=False,
                      allow_nan=False)
    return escape_json_controls(text)


def _json_ready(value: object) -> object:
    """``value`` with what JSON cannot hold replaced (see :func:`json_text`)."""
    if isinstance(value, float):
        return finite_or_text(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def _when(t_s: float | None) -> str:
    return "at start" if t_s is None else f"at {t_s:.3f} s"


def _brief(value: Any) -> str:
    """A protocol by its id and name, a calibration by its references; anything else as JSON."""
    if isinstance(value, dict) and "id" in value and "name" in value:
        return f"{value['id']} ({value['name']})"
    if isinstance(value, dict) and isinstance(value.get("reference_uv"), list):
        channels = value["channels"] if isinstance(value.get("channels"), list) else []
        pairs = ", ".join(f"{c} {_number(r)} µV" for c, r in zip(channels, value["reference_uv"],
                                                                 strict=False))
        return f"{value.get('kind', '?')} reference: {pairs}"
    return json_text(value)


def _number(value: object) -> str:
    """A number as ``:g`` shows it; anything else (a file may hold text there) as JSON."""
    return f"{value:g}" if is_number(value) else json_text(value)


def _pairs(values: Mapping[str, object]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(values.items())) or "none"


def _t_s(t_ns: int) -> float:
    return t_ns / NS_PER_S


def _keep(entries: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    if len(entries) < LIST_LIMIT:
        entries.append(entry)


def inspect_replay(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Inspection:
    """Read a replay file once and describe it (its verdict included)."""
    reader = ReplayReader(source, allow_truncated=True, on_progress=on_progress)
    header = reader.header
    report = Inspection(
        file=reader.name,
        status=ReplayStatus("truncated", -1, 0),
        header={
            "format_version": f"{header.version[0]}.{header.version[1]}",
            "engine_version": header.engine_version,
            "library_versions": dict(header.library_versions),
            "seed": header.seed,
            "config": dict(header.config),
        },
    )
    training = header.config.get("training")
    if isinstance(training, dict):
        # The session's starting settings live in the header (see actors/session.py).
        for key, entries in (("protocol", report.protocol), ("calibration", report.calibration)):
            if training.get(key) is not None:
                entries.append({"t_s": None, "key": f"training.{key}", "value": training[key]})
    tallies: dict[str, _SourceTally] = {}
    counts: Counter[str] = Counter()
    config_keys: Counter[str] = Counter()
    inputs: Counter[str] = Counter()
    events: Counter[str] = Counter()
    with reader:
        try:
            for record in reader:
                counts[record.TAG] += 1
                _tally(record, reader, tallies, report, config_keys, inputs, events)
            report.status = reader.status or report.status
        except CorruptReplayError as error:
            report.status = ReplayStatus.corrupt(error, reader.last_verified_record + 1)
    for source_id, info in reader.sources.items():
        tally = tallies.get(source_id, _SourceTally())
        span_ns = (
            tally.end_t_ns - tally.first_t_ns
            if tally.first_t_ns is not None and tally.end_t_ns is not None
            else 0
        )
        report.sources[source_id] = {
            "name": info.name,
            "kind": info.kind,
            "rate_hz": info.rate_hz,
            "dtype": info.dtype,
            "scale": info.scale,
            "unit": info.unit,
            "device_clock": info.device_clock,
            "channels": [
                {"label": c.label, "muscle": c.muscle, "side": c.side.value}
                for c in info.channels
            ],
            "samples": tally.samples,
            "frames": tally.frames,
            "duration_s": _t_s(span_ns),
            "gaps": tally.gaps,
            "missing_samples": tally.missing_samples,
            "uncounted_gaps": tally.uncounted_gaps,
        }
    starts = [t.first_t_ns for t in tallies.values() if t.first_t_ns is not None]
    ends = [t.end_t_ns for t in tallies.values() if t.end_t_ns is not None]
    report.duration_s = _t_s(max(ends) - min(starts)) if starts and ends else 0.0
    if reader.end is not None:
        report.counts = dict(reader.end.counts)
    else:
        report.counts = dict(counts)
    report.config_keys = dict(config_keys)
    report.inputs = dict(inputs)
    report.events = dict(events)
    report.summary = dict(reader.summary) if reader.summary is not None else None
    return report


def _tally(
    record: Record,
    reader: ReplayReader,
    tallies: dict[str, _SourceTally],
    report: Inspection,
    config_keys: Counter[str],
    inputs: Counter[str],
    events: Counter[str],
) -> None:
    if isinstance(record, SampleFrame):
        tally = tallies.setdefault(record.source_id, _SourceTally())
        tally.samples += record.n_samples
        tally.frames += 1
        if tally.first_t_ns is None:
            tally.first_t_ns = record.t_ns
        end_ns = record.end_t_ns(reader.sources[record.source_id].rate_hz)
        tally.end_t_ns = end_ns if tally.end_t_ns is None else max(tally.end_t_ns, end_ns)
    elif isinstance(record, Gap):
        tally = tallies.setdefault(record.source_id, _SourceTally())
        tally.gaps += 1
        if record.n_missing >= 0:
            tally.missing_samples += record.n_missing
        else:
            tally.uncounted_gaps += 1
        _keep(report.gaps, {
            "source": record.source_id,
            "first_index": record.first_index,
            "n_missing": record.n_missing,
            "t_s": _t_s(record.t_ns),
            "duration_s": _t_s(record.duration_ns),
            "reason": record.reason,
        })
    elif isinstance(record, ConfigChange):
        config_keys[record.key] += 1
        entry = {"t_s": _t_s(record.t_ns), "key": record.key, "value": record.value}
        # A key is "component.name" (CALIBRATION_KEY, PROTOCOL_KEY); the name decides, so files
        # whose writer named the component otherwise (or not at all) are listed too.
        name = record.key.rsplit(".", 1)[-1]
        if name == _CALIBRATION_NAME:
            _keep(report.calibration, entry)
        elif name == _PROTOCOL_NAME:
            _keep(report.protocol, entry)
    elif isinstance(record, UserInput):
        inputs[record.kind] += 1
    elif isinstance(record, RuleEvent):
        events[record.kind] += 1
    elif isinstance(record, ErrorReport):
        _keep(report.errors, {"t_s": _t_s(record.t_ns), "actor": record.actor,
                              "message": record.message})
