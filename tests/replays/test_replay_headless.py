"""Headless replay: one pass with a look-ahead, two when an input was recorded late, and a
read-ahead process that changes nothing but the speed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import __version__
from engine.errors import CorruptReplayError
from engine.messages import Record, RuleEvent, SourceInfo, UserInput
from engine.offline import OfflineEngine, is_input, is_output
from engine.training import TrainingConfig
from engine.versions import running_versions
from myoplay.cli import main
from replays.headless import LOOKAHEAD_S, replay_headless
from replays.reader import ReplayReader
from replays.writer import RecordingWriter
from tests.replays.replay_fixtures import split_recording

SESSION = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"


def _training(config):
    return TrainingConfig.from_plain(config["training"], "test")


def _rewrite(path: Path, move_input_to_end: bool = False, *,
             live_outputs: list[Record] | None = None, change_an_event: bool = False,
             **writer_options: Any) -> None:
    """The golden session written again (``writer_options`` for the header), optionally with
    its first input moved to the end of the file (far behind the frames its stamp falls in),
    its outputs recorded live replaced by ``live_outputs`` (in their places), or its first
    recorded event moved by 1 ns."""
    with ReplayReader(SESSION) as reader:
        config = dict(reader.header.config)
        records = [r for r in reader if not isinstance(r, SourceInfo)]
        source = next(iter(reader.sources.values()))
        summary = reader.summary
    moved = next(r for r in records if is_input(r))
    if move_input_to_end:
        records.remove(moved)
        records.append(moved)
    if live_outputs is not None:
        replacements = iter(live_outputs)
        records = [next(replacements) if is_output(r) else r for r in records]
    if change_an_event:
        at, event = next((i, r) for i, r in enumerate(records) if isinstance(r, RuleEvent))
        records[at] = dataclasses.replace(event, t_ns=event.t_ns + 1)
    with RecordingWriter(path, seed=1, config=config, sources=[source], fsync=False,
                         **writer_options) as writer:
        for record in records:
            writer.write(record)
        writer.close(summary)


@pytest.fixture(scope="module")
def outputs_here() -> list[Record]:
    """What this engine makes of the golden session: the command tests record these as the
    live outputs, so that they hold while the engine's numerics change and before the session
    is recorded again (the golden tests check the recorded outputs)."""
    return replay_headless(SESSION, _training).outputs


def _a_number_perturbed(outputs: list[Record]) -> tuple[int, float, list[Record]]:
    """The outputs with the first rep's mean level times (1 + 1e-12): its index, the level as
    this engine gives it, and the outputs."""
    at, rep = next((i, r) for i, r in enumerate(outputs)
                   if isinstance(r, RuleEvent) and r.kind == "rep_completed")
    assert isinstance(rep, RuleEvent)
    assert isinstance(rep.data, dict)
    level = rep.data["mean_pct"]
    assert isinstance(level, float)
    changed = dataclasses.replace(rep, data={**rep.data, "mean_pct": level * (1 + 1e-12)})
    return at, level, [*outputs[:at], changed, *outputs[at + 1:]]


def test_an_input_recorded_late_makes_a_second_pass_with_the_same_outputs(tmp_path):
    late = tmp_path / "late.myoplay"
    _rewrite(late, move_input_to_end=True)
    with ReplayReader(late) as reader:
        records = list(reader)
    moved = next(r for r in reversed(records) if is_input(r))
    assert isinstance(moved, UserInput)
    last_frame_t_ns = max(r.t_ns for r in records if r.TAG == "frame")
    assert last_frame_t_ns - moved.t_ns > LOOKAHEAD_S * 1e9, "the input must be late enough"

    done = replay_headless(late, _training)
    assert done.passes == 2
    source, samples, inputs, live = split_recording(records)
    config = reader.header.config
    engine = OfflineEngine.fresh(source, _training(config), config["mains_hz"])
    expected = [r.to_list() for r in engine.run(samples, inputs)]
    assert [r.to_list() for r in done.outputs] == expected == [r.to_list() for r in live]


def test_an_input_in_its_usual_place_needs_one_pass(tmp_path):
    usual = tmp_path / "usual.myoplay"
    _rewrite(usual, move_input_to_end=False)
    done = replay_headless(usual, _training)
    assert done.passes == 1
    assert [r.to_list() for r in done.outputs] == [r.to_list() for r in done.recorded]


@pytest.mark.parametrize("read_ahead", [True, False])
def test_a_corrupt_file_names_the_record_either_way(tmp_path, read_ahead):
    data = bytearray(SESSION.read_bytes())
    data[200_000] ^= 0xFF
    corrupt = tmp_path / "corrupt.myoplay"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(CorruptReplayError) as caught:
        replay_headless(corrupt, _training, read_ahead=read_ahead)
    assert "corrupt at record" in str(caught.value)


def test_progress_reaches_the_whole_file():
    seen: list[int] = []
    replay_headless(SESSION, _training, on_progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == SESSION.stat().st_size


def test_the_command_says_identical_when_the_outputs_are_those_recorded(tmp_path, capsys,
                                                                       outputs_here):
    plain = tmp_path / "plain.myoplay"
    _rewrite(plain, live_outputs=outputs_here)
    assert main(["replay", "--headless", str(plain)]) == 0
    assert "identical to the events recorded live" in capsys.readouterr().out


def test_a_rounding_with_another_numpy_is_explained_and_not_a_bug(tmp_path, capsys,
                                                                    outputs_here):
    at, level, perturbed = _a_number_perturbed(outputs_here)
    other = tmp_path / "other-numpy.myoplay"
    _rewrite(other, live_outputs=perturbed,
             library_versions={**running_versions(), "numpy": "2.3.1"})
    assert main(["replay", "--headless", str(other)]) == 0
    out = capsys.readouterr().out
    assert "the same events as recorded live, their numbers within 1e-12 relative" in out
    assert f"output {at} (event rep_completed at " in out
    assert f"data.mean_pct is {level * (1 + 1e-12)!r} live, {level!r} in the replay" in out
    assert f"recorded with numpy 2.3.1, this is numpy {np.__version__}" in out


def test_a_rounding_with_the_same_versions_is_a_bug(tmp_path, capsys, outputs_here):
    at, level, perturbed = _a_number_perturbed(outputs_here)
    same = tmp_path / "same.myoplay"
    _rewrite(same, live_outputs=perturbed)
    assert main(["replay", "--headless", str(same)]) == 1
    err = capsys.readouterr().err
    assert f"output {at} (event rep_completed at " in err
    assert f"data.mean_pct is {level * (1 + 1e-12)!r} live, {level!r} in the replay" in err
    assert ("recorded with the same myoplay, python, numpy and scipy: please report this as a bug"
            in err)


def test_a_different_event_is_a_bug_only_for_the_same_versions(tmp_path, capsys, outputs_here):
    same = tmp_path / "same.myoplay"
    _rewrite(same, live_outputs=outputs_here, change_an_event=True)
    assert main(["replay", "--headless", str(same)]) == 1
    err = capsys.readouterr().err
    assert "the events differ from the ones recorded live: output 1 " in err
    assert "t_ns is " in err
    assert "please report this as a bug" in err

    older = tmp_path / "older.myoplay"
    _rewrite(older, live_outputs=outputs_here, change_an_event=True, engine_version="0.0.1")
    assert main(["replay", "--headless", str(older)]) == 0
    out = capsys.readouterr().out
    assert "the events differ" in out
    assert f"recorded with myoplay 0.0.1, this is myoplay {__version__}" in out

    unknown = tmp_path / "format-1.0.myoplay"
    _rewrite(unknown, live_outputs=outputs_here, change_an_event=True, format_version=(1, 0))
    assert main(["replay", "--headless", str(unknown)]) == 0
    out = capsys.readouterr().out
    assert "the recording does not say which python, numpy and scipy made it" in out


def test_the_window_replays_fast_to_the_events_recorded_live(tmp_path, capsys, monkeypatch):
    # SDL's dummy driver stands in for the screen this machine lacks: the replay opens its
    # window, draws every frame and plays to the end exactly as on a desktop.
    monkeypatch.setattr("myoplay.replay_command.has_screen", lambda: True)
    events = tmp_path / "events.jsonl"
    assert main(["replay", "--fast", str(SESSION), "--events-out", str(events)]) == 0
    assert "identical to the events recorded live" in capsys.readouterr().out
    headless = replay_headless(SESSION, _training)
    assert len(events.read_text().splitlines()) == len(headless.outputs)
