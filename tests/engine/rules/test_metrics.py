"""Symmetry metrics and the knowledge-of-results records."""

from __future__ import annotations

import math

import pytest

from engine.errors import MessageFormatError
from engine.messages import Side, canonical
from engine.protocol import CompensationRule, SymmetryRule
from engine.rules import RepResult, SessionSummary, SetResult
from engine.rules.compensation import CompensationMonitor
from engine.rules.symmetry_monitor import SymmetryMonitor
from engine.symmetry import limb_symmetry_index_pct, robinson_index_pct, symmetry_angle_pct

NS = 1_000_000_000


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


def symmetry_rule(**overrides: object) -> SymmetryRule:
    values: dict[str, object] = {
        "muscle": "quadriceps", "metric": "lsi", "threshold_pct": 90.0, "hysteresis_pct": 3.0,
        "window_s": 0.02, "min_activation_pct": 10.0, "min_duration_s": 0.0,
    }
    return SymmetryRule(**(values | overrides))  # type: ignore[arg-type]


def test_symmetry_is_not_judged_below_the_activation_gate() -> None:
    monitor = SymmetryMonitor(symmetry_rule(), window_ticks=1, involved=None)
    assert not monitor.update(0, 2.0, 8.0)  # LSI 25 %, but both at rest
    assert monitor.value is None
    assert monitor.update(1, 20.0, 40.0)
    assert monitor.alert.active
    assert monitor.lsi_pct == 50.0


def test_symmetry_alert_clears_only_above_threshold_plus_hysteresis() -> None:
    monitor = SymmetryMonitor(symmetry_rule(), window_ticks=1, involved=None)
    assert monitor.update(0, 30.0, 40.0)
    assert not monitor.update(1, 36.8, 40.0)  # 92 %: above 90 but not above 93
    assert monitor.update(2, 37.6, 40.0)  # 94 %
    assert not monitor.alert.active


def test_lsi_uses_the_involved_side_when_known() -> None:
    monitor = SymmetryMonitor(symmetry_rule(), window_ticks=1, involved=Side.RIGHT)
    monitor.update(0, 20.0, 30.0)
    assert monitor.lsi_pct == pytest.approx(150.0)
    assert not monitor.alert.active  # the operated leg working harder is no deficit
    monitor.update(1, 0.0, 30.0)
    assert monitor.lsi_pct == pytest.approx(300.0)  # a silent other side reads as the gate level


def test_symmetry_angle_rule_alerts_on_either_side() -> None:
    monitor = SymmetryMonitor(symmetry_rule(metric="symmetry_angle", threshold_pct=5.0),
                              window_ticks=1, involved=None)
    assert monitor.update(0, 40.0, 25.0)
    assert monitor.value is not None
    assert monitor.value < -5.0


def compensation_rule(**overrides: object) -> CompensationRule:
    values: dict[str, object] = {
        "numerator": "hamstrings", "denominator": "gluteus_maximus", "metric": "ratio",
        "limit": 1.0, "hysteresis": 0.2, "window_s": 0.02, "min_activation_pct": 10.0,
        "min_duration_s": 0.0, "cooldown_s": 1.0,
    }
    return CompensationRule(**(values | overrides))  # type: ignore[arg-type]


def test_compensation_alert_has_hysteresis_and_a_cooldown() -> None:
    monitor = CompensationMonitor(compensation_rule(), window_ticks=1)
    assert monitor.update(0, 60.0, 40.0)
    assert monitor.value == pytest.approx(1.5)
    assert not monitor.update(1 * NS // 10, 36.0, 40.0)  # 0.9: inside the hysteresis
    assert monitor.update(2 * NS // 10, 30.0, 40.0)  # 0.75: cleared
    assert not monitor.update(3 * NS // 10, 60.0, 40.0)  # cooling down
    assert monitor.update(13 * NS // 10, 60.0, 40.0)


def test_silent_target_muscle_reads_as_strong_compensation() -> None:
    monitor = CompensationMonitor(compensation_rule(), window_ticks=1)
    assert monitor.update(0, 30.0, 0.0)
    assert monitor.value == pytest.approx(3.0)  # denominator floored at the activation gate


def test_co_contraction_index_metric() -> None:
    monitor = CompensationMonitor(compensation_rule(metric="cci", limit=100.0, hysteresis=5.0),
                                  window_ticks=1)
    monitor.update(0, 20.0, 60.0)
    assert monitor.value == pytest.approx(50.0)
    assert not monitor.alert.active
