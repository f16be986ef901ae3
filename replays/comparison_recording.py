"""An exercise comparison analysed from a recording: its markers (a myoplay lab session's
events, an imported file's annotations), the stretches the player paused and the recording's
gaps, then :func:`engine.comparison_analysis.analyse_comparison` over the source read through
the engine's pipeline.

The one way a recording becomes a comparison: ``myoplay compare`` prints and files it, a batch
tabulates it, and filing an exercise-lab session (live with ``--client``, or ``history
rebuild``) files the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.comparison_analysis import (
    ComparisonAnalysis,
    ComparisonRows,
    MarkerNote,
    analyse_comparison,
    comparison_rows,
    paused_stretches,
    variation_spans,
)
from engine.errors import ConfigError
from engine.printable import escape_controls
from engine.protocol import Protocol, protocol_from_plain
from replays.reader import ReplayReader
from replays.recording_arrays import GAP_NOTE, SourceArrays, load_source

#: Keys of an imported marker's value that hold its text (EDF+ annotation, XDF marker, C3D
#: event label and description, CSV label column value).
_MARKER_TEXT_KEYS = ("annotation", "marker", "value", "label", "event", "description")


def checked_comparison(protocol: Protocol) -> Protocol:
    """``protocol`` if it is a comparison, else one line saying so."""
    if protocol.comparison is None:
        raise ConfigError(f"protocol {protocol.id!r} is a {protocol.kind!r} protocol, not a "
                          "comparison", hint="give one of kind 'compare' with --protocol, "
                          "e.g. compare_gluteus_maximus")
    return protocol


def recorded_protocol(config: Mapping[str, Any], path: Path) -> Protocol | None:
    """The protocol a recording's session settings name (None: they name none)."""
    training = config.get("training")
    plain = training.get("protocol") if isinstance(training, Mapping) else None
    return None if plain is None else protocol_from_plain(plain, f"{path}: protocol")


def own_comparison(config: Mapping[str, Any], path: Path) -> Protocol:
    """The comparison a recording was made with; one line when it names none or another
    kind of protocol."""
    protocol = recorded_protocol(config, path)
    if protocol is None:
        raise ConfigError(f"{escape_controls(str(path))} names no protocol",
                          hint="give the comparison with --protocol, e.g. "
                               "--protocol compare_gluteus_maximus")
    return checked_comparison(protocol)


def marker_notes(arrays: SourceArrays) -> list[MarkerNote]:
    """The recording's notes as markers: an imported marker's text (and duration), every
    other note (the lab's events) as written."""
    notes = []
    for note in arrays.notes:
        text, duration = note.text, note.duration_s
        if text.startswith("input marker "):
            try:
                value = json.loads(text.removeprefix("input marker "))
            except ValueError:
                value = None
            if isinstance(value, dict):
                text = next((str(value[k]) for k in _MARKER_TEXT_KEYS
                             if isinstance(value.get(k), str)), "")
                given = value.get("duration_s")
                if isinstance(given, int | float) and not isinstance(given, bool):
                    duration = float(given)
        notes.append(MarkerNote(note.onset_s, duration, text))
    return notes


def gap_rows(arrays: SourceArrays) -> list[tuple[int, int]]:
    """The (first row, rows) of ``arrays`` that fill the recording's gaps (their notes say
    where: rows so far, and length, in samples over the rate)."""
    rate = arrays.source.rate_hz
    return [(round(note.onset_s * rate), round((note.duration_s or 0.0) * rate))
            for note in arrays.notes if note.text.startswith(GAP_NOTE)]


def analyse_recording(arrays: SourceArrays, protocol: Protocol) -> ComparisonAnalysis:
    """The comparison ``protocol`` describes, analysed on a source read with
    ``processed=True``."""
    plan = protocol.comparison
    processed = arrays.processed
    if plan is None or processed is None:
        raise ConfigError(f"protocol {protocol.id!r} is not a comparison")
    source = arrays.source
    notes = marker_notes(arrays)
    spans = variation_spans(notes, plan, source.rate_hz, arrays.n_samples)
    return analyse_comparison(processed.band, processed.envelope,
                              processed.pct_mvc if processed.calibrated else None,
                              processed.quality, source.rate_hz, source.channels, plan, spans,
                              pauses=paused_stretches(notes, source.rate_hz),
                              gaps=gap_rows(arrays))


def comparison_of_recording(path: Path, protocol: Protocol | None = None) -> ComparisonRows:
    """A recording's comparison as rows (its own protocol unless one is given): the pure
    step a batch run calls per recording."""
    arrays = load_source(path, processed=True)
    chosen = (checked_comparison(protocol) if protocol
              else own_comparison(arrays.session_config, path))
    return comparison_rows(analyse_recording(arrays, chosen))


def lab_session_comparison(path: Path) -> tuple[Protocol, ComparisonRows] | None:
    """An exercise-lab session's comparison, as ``myoplay compare`` finds it in the recording
    (None: the session ran no comparison, or stopped before its first variation began)."""
    with ReplayReader(path, allow_truncated=True) as reader:  # the header alone, first
        protocol = recorded_protocol(reader.header.config, path)
    plan = None if protocol is None else protocol.comparison
    if protocol is None or plan is None:
        return None
    arrays = load_source(path, processed=True, allow_truncated=True)
    if not variation_spans(marker_notes(arrays), plan, arrays.source.rate_hz, arrays.n_samples):
        return None
    return protocol, comparison_rows(analyse_recording(arrays, protocol))
