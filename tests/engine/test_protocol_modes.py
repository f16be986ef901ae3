"""What a protocol file declares about its games and its success rules: the training modes that
suit it, how a both-sides hold is judged, and what a rep during a compensation alert counts as."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ProtocolFileError
from engine.protocol import (
    TRAINING_MODE_NAMES,
    Protocol,
    builtin_protocol,
    builtin_protocol_names,
    load_protocol,
    protocol_from_plain,
    suitable_modes,
)

ONE_LEG = """\
name = "One leg"
{modes}
[target]
muscle = "quadriceps"
side = "{side}"
low_pct = 20.0
high_pct = 40.0

[timing]
hold_s = 5.0
rest_s = 5.0
reps = 3
"""


def load(tmp_path: Path, modes: str = "", side: str = "involved", extra: str = "") -> Protocol:
    path = tmp_path / "p.toml"
    path.write_text(ONE_LEG.format(modes=modes, side=side) + extra, encoding="utf-8")
    return load_protocol(path)


def test_every_builtin_declares_modes_that_suit_it() -> None:
    for name in builtin_protocol_names():
        protocol = builtin_protocol(name)
        assert protocol.modes
        assert set(protocol.modes) <= set(suitable_modes(protocol.kind, protocol.target.side))
        assert set(protocol.modes) <= set(TRAINING_MODE_NAMES)
    assert "symmetry" not in builtin_protocol("quad_set").modes
    assert builtin_protocol("mvc_test").modes == ("mvc_test", "clinician")
    assert all("mvc_test" not in builtin_protocol(name).modes
               for name in builtin_protocol_names() if name != "mvc_test")
    assert builtin_protocol("symmetry_hold").modes[0] == "symmetry"


def test_a_file_without_modes_gets_those_its_kind_and_side_suit(tmp_path: Path) -> None:
    one_leg = load(tmp_path)
    assert one_leg.modes == ("hold", "runner", "clinician")
    both = load(tmp_path, side="both")
    assert "symmetry" in both.modes


@pytest.mark.parametrize(("modes", "problem"), [
    ('modes = ["symmetry"]', "contains 'symmetry'"),
    ('modes = []', "is empty"),
    ('modes = ["hold", "hold"]', "with a mode twice"),
    ('modes = ["balloon"]', "contains 'balloon'"),
    ('modes = "hold"', "is 'hold'"),
])
def test_modes_that_do_not_suit_are_refused_naming_those_that_do(
    tmp_path: Path, modes: str, problem: str
) -> None:
    with pytest.raises(ProtocolFileError) as caught:
        load(tmp_path, modes)
    message = str(caught.value)
    assert "field 'modes'" in message
    assert problem in message
    assert "'hold', 'runner', 'clinician'" in message
    assert "\n" not in message


def test_a_maximal_test_without_modes_opens_on_its_own_screen() -> None:
    plain = dict(builtin_protocol("mvc_test").to_plain())
    del plain["modes"]
    assert protocol_from_plain(plain, "test").modes == ("mvc_test", "clinician")


def test_a_maximal_test_may_not_offer_the_balloon() -> None:
    plain = builtin_protocol("mvc_test").to_plain() | {"modes": ["hold", "clinician"]}
    with pytest.raises(ProtocolFileError, match="'clinician'"):
        protocol_from_plain(plain, "test")


SYMMETRY = '\n[symmetry]\nmetric = "lsi"\nthreshold_pct = 90.0\n'
COMPENSATION = ('\n[compensation]\nnumerator = "hamstrings"\ndenominator = "quadriceps"\n'
                'limit = 1.0\n')


def test_a_both_sides_hold_is_judged_on_each_side_unless_told_otherwise(tmp_path: Path) -> None:
    rules = [load(tmp_path, side=side, extra=SYMMETRY + told).symmetry for side, told in (
        ("both", ""), ("involved", ""), ("both", 'hold_success = "mean"\n'))]
    assert [r.hold_success if r else None for r in rules] == ["each_side", "mean", "mean"]
    with pytest.raises(ProtocolFileError, match=r"symmetry\.hold_success"):
        load(tmp_path, side="both", extra=SYMMETRY + 'hold_success = "average"\n')


def test_a_rep_during_a_compensation_alert_fails_unless_told_to_count_and_mark(
    tmp_path: Path,
) -> None:
    rules = [load(tmp_path, extra=COMPENSATION + told).compensation
             for told in ("", 'during_alert = "count_and_mark"\n')]
    assert [r.during_alert if r else None for r in rules] == ["fail", "count_and_mark"]
    with pytest.raises(ProtocolFileError, match="'fail', 'count_and_mark'"):
        load(tmp_path, extra=COMPENSATION + 'during_alert = "ignore"\n')


@pytest.mark.parametrize("name", builtin_protocol_names())
def test_the_new_fields_round_trip_through_plain_data(name: str) -> None:
    protocol = builtin_protocol(name)
    assert protocol_from_plain(protocol.to_plain(), "test") == protocol


def test_a_recording_made_before_the_fields_existed_still_loads() -> None:
    plain = dict(builtin_protocol("glute_bridge").to_plain())
    del plain["modes"]
    for table, key in (("symmetry", "hold_success"), ("compensation", "during_alert")):
        section = dict(plain[table])  # type: ignore[arg-type]
        del section[key]
        plain[table] = section
    old = protocol_from_plain(plain, "old recording")
    assert old.modes == ("hold", "symmetry", "runner", "clinician")
    assert old.compensation is not None
    assert old.compensation.during_alert == "fail"
