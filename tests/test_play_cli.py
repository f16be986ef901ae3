"""The two session commands as a user runs them: ``myoplay play`` then ``myoplay replay``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def myoplay(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "myoplay", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_headless_play_records_a_session_that_replays_identically(tmp_path: Path):
    done = myoplay("play", "--reps", "1", "--speed", "25", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "running headless" in done.stderr
    assert "reps completed 1 of 1" in done.stdout
    folder = tmp_path / "session-001"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["reps_completed"] == 1
    assert list((folder / "frames").glob("*.png"))
    replay = myoplay("replay", "--fast", "--headless", str(folder / "session.myoplay"),
                     "--events-out", str(tmp_path / "events.jsonl"))
    assert replay.returncode == 0, replay.stderr
    assert "identical to the events recorded live" in replay.stdout
    kinds = [json.loads(line).get("kind") for line in
             (tmp_path / "events.jsonl").read_text().splitlines()]
    assert "rep_completed" in kinds


def test_play_with_a_ble_sensor_and_no_bluetooth_is_one_line_and_status_2(tmp_path: Path):
    done = myoplay("play", "--sensor", "myo", "--out", str(tmp_path))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("myoplay: error")]
    assert len(errors) == 1
    assert "Bluetooth is not available" in errors[0]
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir()), "no session folder for a session that never started"


def test_an_unknown_protocol_names_the_choices(tmp_path: Path):
    done = myoplay("play", "--protocol", "quad_sets_typo", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "unknown protocol 'quad_sets_typo'" in done.stderr
    assert "straight_leg_raise" in done.stderr


def test_play_with_the_tone_runs_and_reports_the_score(tmp_path: Path) -> None:
    done = myoplay("play", "--reps", "2", "--speed", "25", "--tone", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "no sound" not in done.stderr
    score_lines = [line for line in done.stdout.splitlines() if line.startswith("  score ")]
    assert len(score_lines) == 1
    assert " points, level " in score_lines[0]
