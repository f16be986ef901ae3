"""Symmetry metrics and the knowledge-of-results records."""

from __future__ import annotations

import math

import pytest

from engine.errors import MessageFormatError
from engine.messages import canonical
from engine.rules import (
    RepResult,
    SessionSummary,
    SetResult,
    limb_symmetry_index_pct,
    robinson_index_pct,
    symmetry_angle_pct,
)


def test_symmetry_metrics_agree_on_perfect_symmetry() -> None:
    assert limb_symmetry_index_pct(40.0, 40.0) == 100.0
    assert symmetry_angle_pct(40.0, 40.0) == 0.0
    assert robinson_index_pct(40.0, 40.0) == 0.0


def test_forty_percent_weaker_left() -> None:
    left, right = 30.0, 50.0
    assert limb_symmetry_index_pct(left, right) == pytest.approx(60.0)
    assert symmetry_angle_pct(left, right) == pytest.approx(
        (45.0 - math.degrees(math.atan(0.6))) / 90.0 * 100.0
    )
    assert robinson_index_pct(left, right) == pytest.approx(50.0)


def test_symmetry_angle_is_bounded_where_robinson_is_not() -> None:
    assert symmetry_angle_pct(0.0, 10.0) == pytest.approx(50.0)
    assert symmetry_angle_pct(10.0, 0.0) == pytest.approx(-50.0)
    assert robinson_index_pct(0.0, 10.0) == pytest.approx(200.0)


REP = RepResult(
    set_index=1, rep=2, success=True, t_ns=12_000_000_000, duration_s=6.0, time_in_zone_s=5.0,
    peak_pct=55.5, mean_pct=44.0, peak_uv=277.5, symmetry_lsi_pct=None, low_pct=30.0,
    high_pct=60.0, hold_s=5.0,
)


def test_session_summary_round_trips_as_plain_data() -> None:
    summary = SessionSummary(
        protocol_id="symmetry_hold", protocol_name="Wall sit", reps_prescribed=10,
        reps_attempted=2, reps_completed=1, sets_prescribed=2, sets_completed=1,
        time_in_zone_s=9.5, paused_s=0.0, peak_pct_by_channel={"quad-L": 55.5, "quad-R": 60},
        mean_symmetry_lsi_pct=92.0, alerts={"symmetry_alert": 1}, progression_ready=False,
        final_low_pct=30.0, final_high_pct=60.0, final_hold_s=5.0, finished=False, reps=(REP,),
        sets=(SetResult(1, 2, 1, 9.5, 55.5, 92.0),),
    )
    plain = summary.to_plain()
    assert canonical(plain) == plain
    again = SessionSummary.from_plain(plain)
    assert again.to_plain() == plain
    assert again.reps == (REP,)
    assert plain["sets"][0]["success_rate"] == 0.5  # type: ignore[index]


def test_summary_from_plain_refuses_missing_and_mistyped_fields() -> None:
    plain = REP.to_plain()
    del plain["hold_s"]
    with pytest.raises(MessageFormatError, match="hold_s"):
        RepResult.from_plain(plain)
    with pytest.raises(MessageFormatError, match="success"):
        RepResult.from_plain(REP.to_plain() | {"success": "yes"})
    with pytest.raises(MessageFormatError, match="peak_uv"):
        RepResult.from_plain(REP.to_plain() | {"peak_uv": None})
