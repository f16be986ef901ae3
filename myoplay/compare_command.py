"""``myoplay compare FILE``: which exercise variation (or cue) worked best in a recording.

The recording is a myoplay session (an exercise-lab session's events name its variations) or
an imported one whose markers do (EDF+/BDF+ annotations, C3D events, XDF marker streams, CSV
label columns, imported with ``myoplay import``); an EDF/BDF/C3D/XDF file is also read
directly (with ``--map`` for its channels' muscles; without a calibration the activations are
compared in µV). The samples go through the engine's own pipeline, reps are cut from the
target muscle's signal and the variations ranked with confidence intervals
(:mod:`replays.comparison_recording`, :mod:`engine.comparison_analysis`). Prints the table and
the verdict, writes a PNG + PDF report (``--report DIR``) and files the result in the history
store.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.comparison_analysis import ComparisonAnalysis, comparison_rows
from engine.errors import ConfigError
from engine.printable import escape_controls
from engine.protocol import Protocol
from engine.session_filing import checked_client_id
from history.store_location import history_help, history_path
from myoplay.file_progress import add_progress_option, file_progress
from myoplay.foreign_import import FOREIGN_FORMATS, foreign_format_of, read_foreign
from myoplay.protocol_choice import protocol_help, resolve_protocol
from replays.channel_map import parse_map
from replays.comparison_recording import (
    analyse_recording as analyse_recording,
)
from replays.comparison_recording import (
    checked_comparison,
    own_comparison,
)
from replays.comparison_recording import (
    comparison_of_recording as comparison_of_recording,
)
from replays.file_digest import recording_sha256
from replays.imported_recording import write_imported
from replays.recording_arrays import SourceArrays, load_source

NAME = "compare"
HELP = ("which exercise variation or cue worked best in a recording: reps cut from the "
        "target muscle, variations ranked with confidence intervals; a table, a PNG + PDF "
        "report and rows in the history store")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="a myoplay recording, or an EDF/BDF/C3D/XDF file")
    parser.add_argument("--protocol", metavar="NAME|FILE",
                        help=protocol_help("the comparison the recording holds (default: the "
                                           "recording's own)"))
    parser.add_argument("--client", metavar="ID",
                        help="file the result under this client (a known pseudonymous id)")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="write the PNG charts and the PDF report into DIR")
    parser.add_argument("--history", type=Path, metavar="FILE", help=history_help())
    parser.add_argument("--no-history", action="store_true",
                        help="do not file the result in the history store")
    parser.add_argument("--source", help="which source to analyse (default: the first one)")
    parser.add_argument("--map", action="extend", nargs="+", default=[],
                        metavar="LABEL=MUSCLE[:SIDE]",
                        help="an EDF/BDF/C3D/XDF channel's muscle and side, e.g. "
                             "GM=gluteus_maximus:left")
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise ConfigError(f"{escape_controls(str(path))} is not a file")
    client = checked_client_id(args.client, "--client") if args.client is not None else None
    # What the options name is checked before the recording is read (which takes a while).
    chosen = checked_comparison(resolve_protocol(args.protocol, None)) if args.protocol else None
    if client is not None and not args.no_history:
        from history.store import HistoryStore

        with HistoryStore(history_path(args.history)) as store:
            store.require_client(client)
    arrays = _load(args, path)
    protocol = chosen or _protocol(None, arrays.session_config, path)
    analysis = analyse_recording(arrays, protocol)
    rows = comparison_rows(analysis)
    _print(analysis, protocol, arrays)
    if args.report is not None:
        from history.comparison_report import write_comparison_report

        try:
            written = write_comparison_report(analysis, args.report, protocol.name)
        except OSError as error:
            raise ConfigError(f"--report {escape_controls(str(args.report))}: cannot write "
                              f"the report ({error.strerror or error})",
                              hint="choose a folder you can write to") from None
        print(escape_controls("report: " + ", ".join(str(p) for p in written)),
              file=sys.stderr)
    if not args.no_history:
        from history.store import HistoryStore

        store_path = history_path(args.history)
        with HistoryStore(store_path) as store:
            store.file_comparison(
                rows, recording_sha256=recording_sha256(path), client_id=client,
                analysed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                recording_path=str(path.resolve()), protocol_id=protocol.id,
                protocol_name=protocol.name)
        print(escape_controls(f"filed in {store_path}"
                              + (f" under client {client}" if client else "")),
              file=sys.stderr)
    return 0


def _load(args: argparse.Namespace, path: Path) -> SourceArrays:
    """The recording's source through the pipeline; an exchange file is imported first (into
    a temporary replay, without a calibration)."""
    file_format = foreign_format_of(path)
    if file_format in FOREIGN_FORMATS:
        recording, _ = read_foreign(path, file_format)
        with tempfile.TemporaryDirectory(prefix="myoplay-compare-") as folder:
            replay = Path(folder) / "imported.myoplay"
            write_imported(recording, path, replay, channel_map=parse_map(args.map))
            with file_progress(args, "comparing", replay) as progress:
                return load_source(replay, source_id=args.source, processed=True,
                                   on_progress=progress)
    if args.map:
        raise ConfigError("--map is for EDF, BDF, C3D and XDF files",
                          hint="a myoplay recording names its channels' muscles itself")
    with file_progress(args, "comparing", path) as progress:
        return load_source(path, source_id=args.source, processed=True, on_progress=progress)


def _protocol(spec: str | None, config: Mapping[str, Any], path: Path) -> Protocol:
    """The comparison named by ``--protocol``, else the one the recording was made with."""
    if spec is not None:
        return checked_comparison(resolve_protocol(spec, None))
    return own_comparison(config, path)


def _print(analysis: ComparisonAnalysis, protocol: Protocol, arrays: SourceArrays) -> None:
    from history.comparison_report import table_lines, timing_lines

    reps = sum(len(r) for r in analysis.reps.values())
    lines = [f"{protocol.name}: {reps} reps in {len(analysis.spans)} marked stretches of "
             f"{arrays.source.source_id!r}", "", *table_lines(analysis), ""]
    timing = timing_lines(analysis)
    if timing:
        lines += ["activation timing (onset relative to the rep's):",
                  *[f"  {line}" for line in timing], ""]
    if analysis.reps_outside:
        lines.append(f"{analysis.reps_outside} reps outside every variation's markers were "
                     "not ranked")
    if analysis.ranking.unit == "µV":
        lines.append("no calibration: activations compared in µV (valid within this "
                     "recording only); share and symmetry need %MVC")
    lines.append(analysis.ranking.verdict)
    for line in lines:
        print(escape_controls(line))
