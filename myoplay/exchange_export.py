"""``myoplay export FILE --format edf|bdf|c3d``: a recording as a file other tools read.

The binary formats are built whole in memory (:mod:`replays.recording_arrays`), then written
beside the target and renamed only when complete, like every output (``myoplay.output_files``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from engine.errors import ConfigError, ReplayError
from engine.printable import escape_controls
from myoplay.file_progress import file_progress
from myoplay.output_files import check_output_path, replaced_on_success
from replays.c3d_export import MAX_EVENTS, c3d_bytes
from replays.edf_export import ExchangeFormat, edf_bytes
from replays.recording_arrays import load_source

#: The ``--format`` choices this module writes.
C3D = "c3d"
EXCHANGE_FORMATS = (*(f.value for f in ExchangeFormat), C3D)


def run_exchange_export(args: argparse.Namespace,
                        mains_hz: float | Literal["recorded"] | None) -> int:
    """Export ``args.file`` as ``args.format``; see ``myoplay export --help``."""
    path: Path = args.file
    output: Path = args.output or path.with_suffix(f".{args.format}")
    if str(output) == "-":
        raise ConfigError(f"{args.format.upper()} is a binary format: it cannot go to stdout",
                          hint="give -o FILE")
    check_output_path(output, [path], option="output")
    if output.exists() and not args.overwrite:
        raise ReplayError(f"{escape_controls(str(output))} already exists",
                          hint="use --overwrite or choose -o")
    with file_progress(args, "reading", path) as progress:
        arrays = load_source(path, source_id=args.source, processed=args.processed,
                             mains_hz=mains_hz, allow_truncated=args.allow_truncated,
                             on_progress=progress)
    if args.format == C3D:
        if args.processed:
            raise ConfigError("--processed is for CSV, EDF and BDF: C3D gets the raw EMG",
                              hint="export the envelopes with --format edf --processed")
        data, c3d = c3d_bytes(arrays)
        what = (f"{c3d.samples} samples of {c3d.source_id!r} as {c3d.channels} analog "
                f"channels and {c3d.events} events (C3D)")
        lines = [f"not exported: {c3d.events_left_out} events past C3D's {MAX_EVENTS}"
                 ] if c3d.events_left_out else []
    else:
        fmt = ExchangeFormat(args.format)
        data, edf = edf_bytes(arrays, fmt)
        what = (f"{edf.samples} samples of {edf.source_id!r} as {edf.signals} signals and "
                f"{edf.annotations} annotations ({fmt.value.upper()}+, data records of "
                f"{edf.record_s} s)")
        lines = []
    with replaced_on_success(output) as out:
        out.flush()
        out.buffer.write(data)
    print(escape_controls(f"exported {what} to {output}"), file=sys.stderr)
    if arrays.other_sources:
        lines.append(f"not exported: sources {', '.join(arrays.other_sources)} (use --source)")
    for line in lines:
        print(escape_controls(line), file=sys.stderr)
    return 0
