"""Alerts that belong to a contraction, success judged per side and under compensation, and a
player's pause that keeps the hold: scripted patients on envelope level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from engine.messages import ConfigChange, RuleEvent, Side
from engine.protocol import builtin_protocol, protocol_from_plain
from engine.rules import RulesEngine
from engine.view import ExerciseView
from tests.engine.rules.scripted_patient import BRIDGE, LEGS, Intent, follows_cues, run_patient

NS = 1_000_000_000


def of_kind(events: Sequence[RuleEvent], kind: str) -> list[RuleEvent]:
    return [e for e in events if e.kind == kind]


def squat(left_pct: float, right_pct: float) -> Intent:
    """Both quadriceps at fixed levels while contracting, hamstrings quiet."""

    def intent(view: ExerciseView, t_s: float) -> Sequence[float]:
        if view.phase != "contract":
            return [2.0, 2.0, 3.0, 3.0]
        return [left_pct, right_pct, 8.0, 8.0]

    return intent


def test_a_symmetry_hold_at_58_percent_symmetry_does_not_succeed() -> None:
    # 36 and 62 %MVC: each in the 30-70 band and the mean too, but the LSI is 58 %.
    engine = RulesEngine(builtin_protocol("symmetry_hold"), LEGS)
    events = run_patient(engine, squat(36.0, 62.0), 100.0, block_s=0.1)
    reps = of_kind(events, "rep_completed")
    assert len(reps) >= 2
    assert not any(r.data["success"] for r in reps)
    assert "hold_completed" not in [e.kind for e in events]
    assert engine.summary().reps_completed == 0


def test_a_matched_symmetry_hold_succeeds() -> None:
    engine = RulesEngine(builtin_protocol("symmetry_hold"), LEGS)
    events = run_patient(engine, squat(60.0, 62.0), 75.0, block_s=0.1)
    reps = of_kind(events, "rep_completed")
    assert len(reps) >= 2
    assert all(r.data["success"] for r in reps)


def lenient_symmetry_hold(hold_success: str) -> Any:
    """A both-sides hold whose symmetry threshold (LSI 50 %) alone would let 28/45 pass."""
    return protocol_from_plain({
        "id": "lenient", "name": "lenient", "modes": ["hold"],
        "target": {"muscle": "quadriceps", "side": "both", "low_pct": 30.0, "high_pct": 60.0},
        "timing": {"ready_s": 1.0, "hold_s": 3.0, "contract_s": 6.0, "rest_s": 2.0, "reps": 3},
        "symmetry": {"metric": "lsi", "threshold_pct": 50.0, "hold_success": hold_success},
    }, "test")


@pytest.mark.parametrize(("hold_success", "succeeds"), [("each_side", False), ("mean", True)])
def test_each_side_must_be_in_the_band_unless_the_protocol_judges_the_mean(
    hold_success: str, succeeds: bool
) -> None:
    # Left 28 %MVC is under the 30-60 band, right 45 in it, the mean 36.5 in it.
    engine = RulesEngine(lenient_symmetry_hold(hold_success), LEGS)
    events = run_patient(engine, squat(28.0, 45.0), 25.0, block_s=0.1)
    reps = of_kind(events, "rep_completed")
    assert len(reps) == 3
    assert all(r.data["success"] is succeeds for r in reps)


def bridge_with_hamstrings(right_hamstrings_pct: float) -> Intent:
    """Glutes in the band, the right hamstrings at the given level throughout each hold."""

    def intent(view: ExerciseView, t_s: float) -> Sequence[float]:
        if view.phase != "contract":
            return [2.0, 2.0, 2.0, 2.0]
        return [45.0, 45.0, 30.0, right_hamstrings_pct]

    return intent


def bridge_protocol(during_alert: str) -> Any:
    plain = builtin_protocol("glute_bridge").to_plain()
    compensation = dict(plain["compensation"])  # type: ignore[arg-type]
    compensation["during_alert"] = during_alert
    return protocol_from_plain(plain | {"compensation": compensation}, "test")


def test_a_bridge_rep_during_a_compensation_alert_fails_with_the_mark() -> None:
    protocol = builtin_protocol("glute_bridge")
    assert protocol.compensation is not None
    assert protocol.compensation.during_alert == "fail"
    engine = RulesEngine(protocol, BRIDGE)
    events = run_patient(engine, bridge_with_hamstrings(90.0), 20.0)
    assert of_kind(events, "compensation_alert")
    reps = of_kind(events, "rep_completed")
    assert reps
    for rep in reps:
        assert rep.data["success"] is False
        assert rep.data["compensated"] is True
        assert rep.data["failed_by"] == "compensation"
    assert engine.summary().reps_completed == 0


def test_count_and_mark_counts_the_rep_and_marks_it() -> None:
    engine = RulesEngine(bridge_protocol("count_and_mark"), BRIDGE)
    events = run_patient(engine, bridge_with_hamstrings(90.0), 20.0)
    reps = of_kind(events, "rep_completed")
    assert reps
    assert all(r.data["success"] is True and r.data["compensated"] is True for r in reps)
    assert all(r.data["failed_by"] is None for r in reps)


def test_a_clean_bridge_rep_is_not_marked() -> None:
    engine = RulesEngine(builtin_protocol("glute_bridge"), BRIDGE)
    events = run_patient(engine, bridge_with_hamstrings(20.0), 20.0)
    reps = of_kind(events, "rep_completed")
    assert reps
    assert all(r.data["success"] is True and r.data["compensated"] is False for r in reps)


def test_alerts_clear_when_the_rep_ends_and_stay_away_through_the_rest() -> None:
    engine = RulesEngine(builtin_protocol("glute_bridge"), BRIDGE)
    views: list[ExerciseView] = []

    def watched(view: ExerciseView, t_s: float) -> Sequence[float]:
        views.append(view)
        return bridge_with_hamstrings(90.0)(view, t_s)

    events = run_patient(engine, watched, 30.0)
    first_rep = of_kind(events, "rep_completed")[0]
    cleared = [e for e in of_kind(events, "compensation_cleared") if e.t_ns == first_rep.t_ns]
    assert len(cleared) == 1
    assert cleared[0].data["reason"] == "rep_end"
    resting = [v for v in views if v.phase in ("rest", "done", "ready")]
    assert resting
    assert all(v.active_alerts == () and v.alert_details == () for v in resting)
    # The next rep, compensating again, is told so again.
    assert len(of_kind(events, "compensation_alert")) >= 2


def test_the_alert_names_the_side_and_the_limit_with_its_hysteresis() -> None:
    engine = RulesEngine(builtin_protocol("glute_bridge"), BRIDGE)
    run_patient(engine, bridge_with_hamstrings(90.0), 6.0)
    view = engine.view()
    assert view.phase == "contract"
    assert "compensation" in view.active_alerts
    (detail,) = [d for d in view.alert_details if d.kind == "compensation"]
    assert (detail.muscle, detail.side, detail.target_muscle) == (
        "hamstrings", "right", "gluteus_maximus")
    assert (detail.alert_at, detail.clears_at) == (1.0, pytest.approx(0.8))
    assert detail.value is not None
    assert detail.value > 1.0


def test_a_symmetry_alert_names_the_weaker_side() -> None:
    engine = RulesEngine(builtin_protocol("symmetry_hold"), LEGS)
    run_patient(engine, squat(62.0, 36.0), 8.0, block_s=0.1)
    view = engine.view()
    (detail,) = [d for d in view.alert_details if d.kind == "symmetry"]
    assert (detail.muscle, detail.side, detail.metric) == ("quadriceps", "right", "lsi")
    assert (detail.alert_at, detail.clears_at) == (90.0, 93.0)


def pause_between(engine: RulesEngine, pause_s: float, resume_s: float) -> None:
    engine.apply(ConfigChange(round(pause_s * NS), "rules.paused", True))
    engine.apply(ConfigChange(round(resume_s * NS), "rules.paused", False))


def test_the_players_pause_keeps_the_hold_and_it_goes_on_after() -> None:
    engine = RulesEngine(builtin_protocol("straight_leg_raise"), LEGS, involved_side=Side.LEFT)
    pause_between(engine, 5.5, 8.5)
    progress_while_paused: list[float] = []

    def patient(view: ExerciseView, t_s: float) -> Sequence[float]:
        if view.phase == "paused":
            progress_while_paused.append(view.hold_progress_s)
        return follows_cues(45.0)(view, t_s)

    events = run_patient(engine, patient, 14.0)
    kinds = [e.kind for e in events]
    assert "hold_broken" not in kinds
    assert [e.data["restart"] for e in of_kind(events, "rep_started")] == [False]
    started = of_kind(events, "hold_started")[0]
    completed = of_kind(events, "hold_completed")[0]
    # 5 s held in all: the 3 s of the pause are skipped, not counted.
    assert completed.t_ns - started.t_ns == pytest.approx(8 * NS, abs=0.05 * NS)
    assert of_kind(events, "rep_completed")[0].data["success"] is True
    # While paused the progress stands still where it was (about 2 s into the hold).
    assert progress_while_paused
    assert max(progress_while_paused) == min(progress_while_paused)
    assert 1.5 < progress_while_paused[0] < 2.5

