"""``myoplay replay FILE``: feed a recording through a fresh engine, as fast as possible or live.

The recording's samples and stamped inputs go through a new pipeline and training core. With
the recorded settings the events come out identical to the live ones; the command says so, or
how they differ (:mod:`replays.verdict`), and exits 1 if they differ although the recording was
made by the same myoplay, Python (feature release), numpy and scipy. With ``--protocol`` the
same muscle activity is judged by other rules, which is how a clinician asks "what if the band
had been 30–50 %?".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.errors import ConfigError, MyoplayError, ReplayError
from engine.printable import escape_controls
from modes.training_modes import TRAINING_MODES
from myoplay.file_progress import add_progress_option, file_progress
from myoplay.lsl_options import add_lsl_options, lsl_publisher
from myoplay.output_files import check_output_path, replaced_on_success
from myoplay.protocol_choice import protocol_help, resolve_protocol
from myoplay.screen_detection import has_screen

if TYPE_CHECKING:
    from actors.lsl_outlet_actor import LslPublisher
    from engine.messages import ConfigChange, Record, SourceInfo, UserInput
    from engine.training import TrainingConfig
    from replays.format import Header
    from replays.reader import ReplayStatus
    from replays.verdict import ReplayVerdict

#: What a replay gives: its outputs, the outputs recorded live, how far the file could be read
#: and the recording's header (which says what made it).
_Replayed = tuple[list["Record"], list["Record"], "ReplayStatus | None", "Header"]

NAME = "replay"
HELP = "replay a recording through a fresh engine (headless and --fast for tests and what-ifs)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a recording (.myoplay)")
    parser.add_argument("--fast", action="store_true",
                        help="in the window (or with --lsl), as fast as possible rather than in "
                             "real time")
    parser.add_argument("--headless", action="store_true",
                        help="no window, as fast as possible (the default with no screen)")
    parser.add_argument("--protocol", metavar="NAME|FILE",
                        help=protocol_help("judge the recording with another protocol (what-if)"))
    parser.add_argument("--mode", choices=TRAINING_MODES,
                        help="training mode to show (default: the recorded one)")
    parser.add_argument("--events-out", type=Path, metavar="FILE",
                        help="write the events as JSON lines")
    parser.add_argument("--chunk", type=int, metavar="SAMPLES",
                        help="re-cut the samples into frames of this many samples (headless "
                             "default: 2 s worth; the events do not change)")
    add_progress_option(parser)
    add_lsl_options(parser)


def _training(header_config: dict[str, Any], args: argparse.Namespace,
              name: str) -> TrainingConfig:
    import dataclasses

    from engine.training import TrainingConfig

    raw = header_config.get("training")
    where = f"{name}: record 0 (the header)"
    if not isinstance(raw, dict):
        raise ReplayError(f"{where} has no session settings",
                          hint="it was not recorded by 'myoplay play'; use inspect or export")
    try:
        training = TrainingConfig.from_plain(raw, where)
    except MyoplayError as error:
        # The settings' own checks may not name the file; the message must.
        if error.message.startswith(where):
            raise
        raise ConfigError(f"{where}: {error.message}", hint=error.hint) from None
    if args.protocol:
        training = dataclasses.replace(training, protocol=resolve_protocol(args.protocol, None))
    return training


def event_json(record: Record) -> str:
    """One output as a JSON line (sorted keys, so the text is as deterministic as the bytes)."""
    from engine.offline import output_fields

    return json.dumps(output_fields(record), sort_keys=True)


def run(args: argparse.Namespace) -> int:
    if args.chunk is not None and args.chunk < 1:
        raise ConfigError(f"--chunk must be at least 1 sample, got {args.chunk}")
    if args.events_out:
        check_output_path(args.events_out, [args.file], option="--events-out")
    publisher = lsl_publisher(args)
    if publisher is not None:
        outputs, recorded, status, header = _replay_lsl(args, publisher)
    elif args.headless or not has_screen():
        outputs, recorded, status, header = _replay_headless(args)
    else:
        outputs, recorded, status, header = _replay_window(args)
    if args.events_out:
        with replaced_on_success(args.events_out) as out:
            out.writelines(event_json(r) + "\n" for r in outputs)
    events = [r for r in outputs if r.TAG == "event"]
    print(f"replayed {escape_controls(str(args.file))}: {len(events)} events")
    if args.protocol is None and recorded:
        from replays.verdict import compare_outputs

        return _report(compare_outputs(recorded, outputs), header, status)
    return 0


def _report(verdict: ReplayVerdict, header: Header, status: ReplayStatus | None) -> int:
    """Print the verdict; a difference is a bug (exit 1) only when the versions that decide the
    numbers are those that made the recording, and the recording is complete."""
    from engine.versions import MYOPLAY, describe_changes, running_versions, version_changes

    if verdict.outcome == "identical":
        print(verdict.describe())
        return 0
    changes = version_changes({**header.library_versions, MYOPLAY: header.engine_version},
                              {**running_versions(), MYOPLAY: __version__})
    if changes:
        print(f"{verdict.describe()}; as they may: {describe_changes(changes)}")
    elif status is not None and status.state == "complete":
        print(f"{verdict.describe()}\n{describe_changes(changes)}: please report this as a bug",
              file=sys.stderr)
        return 1
    else:
        print(f"{verdict.describe()}; as they may: the recording is incomplete")
    return 0


def _warn_if_incomplete(args: argparse.Namespace, status: ReplayStatus | None) -> None:
    if status is not None and status.state != "complete":
        print(escape_controls(f"myoplay: {args.file}: {status.describe()}; replaying what was "
                              f"saved"), file=sys.stderr)


def replay_mode(chosen: str | None, recorded: object, training: TrainingConfig) -> str:
    """The training mode a replay shows: ``chosen`` (``--mode``) if the protocol the replay
    judges by suits it, else a one-line :class:`ConfigError`, as ``play`` refuses it; without
    one, the ``recorded`` mode where it suits that protocol (a what-if ``--protocol`` may not
    suit the recorded mode), else the protocol's usual mode."""
    from modes.training_modes import default_training_mode
    from myoplay.protocol_choice import check_mode_suits

    protocol = training.protocol
    if chosen is not None:
        return check_mode_suits(protocol, chosen)
    if isinstance(recorded, str) and recorded in TRAINING_MODES and recorded in protocol.modes:
        return recorded
    return default_training_mode(protocol)


def _replay_headless(args: argparse.Namespace) -> _Replayed:
    from replays.headless import replay_headless

    def training_of(config: Mapping[str, Any]) -> TrainingConfig:
        training = _training(dict(config), args, str(args.file))
        if args.mode is not None:
            # Checked all the same: what a window refuses is refused here too.
            replay_mode(args.mode, None, training)
        return training

    with file_progress(args, "replaying", args.file) as progress:
        done = replay_headless(args.file, training_of, chunk_samples=args.chunk,
                               on_progress=progress)
    if args.mode is not None:
        print(f"myoplay: no window: --mode {args.mode} changes only what a window shows, "
              f"not the events", file=sys.stderr)
    _warn_if_incomplete(args, done.status)
    return done.outputs, done.recorded, done.status, done.header


@dataclass
class _Recording:
    """What a paced replay needs of a recording, read once: its one source (with its record's
    index), the inputs to re-apply (with theirs), the outputs recorded live, the settings."""

    source: tuple[int, SourceInfo]
    inputs: list[tuple[UserInput | ConfigChange, int]]
    recorded: list[Record]
    training: TrainingConfig
    mains_hz: float | None
    status: ReplayStatus | None
    header: Header


def _read_recording(args: argparse.Namespace) -> _Recording:
    from engine.messages import ConfigChange, SourceInfo, UserInput
    from engine.offline import is_input, is_output
    from replays.reader import ReplayReader

    inputs: list[tuple[UserInput | ConfigChange, int]] = []
    recorded = []
    sources: list[tuple[int, SourceInfo]] = []
    with ReplayReader(args.file, allow_truncated=True) as reader:
        header = reader.header
        for record in reader:
            if isinstance(record, UserInput | ConfigChange) and is_input(record):
                inputs.append((record, reader.record_index))
            elif is_output(record):
                recorded.append(record)
            elif isinstance(record, SourceInfo) and record not in (s for _, s in sources):
                sources.append((reader.record_index, record))
        status = reader.status
    if len(sources) != 1:
        where = f"record {sources[1][0]} describes a second source" if sources else (
            f"records 0 to {reader.last_verified_record} describe no source")
        raise ReplayError(f"{args.file}: {where}; replay needs exactly one",
                          hint="export each source to CSV and import it on its own")
    training = _training(dict(header.config), args, str(args.file))
    mains = header.config.get("mains_hz")
    return _Recording(sources[0], inputs, recorded, training,
                      float(mains) if isinstance(mains, int | float) else None, status, header)


def _replay_window(args: argparse.Namespace) -> _Replayed:
    import trio

    from actors.replay_viewer import view_replay

    recording = _read_recording(args)
    header = recording.header
    mode = replay_mode(args.mode, header.config.get("mode"), recording.training)
    _warn_if_incomplete(args, recording.status)
    outputs = trio.run(view_replay, args.file, recording.source, recording.training,
                       recording.mains_hz, recording.inputs, mode, not args.fast)
    return outputs, recording.recorded, recording.status, header


def _replay_lsl(args: argparse.Namespace, publisher: LslPublisher) -> _Replayed:
    """Publish the replay through ``publisher``, at the recorded pace unless ``--fast``."""
    import trio

    from actors.lsl_replay import publish_replay

    recording = _read_recording(args)
    _warn_if_incomplete(args, recording.status)
    with publisher:
        outputs = trio.run(publish_replay, args.file, recording.source[1], recording.training,
                           recording.mains_hz, [i for i, _ in recording.inputs], publisher,
                           not args.fast)
    return outputs, recording.recorded, recording.status, recording.header
