"""Headless replay: one pass with a look-ahead, two when an input was recorded late, and a
read-ahead process that changes nothing but the speed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine import __version__
from engine.cli import main
from engine.errors import CorruptReplayError
from engine.messages import RuleEvent, SourceInfo, UserInput
from engine.offline import OfflineEngine, is_input, split_recording
from engine.training import TrainingConfig
from replays.headless import LOOKAHEAD_S, replay_headless
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

SESSION = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"


def _training(config):
    return TrainingConfig.from_plain(config["training"], "test")


def _rewrite(path: Path, move_input_to_end: bool = False, *, engine_version: str = __version__,
             change_an_event: bool = False) -> None:
    """The golden session written again, optionally with its first input moved to the end of
    the file (far behind the frames its stamp falls in), or one recorded event changed."""
    with ReplayReader(SESSION) as reader:
        config = dict(reader.header.config)
        records = [r for r in reader if not isinstance(r, SourceInfo)]
        source = next(iter(reader.sources.values()))
        summary = reader.summary
    moved = next(r for r in records if is_input(r))
    if move_input_to_end:
        records.remove(moved)
        records.append(moved)
    if change_an_event:
        at, event = next((i, r) for i, r in enumerate(records) if isinstance(r, RuleEvent))
        records[at] = dataclasses.replace(event, t_ns=event.t_ns + 1)
    with RecordingWriter(path, seed=1, config=config, sources=[source], fsync=False,
                         engine_version=engine_version) as writer:
        for record in records:
            writer.write(record)
        writer.close(summary)


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


def test_the_command_calls_a_difference_a_bug_only_for_the_same_engine_version(tmp_path, capsys):
    same = tmp_path / "same.myoplay"
    _rewrite(same, change_an_event=True)
    assert main(["replay", "--headless", str(same)]) == 1
    assert "please report this as a bug" in capsys.readouterr().err
    older = tmp_path / "older.myoplay"
    _rewrite(older, engine_version="0.0.1", change_an_event=True)
    assert main(["replay", "--headless", str(older)]) == 0
    assert "the recording was made by myoplay 0.0.1" in capsys.readouterr().out
    plain = tmp_path / "plain.myoplay"
    _rewrite(plain)
    assert main(["replay", "--headless", str(plain)]) == 0
    assert "identical to the events recorded live" in capsys.readouterr().out


def test_the_window_replays_fast_to_the_events_recorded_live(tmp_path, capsys, monkeypatch):
    # SDL's dummy driver stands in for the screen this machine lacks: the replay opens its
    # window, draws every frame and plays to the end exactly as on a desktop.
    monkeypatch.setattr("engine.cli.play.has_screen", lambda: True)
    events = tmp_path / "events.jsonl"
    assert main(["replay", "--fast", str(SESSION), "--events-out", str(events)]) == 0
    assert "identical to the events recorded live" in capsys.readouterr().out
    headless = replay_headless(SESSION, _training)
    assert len(events.read_text().splitlines()) == len(headless.outputs)
