"""Shaping a physiotherapist would sign: a ceiling and a limit per session that always hold."""

from __future__ import annotations

from collections.abc import Sequence

from engine.messages import ConfigChange, RuleEvent, Side
from engine.protocol import builtin_protocol, protocol_from_plain
from engine.rules import RulesEngine
from engine.view import ExerciseView
from tests.engine.rules.scripted_patient import LEGS, run_patient


def eager(view: ExerciseView, t_s: float) -> Sequence[float]:
    """A patient who pushes well above the band in every rep (and holds it steadily)."""
    wanted = view.target_low_pct + 15.0 if view.phase == "contract" else 1.0
    return [wanted, 1.0, 1.0, 1.0]


def adjusted(events: list[RuleEvent]) -> list[RuleEvent]:
    return [e for e in events if e.kind == "target_adjusted"]


def test_a_thirty_rep_quad_set_stays_under_its_ceiling_and_its_session_limit() -> None:
    protocol = builtin_protocol("quad_set")
    rule = protocol.adaptive
    assert rule is not None
    assert protocol.reps_prescribed == 30
    engine = RulesEngine(protocol, LEGS, involved_side=Side.LEFT)
    events = run_patient(engine, eager, 30 * 20.0 + 10.0, rate_hz=200.0, block_s=0.1)
    assert sum(e.kind == "rep_completed" for e in events) == 30
    changes = adjusted(events)
    assert changes, "an eager patient is shaped upwards at all"
    start = protocol.target.low_pct
    for event in changes:
        assert event.data["high_pct"] <= rule.ceiling_pct
        assert event.data["low_pct"] - start <= rule.max_rise_per_session_pct
    for rep in (e for e in events if e.kind == "rep_completed"):
        assert rep.data["high_pct"] <= rule.ceiling_pct
    summary = engine.summary()
    width = protocol.target.high_pct - protocol.target.low_pct
    highest = min(rule.ceiling_pct - width, start + rule.max_rise_per_session_pct)
    assert summary.final_low_pct == highest  # as far as allowed, and no further
    assert summary.final_high_pct <= rule.ceiling_pct
    assert [b.reason for b in summary.bands] == ["protocol"] + ["shaping_up"] * len(changes)


SHAPING = {
    "id": "limits",
    "name": "Limits",
    "target": {"muscle": "quadriceps", "side": "left", "low_pct": 20.0, "high_pct": 40.0},
    "timing": {"ready_s": 1.0, "hold_s": 2.0, "contract_s": 4.0, "rest_s": 1.0, "reps": 24},
}


def shaped_lows(adaptive: dict[str, float]) -> list[float]:
    engine = RulesEngine(protocol_from_plain(SHAPING | {"adaptive": adaptive}, "test"), LEGS)
    return [e.data["low_pct"] for e in adjusted(run_patient(engine, eager, 160.0))]


def test_the_session_limit_holds_below_a_high_ceiling() -> None:
    lows = shaped_lows({"window_reps": 2, "step_pct": 5.0, "low_max_pct": 100.0,
                        "ceiling_pct": 120.0, "max_rise_per_session_pct": 12.0})
    assert lows == [25.0, 30.0, 32.0]


def test_the_ceiling_holds_below_a_generous_session_limit() -> None:
    lows = shaped_lows({"window_reps": 2, "step_pct": 5.0, "low_max_pct": 100.0,
                        "ceiling_pct": 57.0, "max_rise_per_session_pct": 50.0})
    assert lows == [25.0, 30.0, 35.0, 37.0]


def test_a_clinicians_band_is_the_new_start_of_the_session_limit() -> None:
    plain = SHAPING | {"adaptive": {"window_reps": 2, "step_pct": 5.0, "low_max_pct": 100.0,
                                    "ceiling_pct": 120.0, "max_rise_per_session_pct": 5.0}}
    engine = RulesEngine(protocol_from_plain(plain, "test"), LEGS)
    engine.apply(ConfigChange(40_000_000_000, "rules.target_band_pct", [40.0, 60.0]))
    changes = adjusted(run_patient(engine, eager, 160.0))
    assert [(e.data["low_pct"], e.data["reason"]) for e in changes] == [
        (25.0, "shaping_up"), (40.0, "config"), (45.0, "shaping_up"),
    ]
