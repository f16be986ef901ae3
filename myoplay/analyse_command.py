"""``myoplay analyse FILE``: when each muscle was active, and per burst its amplitude, %MVC,
fatigue and left/right symmetry, as CSV (one row per activity segment) or JSON, for research.

The samples go through the engine's own pipeline (the recording's mains setting and
calibrations), then :mod:`engine.activity_segments`. Output to stdout, or with ``-o`` to a file
written beside its target and renamed when complete.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np

from engine.activity_segments import ActivityReport, SegmentMeasures, analyse_activity
from engine.dsp import PipelineConfig
from engine.errors import ReplayError
from engine.printable import escape_controls
from myoplay.file_progress import add_progress_option, file_progress
from myoplay.output_files import check_output_path, replaced_on_success
from replays.recording_arrays import SourceArrays, load_source

NAME = "analyse"
HELP = ("research analysis of a recording: onsets and activity segments per channel, with "
        "fatigue (median-frequency slope) and symmetry per segment, as CSV or JSON")

#: The CSV columns, one row per activity segment (times in s from the first sample; envelopes
#: in the source's unit, the ``unit`` column: µV but for a device in converter counts).
COLUMNS = ("channel", "muscle", "side", "onset_s", "offset_s", "duration_s", "closed",
           "detection_latency_s", "unit", "mean_envelope", "peak_envelope", "flagged_fraction",
           "mean_pct_mvc", "mdf_start_hz", "mdf_slope_pct_per_s", "mdf_windows", "partner",
           "symmetry_angle_pct")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a replay file")
    parser.add_argument("--json", action="store_true", help="JSON instead of CSV")
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument("--source", help="which source to analyse (default: the first one)")
    parser.add_argument("--mains", choices=["recorded", "50", "60", "none"], default="recorded",
                        help="mains frequency the pipeline's notches remove (default: the "
                             "session's, else 50)")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="analyse what a truncated recording holds up to its last sync "
                             "point")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    output: Path | None = args.output
    if output is not None:
        check_output_path(output, [path], option="-o")
        if output.exists() and not args.overwrite:
            raise ReplayError(f"{escape_controls(str(output))} already exists",
                              hint="use --overwrite or choose -o")
    mains: float | Literal["recorded"] | None = (
        "recorded" if args.mains == "recorded" else None if args.mains == "none"
        else float(args.mains))
    with file_progress(args, "analysing", path) as progress:
        arrays = load_source(path, source_id=args.source, processed=True, mains_hz=mains,
                             allow_truncated=args.allow_truncated, on_progress=progress)
    report = analyse(arrays)
    if output is None:
        _write(arrays, report, sys.stdout, as_json=args.json)
    else:
        with replaced_on_success(output) as out:
            _write(arrays, report, out, as_json=args.json)
    print(escape_controls(
        f"analysed {arrays.n_samples} samples of {arrays.source.source_id!r}: "
        f"{len(report.measures)} activity segments on {arrays.source.n_channels} channels"
        + ("" if arrays.processed and arrays.processed.calibrated
           else "; no calibration, so no %MVC or symmetry")), file=sys.stderr)
    return 0


def analyse(arrays: SourceArrays) -> ActivityReport:
    """The activity report of a source read with ``processed=True``."""
    processed = arrays.processed
    assert processed is not None, "analyse needs the pipeline's outputs"
    source = arrays.source
    return analyse_activity(
        band_uv=processed.band, envelope_uv=processed.envelope,
        pct_mvc=processed.pct_mvc if processed.calibrated else None,
        flagged=processed.quality != 0, rate_hz=source.rate_hz, channels=source.channels,
        band_hz=PipelineConfig.for_source(source).band_hz,
    )


def _row(arrays: SourceArrays, measure: SegmentMeasures) -> dict[str, Any]:
    source = arrays.source
    rate = source.rate_hz
    segment = measure.segment
    channel = source.channels[segment.channel]
    partner = (source.channels[measure.partner].label if measure.partner is not None
               else None)
    return {
        "channel": channel.label, "muscle": channel.muscle, "side": channel.side.value,
        "onset_s": segment.start_index / rate, "offset_s": segment.end_index / rate,
        "duration_s": (segment.end_index - segment.start_index) / rate,
        "closed": segment.closed,
        "detection_latency_s": (segment.detected_index - segment.start_index) / rate,
        "unit": source.unit, "mean_envelope": measure.mean_envelope,
        "peak_envelope": measure.peak_envelope,
        "flagged_fraction": measure.flagged_fraction, "mean_pct_mvc": measure.mean_pct_mvc,
        "mdf_start_hz": measure.mdf_start_hz,
        "mdf_slope_pct_per_s": measure.mdf_slope_pct_per_s, "mdf_windows": measure.mdf_points,
        "partner": partner, "symmetry_angle_pct": measure.symmetry_angle_pct,
    }


def _write(arrays: SourceArrays, report: ActivityReport, out: TextIO, *, as_json: bool) -> None:
    rows = [_row(arrays, m) for m in report.measures]
    if as_json:
        source = arrays.source
        document = {
            "source": source.source_id, "rate_hz": source.rate_hz, "unit": source.unit,
            "samples": arrays.n_samples, "calibrated": bool(
                arrays.processed is not None and arrays.processed.calibrated),
            "channels": [
                {"label": c.label, "muscle": c.muscle, "side": c.side.value,
                 "noise_floor": report.noise_floor[i],
                 "segments": sum(1 for m in report.measures if m.segment.channel == i)}
                for i, c in enumerate(source.channels)],
            "segments": rows,
        }
        json.dump(_finite(document), out, ensure_ascii=True, allow_nan=False, indent=1)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[k] is None else
                         escape_controls(row[k]) if isinstance(row[k], str) else row[k]
                         for k in COLUMNS])


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as None (strict JSON has no NaN)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
