"""A recording's contribution to the history: its session facts, SHA-256 and start time.

Two ways to the same facts (:func:`engine.session_facts.session_facts`): :func:`recorded_facts`
takes the outputs a live session recorded (what ``play --client`` files at its end), and
:func:`replayed_facts` judges the recording again in a headless replay (what ``history add`` and
``history rebuild`` do, so a recording made without its outputs, or cut short, still counts).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ReplayError
from engine.messages import PlainValue, Record, SourceInfo
from engine.offline import is_output
from engine.session_facts import SessionFacts, session_facts
from engine.training import TrainingConfig
from replays.file_digest import recording_sha256
from replays.headless import replay_headless
from replays.reader import ReplayReader


@dataclass(frozen=True, slots=True)
class FiledRecording:
    """What the store files for one recording."""

    facts: SessionFacts
    sha256: str
    path: str
    """The recording's absolute path."""
    started_at: str
    """When the session started: from its settings, else the file's modification time."""


def training_from_header(config: Mapping[str, PlainValue], name: str) -> TrainingConfig:
    """The session settings a recording was made with; one line naming the file if it has
    none (an imported file) or they are unreadable."""
    raw = config.get("training")
    where = f"{name}: record 0 (the header)"
    if not isinstance(raw, dict):
        raise ReplayError(f"{where} has no session settings",
                          hint="only sessions recorded by 'myoplay play' have a history")
    return TrainingConfig.from_plain(raw, where)


def recorded_facts(path: Path, client_id: str | None = None) -> FiledRecording:
    """The facts of ``path`` from the outputs recorded live.

    Each muscle's peak and mean %MVC come from the engine's summary, which no record holds:
    the recording is replayed for it, so live filing and ``history rebuild`` file the same
    figures even when the live engine stopped before judging the last frames recorded."""
    return _filed(path, _recorded(path), client_id)


def recorded_facts_if_filed(path: Path) -> FiledRecording | None:
    """As :func:`recorded_facts`, or None when the recording names no client (a session that
    could have been filed on the start screen, and was not)."""
    facts = _recorded(path)
    return _filed(path, facts, None) if facts.client_id is not None else None


def _recorded(path: Path) -> SessionFacts:
    outputs: list[Record] = []
    source: SourceInfo | None = None
    with ReplayReader(path, allow_truncated=True) as reader:
        config = reader.header.config
        for record in reader:
            if isinstance(record, SourceInfo) and source is None:
                source = record
            elif is_output(record):
                outputs.append(record)
    if source is None:
        raise ReplayError(f"{path}: the recording describes no source")
    training = training_from_header(config, str(path))
    summary = replay_headless(path, lambda _: training).summary
    return session_facts(outputs, training, source, _mode(config), summary)


def replayed_facts(path: Path, client_id: str | None = None, *, sha256: str | None = None,
                   read_ahead: bool = True) -> FiledRecording:
    """The facts of ``path`` as a fresh engine judges it again (``client_id`` files a
    recording that names no client; ``sha256``, when the caller hashed the file already;
    ``read_ahead`` lets a child process read the file meanwhile)."""
    name = str(path)
    replay = replay_headless(path, lambda config: training_from_header(config, name),
                             read_ahead=read_ahead)
    config = replay.header.config
    training = training_from_header(config, name)
    facts = session_facts(replay.outputs, training, replay.source, _mode(config),
                          replay.summary)
    return _filed(path, facts, client_id, sha256)


def _mode(config: Mapping[str, PlainValue]) -> str | None:
    mode = config.get("mode")
    return mode if isinstance(mode, str) else None


def _filed(path: Path, facts: SessionFacts, client_id: str | None,
           sha256: str | None = None) -> FiledRecording:
    if client_id is not None and facts.client_id not in (None, client_id):
        raise ReplayError(f"{path} is filed under client {facts.client_id!r}, not {client_id!r}",
                          hint="a recording's own client id cannot be changed")
    if client_id is not None:
        facts = dataclasses.replace(facts, client_id=client_id)
    if facts.client_id is None:
        raise ReplayError(f"{path} names no client", hint="give --client ID to file it")
    started_at = facts.started_at or datetime.datetime.fromtimestamp(
        path.stat().st_mtime, datetime.UTC).isoformat(timespec="seconds")
    return FiledRecording(facts, sha256 or recording_sha256(path), str(path.resolve()),
                          started_at)
