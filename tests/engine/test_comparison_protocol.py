"""Comparison protocols (``kind = "compare"``): the built-ins, the round trip through plain
data, markers naming variations, and one line naming the field for every bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.comparison_analysis import MarkerNote, variation_spans
from engine.comparison_plan import ComparisonMetric
from engine.errors import ProtocolFileError
from engine.protocol import (
    builtin_protocol,
    load_protocol,
    protocol_from_plain,
    suitable_modes,
)

BASE = """\
name = "Mine"
kind = "compare"
[target]
muscle = "gluteus_maximus"
side = "both"
[timing]
hold_s = 2.0
rest_s = 3.0
reps = 5
[comparison]
compensators = ["hamstrings"]
{comparison}
[[variation]]
id = "a"
name = "Exercise A"
instruction = "Do A."
{first}
[[variation]]
id = "b"
name = "Exercise B"
instruction = "Do B."
"""


def load(tmp_path: Path, comparison: str = "", first: str = "", extra: str = ""):
    path = tmp_path / "mine.toml"
    path.write_text(BASE.format(comparison=comparison, first=first) + extra, encoding="utf-8")
    return load_protocol(path)


def test_builtins_compare_the_prescribed_exercises() -> None:
    glutes = builtin_protocol("compare_gluteus_maximus")
    assert glutes.comparison is not None
    assert [v.name for v in glutes.comparison.variations] == [
        "Hip thrust", "Glute bridge", "Cable pull-through", "Bulgarian split squat"]
    assert glutes.comparison.compensators == ("hamstrings",)
    assert glutes.modes == ("exercise_lab",) == suitable_modes("compare", "both")
    assert glutes.reps_prescribed == 24
    quads = builtin_protocol("compare_quadriceps").comparison
    assert quads is not None
    assert [v.id for v in quads.variations] == [
        "straight_leg_raise", "quad_set", "terminal_knee_extension", "wall_squat"]
    cue = builtin_protocol("cue_ab_glute_squeeze").comparison
    assert cue is not None
    assert cue.is_cue_test
    assert [v.cue for v in cue.variations] == [None, "Squeeze your glutes at the top"]
    assert builtin_protocol("glute_bridge").comparison is None


def test_a_comparison_survives_plain_data_and_takes_its_defaults(tmp_path) -> None:
    protocol = load(tmp_path, 'metric = "target_share"\nconfidence_pct = 90',
                    'reps = 8\nrest_s = 10.0\ncue = "Squeeze"')
    assert protocol_from_plain(protocol.to_plain(), "log") == protocol
    plan = protocol.comparison
    assert plan is not None
    assert plan.metric is ComparisonMetric.TARGET_SHARE
    assert plan.confidence == pytest.approx(0.9)
    assert plan.targets == ("gluteus_maximus",)
    first, second = plan.variations
    assert (first.reps, first.rest_s, first.cue) == (8, 10.0, "Squeeze")
    assert (second.reps, second.rest_s, second.cue) == (5, 3.0, None)
    assert protocol.reps_prescribed == 13
    assert plan.find("exercise-a") is first
    assert plan.find(" B ") is second
    assert plan.find("c") is None


@pytest.mark.parametrize(("comparison", "first", "extra", "field"), [
    ('metric = "loudest"', "", "", "comparison.metric"),
    ('targets = ["gluteus_maximus", "hamstrings"]', "", "", "comparison.compensators"),
    ('targets = ["hamstrings"]', "", "", "comparison.targets"),
    ('targets = ["quadricep"]', "", "", "comparison.targets"),
    ("confidence_pct = 100", "", "", "comparison.confidence_pct"),
    ("colour = 1", "", "", "comparison.colour"),
    ("", "reps = 1", "", "variation[0].reps"),
    ("", "rest_s = 0.1", "", "variation[0].rest_s"),
    ("", 'cue = ""', "", "variation[0].cue"),
    ("", "speed = 2", "", "variation[0].speed"),
    ("", "", '[[variation]]\nid = "A"\nname = "Other"\ninstruction = "x"', "variation[2].id"),
    ("", "", '[[variation]]\nid = "c d"\nname = "C"\ninstruction = "x"', "variation[2].id"),
    ("", "", '[[variation]]\nid = "c"\nname = "C"', "variation[2].instruction"),
    ("", "", "[progression]\nmin_peak_pct = 50", "progression"),
])
def test_bad_comparisons_are_one_line_naming_the_field(tmp_path, comparison, first, extra,
                                                      field) -> None:
    with pytest.raises(ProtocolFileError) as caught:
        load(tmp_path, comparison, first, extra)
    message = str(caught.value)
    assert f"field '{field}'" in message
    assert "\n" not in message


def test_variations_need_two_and_other_kinds_no_comparison(tmp_path) -> None:
    one = BASE.split("[[variation]]\nid = \"b\"")[0].format(comparison="", first="")
    path = tmp_path / "one.toml"
    path.write_text(one, encoding="utf-8")
    with pytest.raises(ProtocolFileError, match="field 'variation' has 1 variations"):
        load_protocol(path)
    hold = builtin_protocol("quad_set").to_plain()
    hold["comparison"] = {"metric": "mean_pct"}
    with pytest.raises(ProtocolFileError, match="field 'comparison' is given for a 'hold'"):
        protocol_from_plain(hold, "test")
    share = BASE.format(comparison='metric = "target_share"', first="").replace(
        'compensators = ["hamstrings"]', "")
    path.write_text(share, encoding="utf-8")
    with pytest.raises(ProtocolFileError, match=r"field 'comparison\.compensators' is empty"):
        load_protocol(path)


def test_markers_give_each_variation_its_stretch() -> None:
    plan = builtin_protocol("compare_gluteus_maximus").comparison
    assert plan is not None
    notes = [
        MarkerNote(1.0, None, "Hip thrust"),            # runs to the next variation
        MarkerNote(5.0, 2.0, "glute-bridge"),            # its duration
        MarkerNote(8.0, None, "cable pull-through start"),
        MarkerNote(9.0, None, "rep 1"),                  # names nothing: ignored
        MarkerNote(10.0, None, "cable_pull_through end"),
        MarkerNote(12.0, None, "event variation_started bulgarian_split_squat"),
        MarkerNote(14.0, None, ""),                      # a label column going blank
    ]
    spans = variation_spans(notes, plan, 100.0, 2000)
    assert [(s.variation_id, s.start_index, s.end_index) for s in spans] == [
        ("hip_thrust", 100, 500), ("glute_bridge", 500, 700),
        ("cable_pull_through", 800, 1000), ("bulgarian_split_squat", 1200, 1400)]
