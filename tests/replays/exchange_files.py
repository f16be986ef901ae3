"""Recordings for the exchange-format tests, and what a recording holds, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.messages import Gap, RuleEvent, SampleFrame, SourceInfo, UserInput
from replays.reader import ReplayReader
from tests.replays.replay_fixtures import record, session


def recording(tmp_path: Path, frames: int = 60) -> Path:
    """session.myoplay in ``tmp_path``: the fixtures' session of ``frames`` frames (a gap, inputs
    and events)."""
    path = tmp_path / "session.myoplay"
    path.write_bytes(record(session(frames)))
    return path


def contents(path: Path) -> tuple[SourceInfo, np.ndarray, list[Gap], list[UserInput | RuleEvent]]:
    """The source, samples (in its unit, gaps left out), gaps and inputs/events of a file."""
    blocks, gaps, notes = [], [], []
    source = None
    with ReplayReader(path) as reader:
        for item in reader:
            if isinstance(item, SourceInfo):
                source = source or item
            elif isinstance(item, SampleFrame):
                assert source is not None
                blocks.append(item.data.astype(np.float64) * source.scale)
            elif isinstance(item, Gap):
                gaps.append(item)
            elif isinstance(item, UserInput | RuleEvent):
                notes.append(item)
    assert source is not None
    return source, np.concatenate(blocks), gaps, notes
