"""``myoplay play`` of a comparison, headless: the virtual client performs every variation, the
exercise lab ranks them, the terminal prints the ranking; the recording replays identically and
``myoplay compare`` on it ranks the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.errors import ConfigError
from myoplay.protocol_choice import resolve_protocol
from tests.test_play_cli import myoplay

#: The built-in glute comparison cut to two exercises with short rests.
SHORT_COMPARISON = """\
name = "Glutes: hip thrust or split squat"
kind = "compare"
modes = ["exercise_lab"]

[target]
muscle = "gluteus_maximus"
side = "both"

[timing]
ready_s = 1.0
hold_s = 2.0
contract_s = 8.0
rest_s = 1.0
reps = 3
set_rest_s = 2.0

[comparison]
metric = "mean_pct"
compensators = ["hamstrings"]

[[variation]]
id = "hip_thrust"
name = "Hip thrust"
instruction = "Drive the hips up until the body is level, then lower."

[[variation]]
id = "bulgarian_split_squat"
name = "Bulgarian split squat"
instruction = "Lower the back knee towards the floor, then push up through the front heel."
"""


def means(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """Each variation's mean as printed (one decimal)."""
    found = {}
    for name in names:
        match = re.search(rf"{name}:? +(?:\d+ +)?(\d+\.\d) ", text)
        assert match, (name, text)
        found[name] = match.group(1)
    return found


@pytest.mark.slow
def test_a_headless_comparison_ranks_the_variations_and_compare_agrees(tmp_path: Path) -> None:
    protocol = tmp_path / "glutes.toml"
    protocol.write_text(SHORT_COMPARISON)
    done = myoplay("play", "--protocol", str(protocol), "--speed", "50", "--no-sound",
                   "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "exercises      2 of 2" in out
    assert "1. Bulgarian split squat:" in out
    assert "2. Hip thrust:" in out
    folder = tmp_path / "session-001"
    summary = json.loads((folder / "summary.json").read_text())
    assert [row["variation_id"] for row in summary["comparison"]["rows"]] == [
        "bulgarian_split_squat", "hip_thrust"]
    recording = folder / "session.myoplay"
    replay = myoplay("replay", "--fast", "--headless", str(recording))
    assert replay.returncode == 0, replay.stderr
    assert "identical to the events recorded live" in replay.stdout
    offline = myoplay("compare", str(recording), "--history", str(tmp_path / "h.sqlite"),
                      "--report", str(tmp_path / "report"))
    assert offline.returncode == 0, offline.stderr
    names = ("Bulgarian split squat", "Hip thrust")
    assert means(offline.stdout, names) == means(out, names)


def test_a_comparison_needs_two_reps_of_each_variation() -> None:
    assert resolve_protocol("compare_gluteus_maximus", 4).reps_prescribed == 16
    with pytest.raises(ConfigError, match="too few for a comparison"):
        resolve_protocol("compare_gluteus_maximus", 1)


@pytest.mark.slow
def test_a_lab_session_filed_under_a_client_files_its_comparison_and_a_rebuild_too(
        tmp_path: Path) -> None:
    from history.store import HistoryStore

    protocol = tmp_path / "glutes.toml"
    protocol.write_text(SHORT_COMPARISON)
    store = tmp_path / "history.sqlite3"
    made = myoplay("history", "--history", str(store), "client", "P-0042")
    assert made.returncode == 0, made.stderr
    done = myoplay("play", "--protocol", str(protocol), "--reps", "2", "--speed", "200",
                   "--no-sound", "--out", str(tmp_path / "out"), "--client", "P-0042",
                   "--history", str(store))
    assert done.returncode == 0, done.stderr
    rebuilt = tmp_path / "rebuilt.sqlite3"
    again = myoplay("history", "--history", str(rebuilt), "rebuild", str(tmp_path / "out"))
    assert again.returncode == 0, again.stderr
    tables = ("comparisons", "comparison_variations", "comparison_reps",
              "comparison_rep_muscles")
    with HistoryStore(store) as live, HistoryStore(rebuilt) as later:
        filed = live.table("comparisons")
        assert [(row["client_id"], row["protocol_name"]) for row in filed] == [
            ("P-0042", "Glutes: hip thrust or split squat")]
        assert filed[0]["recording_sha256"] == live.table("sessions")[0]["recording_sha256"]
        variations = live.table("comparison_variations")
        assert [row["variation_id"] for row in variations] == [
            "bulgarian_split_squat", "hip_thrust"]
        assert sum(row["judged"] for row in live.table("comparison_reps")) == 4
        for table in tables:
            drop = {"analysed_at"}
            assert ([{k: v for k, v in row.items() if k not in drop} for row in live.table(table)]
                    == [{k: v for k, v in row.items() if k not in drop}
                        for row in later.table(table)]), table
