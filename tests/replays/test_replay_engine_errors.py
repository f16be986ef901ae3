"""What the replay's engine refuses names the record in the file, headless and in the window.

The reader checks every record's bounds; the engine still refuses some checked records when it
acts on them (frames out of order, a recorded protocol it cannot apply). The error line names the
file and the record's index: the frame's (not the number of a re-cut frame) or the input's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from myoplay.cli import main
from tests.replays.forged_files import forge, golden_bodies

SYNC_EVERY = 8


def _index(body: int) -> int:
    """Index in the file of body ``body`` (0 = the first after the header): the header, then a
    sync after it and after every ``SYNC_EVERY`` bodies."""
    position = body + 1
    return position + 1 + (position - 1) // SYNC_EVERY


def _write(path: Path, header: Any, bodies: list[Any]) -> Path:
    path.write_bytes(forge(header, bodies, sync_every=SYNC_EVERY))
    return path


def _frames_swapped(tmp_path: Path) -> tuple[Path, int]:
    header, bodies = golden_bodies()
    assert bodies[5][0] == bodies[6][0] == "frame"
    bodies[5], bodies[6] = bodies[6], bodies[5]
    return _write(tmp_path / "swapped.myoplay", header, bodies), _index(6)


def _protocol_refused(tmp_path: Path) -> tuple[Path, int]:
    header, bodies = golden_bodies()
    at = next(i for i, b in enumerate(bodies) if b[0] == "config" and b[2] == "rules.protocol")
    bodies[at][3] = {"id": "x", "name": "y", "hold_s": "text"}
    return _write(tmp_path / "protocol.myoplay", header, bodies), _index(at)


def _error_line(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"myoplay: error: {path}: "), err
    return err


@pytest.fixture(params=["headless", "window"])
def replay_argv(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    if request.param == "headless":
        return ["replay", "--headless"]
    # SDL's dummy driver stands in for a screen: the window opens and draws as on a desktop.
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.setattr("myoplay.replay_command.has_screen", lambda: True)
    return ["replay", "--fast"]


def test_a_frame_out_of_order_is_named_by_its_record(tmp_path, capsys, replay_argv):
    path, frame = _frames_swapped(tmp_path)
    assert main([*replay_argv, str(path)]) == 2
    err = _error_line(capsys, path)
    assert f"{path}: record {frame}: " in err
    # The frame by its own number in the file (the fifth, seq 4), not a re-cut frame's.
    assert "frame 4 starts at sample 160, before sample 240" in err


def test_a_refused_recorded_protocol_names_its_record(tmp_path, capsys, replay_argv):
    path, config = _protocol_refused(tmp_path)
    assert main([*replay_argv, str(path)]) == 2
    err = _error_line(capsys, path)
    # The protocol was applied together with other inputs stamped in the same frame: the
    # line names those records, the refused one among them, never "records up to N".
    named = re.search(r": records? ([\d, ]+)", err)
    assert named is not None, err
    assert config in [int(n) for n in named.group(1).split(", ")], err
    assert "up to" not in err
    assert "hold_s" in err


def test_inspect_describes_a_truncated_file_with_a_warning_line(tmp_path, capsys):
    data = forge(*golden_bodies(), sync_every=SYNC_EVERY)
    path = tmp_path / "cut.myoplay"
    path.write_bytes(data[: len(data) * 2 // 3])
    assert main(["inspect", str(path)]) == 1
    captured = capsys.readouterr()
    assert "verdict:   truncated after record " in captured.out
    assert "sources:" in captured.out
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"myoplay: warning: {path}: truncated after record ")


def test_inspect_answers_a_corrupt_file_with_one_line(tmp_path, capsys):
    path, _ = _frames_swapped(tmp_path)  # the engine's business: inspect reads it whole
    assert main(["inspect", str(path)]) == 0
    capsys.readouterr()
    damaged = tmp_path / "damaged.myoplay"
    data = path.read_bytes()
    at = data.index(b"\xa5radio")
    damaged.write_bytes(data[:at] + b"\xa3" + data[at + 1:])
    for json in ([], ["--json"]):
        assert main(["inspect", str(damaged), *json]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1
        assert captured.err.startswith(f"myoplay: error: {damaged}: corrupt at record ")


def test_events_out_never_touches_the_recording_and_a_failed_replay_leaves_nothing(
    tmp_path, capsys, replay_argv
):
    path, _ = _frames_swapped(tmp_path)
    data = path.read_bytes()
    (tmp_path / "link.myoplay").symlink_to(path.name)
    os.link(path, tmp_path / "hard.myoplay")
    for out in ("link.myoplay", "hard.myoplay", "missing/events.jsonl", "."):
        assert main([*replay_argv, str(path), "--events-out", str(tmp_path / out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith(f"myoplay: error: --events-out {tmp_path / out}"), err
    events = tmp_path / "events.jsonl"
    assert main([*replay_argv, str(path), "--events-out", str(events)]) == 2  # refused frame
    _error_line(capsys, path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hard.myoplay", "link.myoplay", "swapped.myoplay"
    ]
