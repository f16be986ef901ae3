"""The replay verdict on small hand-made outputs: identical, the same events a rounding apart
(how far, and where first), or different events (where first); and the version sentence."""

from __future__ import annotations

import dataclasses
import math
import struct

import pytest

from engine.messages import ConfigChange, RuleEvent
from engine.versions import VersionChange, describe_changes, version_changes
from replays.verdict import ROUNDING_TOLERANCE, compare_outputs

CALIBRATION = ConfigChange(18_000_000_000, "session.calibration",
                           {"kind": "mvc", "reference_uv": [297.52, 308.33]})
REP = RuleEvent(31_639_500_000, "rep_completed", "",
                {"mean_pct": 28.557047107380157, "rep": 1, "success": True})
ZONE = RuleEvent(31_639_500_000, "zone_left", "quadriceps:left",
                 {"level_pct": 25.789152851596018, "reason": "rep_end"})
LIVE = [CALIBRATION, REP, ZONE]


def _with(record, **data):
    """``record`` with some of its data (or its calibration's value) replaced."""
    if isinstance(record, ConfigChange):
        return dataclasses.replace(record, value={**record.value, **data})
    return dataclasses.replace(record, data={**record.data, **data})


def test_equal_outputs_are_identical():
    verdict = compare_outputs(LIVE, [dataclasses.replace(r) for r in LIVE])
    assert (verdict.outcome, verdict.first) == ("identical", None)
    assert verdict.describe() == "identical to the events recorded live"


def test_nan_equals_nan_whatever_its_bits():
    other_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8_0000_0000_0001))[0]
    assert math.isnan(other_nan)
    verdict = compare_outputs([_with(REP, mean_pct=math.nan)], [_with(REP, mean_pct=other_nan)])
    assert verdict.outcome == "identical"


def test_numbers_a_rounding_apart_are_the_same_events_with_the_largest_difference():
    replayed = [
        _with(CALIBRATION, reference_uv=[297.52, 308.33 * (1 + 4e-16)]),
        _with(REP, mean_pct=REP.data["mean_pct"] * (1 + 1e-12)),
        ZONE,
    ]
    verdict = compare_outputs(LIVE, replayed)
    assert verdict.outcome == "rounding"
    assert verdict.largest_relative == pytest.approx(1e-12, rel=1e-3)
    first = verdict.first
    assert (first.index, first.field.path) == (0, "value.reference_uv[1]")
    assert first.field.recorded == 308.33
    text = verdict.describe()
    assert "within 1e-12 relative" in text
    assert "output 0 (config session.calibration at 18.000 s)" in text
    assert f"value.reference_uv[1] is 308.33 live, {replayed[0].value['reference_uv'][1]!r}" in text


def test_a_signed_zero_is_a_rounding_of_no_size():
    verdict = compare_outputs([_with(REP, mean_pct=0.0)], [_with(REP, mean_pct=-0.0)])
    assert (verdict.outcome, verdict.largest_relative) == ("rounding", 0.0)
    assert verdict.first.field.path == "data.mean_pct"


@pytest.mark.parametrize(
    ("replayed_rep", "path"),
    [
        (dataclasses.replace(REP, t_ns=REP.t_ns + 500_000), "t_ns"),
        (dataclasses.replace(REP, kind="rep_failed"), "kind"),
        (dataclasses.replace(REP, subject="quadriceps:right"), "subject"),
        (_with(REP, success=False), "data.success"),
        (_with(REP, rep=1.0), "data.rep"),
        (_with(REP, mean_pct=REP.data["mean_pct"] * (1 + 10 * ROUNDING_TOLERANCE)),
         "data.mean_pct"),
        (_with(REP, mean_pct=math.nan), "data.mean_pct"),
        (_with(REP, extra=1), "data"),
        (ConfigChange(REP.t_ns, "session.calibration", {}), "type"),
    ],
)
def test_anything_but_a_rounding_makes_different_events(replayed_rep, path):
    replayed = [
        _with(CALIBRATION, reference_uv=[297.52, 308.33 * (1 + 4e-16)]),  # a rounding first
        replayed_rep,
        ZONE,
    ]
    verdict = compare_outputs(LIVE, replayed)
    assert verdict.outcome == "different"
    assert (verdict.first.index, verdict.first.field.path) == (1, path)
    assert verdict.describe().startswith(
        "the events differ from the ones recorded live: output 1 (event rep_completed at "
        f"31.640 s): {path} is "
    )


def test_a_missing_or_extra_output_is_a_different_event():
    missing = compare_outputs(LIVE, LIVE[:2])
    assert missing.outcome == "different"
    assert (missing.first.index, missing.first.replayed) == (2, None)
    assert missing.describe().endswith(
        "output 2 (event zone_left on quadriceps:left at 31.640 s) was recorded live, the "
        "replay lacks it"
    )
    extra = compare_outputs(LIVE[:1], LIVE)
    assert (extra.first.index, extra.first.recorded) == (1, None)
    assert extra.describe().endswith(
        "output 1 (event rep_completed at 31.640 s) is the replay's only, not recorded live"
    )


def test_only_the_deciding_versions_that_differ_are_named():
    running = {"myoplay": "0.2.0", "python": "3.11.9", "numpy": "2.4.6", "scipy": "1.17.1"}
    recorded = {**running, "python": "3.11.7", "numpy": "2.3.1"}
    assert version_changes(recorded, running) == [VersionChange("numpy", "2.3.1", "2.4.6")]
    assert version_changes(running, running) == []
    # Python counts by feature release: 3.12 adds floats in ``sum`` differently from 3.11.
    assert version_changes({**running, "python": "3.12.1"}, running) == [
        VersionChange("python", "3.12.1", "3.11.9")
    ]
    assert describe_changes([]) == "recorded with the same myoplay, python, numpy and scipy"
    unknown = version_changes({"myoplay": "0.1.0"}, running)
    assert describe_changes(unknown) == (
        "recorded with myoplay 0.1.0, this is myoplay 0.2.0; the recording does not say which "
        "python, numpy and scipy made it"
    )
