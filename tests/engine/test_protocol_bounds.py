"""Protocol bounds: the hostile files of issue 13 and the edges of every documented bound.

Each refusal is one :class:`ProtocolFileError` line naming the file, the field and what is
allowed; each acceptance is within the bounds (``protocol_invariants``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import protocol as p
from engine.errors import ProtocolFileError
from engine.protocol import load_protocol, protocol_from_plain
from tests.engine.protocol_invariants import assert_within_bounds

GOOD = """\
name = "Bounds hold"
kind = "hold"

[target]
muscle = "quadriceps"
low_pct = 20.0
high_pct = 40.0

[timing]
hold_s = 5.0
rest_s = 5.0
reps = 3
"""


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as caught:
        load_protocol(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    assert len(message) < 2000
    return message


def accepted(tmp_path: Path, text: str) -> p.Protocol:
    path = tmp_path / "edge.toml"
    path.write_text(text, encoding="utf-8")
    protocol = load_protocol(path)
    assert_within_bounds(protocol)
    return protocol


HOSTILE = [
    # (what the issue found, replace this, with this, words the message must hold)
    ("array where a name belongs", "reps = 3", 'reps = 3\n[quality]\npause_on = [["gap"]]',
     "field 'quality.pause_on[0]' nests deeper than 3 levels"),
    ("nesting 5,000 deep", "reps = 3", "reps = " + "[" * 5000 + "]" * 5000,
     "nested too deeply"),
    ("NUL in a muscle name", '"quadriceps"', '"quadriceps\\u0000"',
     "field 'target.muscle' is 'quadriceps\\x00', with a control character"),
    ("escape sequence in the name", '"Bounds hold"', '"\\u001b[2J verdict: complete"',
     "field 'name'"),
    ("line break in the description", 'kind = "hold"', 'kind = "hold"\ndescription = "a\\nb"',
     "field 'description'"),
    ("a hold of 5e-324 s", "hold_s = 5.0", "hold_s = 5e-324",
     "field 'timing.hold_s' is 5e-324; allowed: a number from 0.5 to 300"),
    ("set_s with a tiny hold", "reps = 3", "set_s = 14400.0\nsets = 100",
     "field 'timing.set_s' makes 1440 reps × 100 sets = 144000 reps; allowed: at most 1000"),
    ("reps times sets past the cap", "reps = 3", "reps = 1000\nsets = 2",
     "field 'timing.sets' makes 1000 reps × 2 sets = 2000 reps"),
    ("a name longer than allowed", '"Bounds hold"', '"' + "x" * 81 + '"',
     "field 'name' is 81 characters long; allowed: printable text of 1 to 80"),
    ("a number of 5,000 digits", "hold_s = 5.0", "hold_s = " + "9" * 5000,
     "numbers too long"),
    ("a huge integer", "hold_s = 5.0", "hold_s = 9223372036854775807",
     "field 'timing.hold_s' is 922337"),
    ("an unknown muscle", '"quadriceps"', '"quadricep"',
     "field 'target.muscle' is 'quadricep', not a known muscle; allowed: one of "),
    ("a band too narrow to hold", "high_pct = 40.0", "high_pct = 21.0",
     "field 'target.high_pct' is 21.0; allowed: a number from target.low_pct + 2 (22)"),
    ("a rest too short to relax", "rest_s = 5.0", "rest_s = 0.1",
     "field 'timing.rest_s' is 0.1; allowed: a number from 0.5"),
    ("a text where a table belongs", 'kind = "hold"', 'kind = "hold"\nsymmetry = "x"',
     "field 'symmetry' is 'x' (str); allowed: a table"),
    ("too many fade stages", "reps = 3", "reps = 3\n[feedback]\nfade_stages = ["
     + "1.0, " * 17 + "]", "field 'feedback.fade_stages' has 17 items"),
    ("a control character in an unknown key", "reps = 3", 'reps = 3\n"\\u001b[2J" = 1',
     "field 'timing.'\\x1b[2J'' is not a known field"),
    ("NaN in the fade stages", "reps = 3", "reps = 3\n[feedback]\nfade_stages = [nan]",
     "field 'feedback.fade_stages' contains nan (float)"),
]


@pytest.mark.parametrize(("what", "old", "new", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_get_one_line(
    tmp_path: Path, what: str, old: str, new: str, words: str
) -> None:
    assert old in GOOD, what
    assert words in refusal(tmp_path, GOOD.replace(old, new, 1))


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    text = GOOD + padding * (p.MAX_FILE_BYTES // len(padding) + 1)
    assert "at most 256 kB" in refusal(tmp_path, text)


def test_a_device_is_read_only_up_to_the_limit() -> None:
    zeros = Path("/dev/zero")
    if not zeros.exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(ProtocolFileError, match="larger than 262144 bytes"):
        load_protocol(zeros)


@pytest.mark.parametrize(("old", "new"), [
    ("hold_s = 5.0", f"hold_s = {p.MIN_HOLD_S}"),
    ("hold_s = 5.0", f"hold_s = {p.MAX_HOLD_S}"),
    ("rest_s = 5.0", f"rest_s = {p.MIN_REST_S}"),
    ("reps = 3", f"reps = {p.MAX_TOTAL_REPS}"),
    ("reps = 3", "reps = 10\nsets = 100"),
    ("hold_s = 5.0\nrest_s = 5.0\nreps = 3",
     f"hold_s = 20.0\nrest_s = 37.6\nset_s = {p.MAX_SET_S}"),
    ("high_pct = 40.0", "high_pct = 22.0"),
    ('"Bounds hold"', '"' + "é" * p.MAX_NAME_CHARS + '"'),
])
def test_the_edges_of_the_bounds_are_allowed(tmp_path: Path, old: str, new: str) -> None:
    protocol = accepted(tmp_path, GOOD.replace(old, new, 1))
    again = protocol_from_plain(protocol.to_plain(), "round trip")
    assert again == protocol


@pytest.mark.parametrize(("old", "new", "field"), [
    ("hold_s = 5.0", f"hold_s = {p.MIN_HOLD_S - 0.01}", "timing.hold_s"),
    ("hold_s = 5.0", f"hold_s = {p.MAX_HOLD_S + 0.01}", "timing.hold_s"),
    ("reps = 3", f"reps = {p.MAX_TOTAL_REPS + 1}", "timing.reps"),
    ("reps = 3", "reps = 3\nsets = 101", "timing.sets"),
    ("reps = 3", "reps = 3\nset_rest_s = 0.2", "timing.set_rest_s"),
    ("reps = 3", "reps = 3\ncontract_s = 601.0", "timing.contract_s"),
])
def test_just_past_the_bounds_is_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert f"field '{field}'" in refusal(tmp_path, GOOD.replace(old, new, 1))


def test_adaptive_ceiling_is_above_the_starting_band(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD + "\n[adaptive]\nceiling_pct = 10\n")
    assert "field 'adaptive.ceiling_pct' is 10; allowed: a number from target.high_pct" in message
    message = refusal(tmp_path, GOOD + "\n[adaptive]\nmax_rise_per_session_pct = 60\n")
    assert "field 'adaptive.max_rise_per_session_pct' is 60; allowed: a number from 0 to 50" \
        in message


def test_adaptive_bounds_keep_the_minimum_hold(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD + "\n[adaptive]\nhold_min_s = 0.1\n")
    assert "field 'adaptive.hold_min_s' is 0.1; allowed: a number from 0.5" in message


def _nested(depth: int) -> list[Any]:
    """A list nested ``depth`` deep, built without recursion."""
    inner: list[Any] = []
    for _ in range(depth):
        inner = [inner]
    return inner


@pytest.mark.parametrize(("data", "words"), [
    ({"name": "x", "target": {"muscle": _nested(5000)}}, "nests deeper than 3 levels"),
    ([1, 2], "field '(document)' is [1, 2] (list); allowed: a table of fields"),
    ({1: "x"}, "has the key 1 (int); allowed: text keys"),
    ({"name": "x", "description": list(range(1000))}, "past 400 values"),
])
def test_plain_data_from_a_recording_is_bounded_too(data: object, words: str) -> None:
    with pytest.raises(ProtocolFileError, match="config change") as caught:
        protocol_from_plain(data, "config change")
    assert words in str(caught.value)


def test_an_id_from_the_file_name_is_checked_like_a_written_one(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 70 + ".toml")
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ProtocolFileError, match="field 'id' is 70 characters long"):
        load_protocol(path)
