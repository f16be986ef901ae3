"""Protocol files: built-ins load, round-trip as plain data, and bad files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ProtocolFileError
from engine.messages import QualityFlag
from engine.protocol import (
    builtin_protocol,
    builtin_protocol_names,
    load_protocol,
    protocol_from_plain,
)

GOOD = """\
name = "Test hold"
kind = "hold"

[target]
muscle = "Quadriceps"
side = "left"
low_pct = 20.0
high_pct = 40.0

[timing]
hold_s = 5.0
rest_s = 5.0
reps = 3
"""


def write(tmp_path: Path, text: str, name: str = "my_protocol.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtins_cover_the_prescribed_exercises() -> None:
    assert set(builtin_protocol_names()) == {
        "quad_set", "straight_leg_raise", "symmetry_hold", "glute_bridge", "relaxation",
        "mvc_test", "compare_gluteus_maximus", "compare_quadriceps", "cue_ab_glute_squeeze",
    }


def test_quad_set_is_ten_on_ten_off_for_ten_minutes() -> None:
    quad = builtin_protocol("quad_set")
    assert (quad.timing.hold_s, quad.timing.rest_s) == (10.0, 10.0)
    assert quad.reps_prescribed * (quad.timing.hold_s + quad.timing.rest_s) == 600.0


def test_straight_leg_raise_is_fifteen_five_second_holds() -> None:
    slr = builtin_protocol("straight_leg_raise")
    assert (slr.timing.reps, slr.timing.hold_s, slr.timing.rest_s) == (15, 5.0, 5.0)


def test_bridge_watches_hamstrings_against_glutes() -> None:
    bridge = builtin_protocol("glute_bridge")
    assert bridge.compensation is not None
    assert (bridge.compensation.numerator, bridge.compensation.denominator) == (
        "hamstrings", "gluteus_maximus",
    )


@pytest.mark.parametrize("name", builtin_protocol_names())
def test_builtins_round_trip_through_plain_data(name: str) -> None:
    protocol = builtin_protocol(name)
    again = protocol_from_plain(protocol.to_plain(), "round trip")
    assert again == protocol


def test_user_file_loads_with_defaults(tmp_path: Path) -> None:
    protocol = load_protocol(write(tmp_path, GOOD))
    assert protocol.id == "my_protocol"
    assert protocol.target.muscle == "quadriceps"
    assert protocol.timing.contract_s == 10.0
    assert protocol.quality.pause_on & QualityFlag.LIFT_OFF
    assert protocol.feedback.mode == "concurrent"


def test_unknown_builtin_lists_the_choices() -> None:
    with pytest.raises(ProtocolFileError, match="quad_set"):
        builtin_protocol("quad_sets")


BAD = [
    # (replace this, with this, field named in the message, words of the allowed part)
    ('low_pct = 20.0', 'low_pct = 20.0\nlow_pc = 3', "target.low_pc", "low_pct, muscle"),
    ('reps = 3', 'reps = "three"', "timing.reps", "whole number"),
    ('high_pct = 40.0', 'high_pct = 180.0', "target.high_pct", "up to 150 %MVC"),
    ('low_pct = 20.0', 'low_pct = -5.0', "target.low_pct", "from 1 to 148"),
    ('hold_s = 5.0', 'hold_s = 5.0\ncontract_s = 3.0', "timing.contract_s", "from timing.hold_s"),
    ('reps = 3', 'set_s = 4.0', "timing.hold_s", "no longer than the set"),
    ('reps = 3', 'reps = 3\nset_s = 60.0', "timing.set_s", "one of reps or set_s"),
    ('kind = "hold"', 'kind = "squat"', "kind", "'hold', 'relax', 'mvc'"),
    ('side = "left"', 'side = "up"', "target.side", "'involved'"),
    ('hold_s = 5.0', 'hold_s = nan', "timing.hold_s", "a number from 0.5 to 300"),
    ('hold_s = 5.0', 'hold_s = true', "timing.hold_s", "a number from 0.5 to 300"),
    ('reps = 3', 'reps = 3\ndip_tolerance_s = 6.0', "timing.dip_tolerance_s", "to timing.hold_s"),
    ('[timing]', '[timings]', "timings", "allowed: "),
    ('name = "Test hold"\n', '', "name", "printable text"),
]


@pytest.mark.parametrize(("old", "new", "field", "allowed"), BAD)
def test_bad_files_are_refused_with_one_clear_message(
    tmp_path: Path, old: str, new: str, field: str, allowed: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProtocolFileError) as caught:
        load_protocol(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"field '{field}'" in message
    assert "allowed:" in message
    assert allowed in message
    assert "\n" not in message


RULE_TABLES = [
    ("[symmetry]\nmetric = \"lsi\"\nthreshold_pct = 120.0\n", "symmetry.threshold_pct",
     "up to 100"),
    ("[symmetry]\nmetric = \"ratio\"\n", "symmetry.metric", "'symmetry_angle'"),
    ("[compensation]\nnumerator = \"hamstrings\"\ndenominator = \"hamstrings\"\nlimit = 1.0\n",
     "compensation.denominator", "other than compensation.numerator"),
    ("[compensation]\nnumerator = \"hamstrings\"\ndenominator = \"gluteus_maximus\"\nlimit = 1.0\n"
     "hysteresis = 2.0\n", "compensation.hysteresis", "below compensation.limit"),
    ("[quality]\npause_on = [\"lift_off\", \"sparks\"]\n", "quality.pause_on", "'lift_off'"),
    ("[progression]\nmin_symmetry_pct = 90.0\n", "progression.min_symmetry_pct",
     "together with [symmetry]"),
    ("[adaptive]\nlow_max_pct = 140.0\n", "adaptive.low_max_pct", "may not pass 150"),
    ("[adaptive]\nhold_max_s = 60.0\n", "adaptive.hold_max_s", "to timing.contract_s"),
    ("[feedback]\nmode = \"faded\"\nfade_stages = [0.5, 1.0]\n", "feedback.fade_stages",
     "never increase"),
]


@pytest.mark.parametrize(("table", "field", "allowed"), RULE_TABLES)
def test_bad_rule_tables_are_refused(tmp_path: Path, table: str, field: str, allowed: str) -> None:
    path = write(tmp_path, GOOD + "\n" + table)
    with pytest.raises(ProtocolFileError, match=r"allowed:") as caught:
        load_protocol(path)
    assert f"field '{field}'" in str(caught.value)
    assert allowed in str(caught.value)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n[target\n")
    with pytest.raises(ProtocolFileError, match="not valid TOML") as caught:
        load_protocol(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError, match="cannot read"):
        load_protocol(tmp_path / "nowhere.toml")


def test_relax_drill_takes_a_line_not_a_band(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "hold"', 'kind = "relax"').replace(
        "low_pct = 20.0\nhigh_pct = 40.0", "line_pct = 5.0"
    )
    protocol = load_protocol(write(tmp_path, text))
    assert (protocol.target.low_pct, protocol.target.high_pct) == (0.0, 5.0)
    with pytest.raises(ProtocolFileError, match=r"target\.high_pct.*allowed: .*line_pct"):
        load_protocol(write(tmp_path, GOOD.replace('kind = "hold"', 'kind = "relax"')))
