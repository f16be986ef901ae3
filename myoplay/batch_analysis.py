"""``myoplay batch --analyse``: per recording, what ``myoplay analyse`` finds for each muscle and,
for a comparison session, what ``myoplay compare`` ranks, as the rows of two more tables.

- ``analysis``: one row per recording and channel: its activity segments (onsets) and their
  time, mean and peak envelope, mean and peak %MVC (clean samples only, never a flagged one),
  the median-frequency slope (fatigue) of the segments long enough for a trend, and the
  left/right symmetry angle against the same muscle on the other side
  (:mod:`engine.activity_segments`, as ``myoplay analyse`` reads them per segment);
- ``comparison``: for a recording judged with a protocol of kind ``compare``, one row per
  variation, best first, with the comparison's metric, verdict and cue effect beside it
  (:func:`engine.comparison_analysis.comparison_rows`, as ``myoplay compare`` prints them).

Like the session rows, they depend only on the recording's bytes and the protocol, so they are
the same on every scheduler. A recording whose analysis fails (an imported file with no
calibration still has its envelopes; a comparison whose markers name no variation does not)
gets one row naming the problem, and its session row stays as judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.activity_segments import ActivityReport, SegmentMeasures
from engine.comparison_analysis import VARIATION_COLUMNS, comparison_rows
from engine.errors import MyoplayError
from engine.protocol import Protocol
from myoplay.analyse_command import analyse
from myoplay.compare_command import analyse_recording
from replays.cohort_rows import Cell, Row
from replays.recording_arrays import SourceArrays, load_source

#: The ``analysis`` table: one row per recording and channel (``problem``: why the recording
#: could not be analysed, on a row with no channel). Envelopes in ``unit`` (µV, or converter
#: counts for a device that sends them); %MVC of the recording's own calibration.
ANALYSIS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("recording", "str"),
    ("sha256", "str"),
    ("problem", "str"),
    ("channel", "str"),
    ("muscle", "str"),
    ("side", "str"),
    ("unit", "str"),
    ("onsets", "int"),
    ("active_s", "float"),
    ("mean_envelope", "float"),
    ("peak_envelope", "float"),
    ("mean_pct_mvc", "float"),
    ("peak_pct_mvc", "float"),
    ("flagged_fraction", "float"),
    ("mdf_slope_pct_per_s", "float"),
    ("fatigue_segments", "int"),
    ("partner", "str"),
    ("symmetry_angle_pct", "float"),
)

_SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("metric", "str"),
    ("unit", "str"),
    ("confidence", "float"),
    ("winner", "str"),
    ("verdict", "str"),
    ("cue_effect", "float"),
    ("cue_effect_low", "float"),
    ("cue_effect_high", "float"),
    ("reps_outside", "int"),
)
_VARIATION_KINDS = {"variation_id": "str", "name": "str", "rank": "int", "reps": "int",
                    "reps_not_judged": "int"}

#: The ``comparison`` table: one row per variation of a comparison session, best first, with
#: the comparison's summary repeated on each (``problem``: why it could not be analysed).
COMPARISON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("recording", "str"),
    ("sha256", "str"),
    ("problem", "str"),
    ("protocol_id", "str"),
    *_SUMMARY_COLUMNS,
    *((name, _VARIATION_KINDS.get(name, "float")) for name in VARIATION_COLUMNS),
)


@dataclass(frozen=True, slots=True)
class AnalysisRows:
    """One recording's rows of the ``analysis`` and ``comparison`` tables."""

    muscles: tuple[Row, ...]
    comparison: tuple[Row, ...]
    """Empty unless the protocol is a comparison."""


def analysis_rows(path: str, sha256: str | None, protocol: Protocol) -> AnalysisRows:
    """The analysis rows of the recording at ``path`` (SHA-256 ``sha256``), judged with
    ``protocol`` (whose comparison, if it has one, is analysed too)."""
    base: Row = {"recording": path, "sha256": sha256}
    try:
        arrays = load_source(Path(path), processed=True, allow_truncated=True)
        muscles = tuple(_muscle_rows(base, arrays, analyse(arrays)))
    except (MyoplayError, OSError) as error:
        return _not_analysed(base, protocol, _message(path, error))
    except Exception as error:  # a bug: one file's, while the cohort goes on
        return _not_analysed(base, protocol, f"{path}: internal error {type(error).__name__}: "
                                             f"{error} (please report this as a bug)")
    if protocol.comparison is None:
        return AnalysisRows(muscles, ())
    compared = {**base, "protocol_id": protocol.id}
    try:
        rows = comparison_rows(analyse_recording(arrays, protocol))
    except MyoplayError as error:
        return AnalysisRows(muscles, (_problem_row(COMPARISON_COLUMNS, compared,
                                                   _message(path, error)),))
    return AnalysisRows(muscles, tuple(
        _typed(COMPARISON_COLUMNS, {**compared, **rows.summary, **variation})
        for variation in rows.variations))


def _muscle_rows(base: Row, arrays: SourceArrays, report: ActivityReport) -> list[Row]:
    source = arrays.source
    processed = arrays.processed
    assert processed is not None  # read with processed=True
    pct_mvc = processed.pct_mvc if processed.calibrated else None
    flagged = processed.quality != 0
    by_channel: list[list[SegmentMeasures]] = [[] for _ in source.channels]
    for measure in report.measures:
        by_channel[measure.segment.channel].append(measure)
    rows = []
    for c, (channel, measures) in enumerate(zip(source.channels, by_channel, strict=True)):
        lengths = [m.segment.end_index - m.segment.start_index for m in measures]
        peaks = [_peak_pct(pct_mvc, flagged, m, c) for m in measures]
        trends = [(m.mdf_slope_pct_per_s, m.mdf_points) for m in measures
                  if m.mdf_slope_pct_per_s is not None]
        partner = next((m.partner for m in measures if m.partner is not None), None)
        rows.append(_typed(ANALYSIS_COLUMNS, {
            **base, "channel": channel.label, "muscle": channel.muscle,
            "side": channel.side.value, "unit": source.unit, "onsets": len(measures),
            "active_s": sum(lengths) / source.rate_hz,
            "mean_envelope": _weighted([m.mean_envelope for m in measures], lengths),
            "peak_envelope": max((m.peak_envelope for m in measures), default=None),
            "mean_pct_mvc": _weighted([m.mean_pct_mvc for m in measures], lengths),
            "peak_pct_mvc": max((p for p in peaks if p is not None), default=None),
            "flagged_fraction": _weighted([m.flagged_fraction for m in measures], lengths),
            "mdf_slope_pct_per_s": _weighted([s for s, _ in trends], [n for _, n in trends]),
            "fatigue_segments": len(trends),
            "partner": source.channels[partner].label if partner is not None else None,
            "symmetry_angle_pct": _weighted([m.symmetry_angle_pct for m in measures], lengths),
        }))
    return rows


def _peak_pct(pct_mvc: np.ndarray | None, flagged: np.ndarray, measure: SegmentMeasures,
              channel: int) -> float | None:
    """Highest %MVC over the segment's clean samples that have one."""
    if pct_mvc is None:
        return None
    span = slice(measure.segment.start_index, measure.segment.end_index)
    values = pct_mvc[span, channel]
    usable = values[~flagged[span, channel] & np.isfinite(values)]
    return float(usable.max()) if usable.size else None


def _weighted(values: Sequence[float | None], weights: Sequence[int]) -> float | None:
    """Mean of the values that exist, each weighted (segment length, MDF windows): a long burst
    counts for more than a twitch. None when none exists."""
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def _typed(columns: Sequence[tuple[str, str]], values: Row) -> Row:
    """A row with every column, numbers in their column's kind (a float column never holds an
    int, so CSV and Parquet read back the same)."""
    row: Row = {}
    for name, kind in columns:
        value: Cell = values.get(name)
        if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        row[name] = value
    return row


def _problem_row(columns: Sequence[tuple[str, str]], base: Row, problem: str) -> Row:
    return _typed(columns, {**base, "problem": problem})


def _not_analysed(base: Row, protocol: Protocol, problem: str) -> AnalysisRows:
    """The rows of a recording that could not be read for its analysis."""
    compared = (() if protocol.comparison is None else
                (_problem_row(COMPARISON_COLUMNS, {**base, "protocol_id": protocol.id},
                              problem),))
    return AnalysisRows((_problem_row(ANALYSIS_COLUMNS, base, problem),), compared)


def _message(path: str, error: MyoplayError | OSError) -> str:
    text = str(error) if isinstance(error, MyoplayError) else (error.strerror or str(error))
    return text if text.startswith(path) else f"{path}: {text}"
