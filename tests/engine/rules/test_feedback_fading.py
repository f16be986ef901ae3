"""Faded feedback is earned: the bar hides only after a success, and the first time is told."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from engine.errors import ConfigError
from engine.messages import ConfigChange, RuleEvent
from engine.protocol import protocol_from_plain
from engine.rules import RulesEngine
from engine.view import ExerciseView
from tests.engine.rules.scripted_patient import LEGS, Intent, run_patient

NS = 1_000_000_000


def faded(reps: int, stages: list[float] | None = None) -> dict[str, object]:
    return {
        "id": "faded", "name": "Faded",
        "target": {"muscle": "quadriceps", "side": "left", "low_pct": 20.0, "high_pct": 40.0},
        "timing": {"ready_s": 1.0, "hold_s": 2.0, "contract_s": 4.0, "rest_s": 1.0,
                   "reps": reps},
        "feedback": {"mode": "faded", "fade_stages": stages or [1.0, 0.5, 0.0]},
    }


def patient_who_misses(misses: set[int]) -> Intent:
    """Holds in the band except in the reps (1-based) listed, where they stay far below."""

    def intent(view: ExerciseView, t_s: float) -> Sequence[float]:
        if view.phase != "contract":
            return [1.0] * 4
        return [8.0 if view.rep in misses else 30.0, 1.0, 1.0, 1.0]

    return intent


def starts_and_results(events: list[RuleEvent]) -> list[tuple[bool, bool]]:
    """(shown, succeeded) per rep, in order."""
    shown = [e.data["show_feedback"] for e in events if e.kind == "rep_started"]
    done = [e.data["success"] for e in events if e.kind == "rep_completed"]
    return list(zip(shown, done, strict=False))


@pytest.mark.parametrize("misses", [set(), {1}, {2, 3, 7}, {1, 3, 5, 7, 9, 11}, set(range(1, 13))])
def test_a_rep_goes_by_feel_only_right_after_a_success(misses: set[int]) -> None:
    intent = patient_who_misses(misses)
    engine = RulesEngine(protocol_from_plain(faded(12), "test"), LEGS)
    events = run_patient(engine, intent, 75.0)
    reps = starts_and_results(events)
    assert len(reps) == 12
    assert [not ok for _, ok in reps] == [k in misses for k in range(1, 13)]
    assert reps[0][0], "the first rep always shows the bar"
    for (shown, _), (_, before_ok) in zip(reps[1:], reps, strict=False):
        assert shown or before_ok, "a rep went by feel after a miss"
    if len(misses) == 12:
        assert all(shown for shown, _ in reps)


def test_two_reps_the_first_missed_the_second_still_has_the_bar() -> None:
    intent = patient_who_misses({1})
    engine = RulesEngine(protocol_from_plain(faded(2, [1.0, 0.0]), "test"), LEGS)
    events = run_patient(engine, intent, 15.0)
    assert starts_and_results(events) == [(True, False), (True, True)]
    assert not [e for e in events if e.kind == "feedback_faded"]


def test_fading_advances_with_successes_and_the_first_by_feel_rep_is_announced() -> None:
    intent = patient_who_misses(set())
    engine = RulesEngine(protocol_from_plain(faded(12), "test"), LEGS)
    events = run_patient(engine, intent, 75.0)
    shown = [s for s, _ in starts_and_results(events)]
    assert shown == [True] * 4 + [False, True, False, True] + [False] * 4
    announced = [e for e in events if e.kind == "feedback_faded"]
    assert len(announced) == 1
    first_hidden = [e for e in events if e.kind == "rep_started"][4]
    assert announced[0].t_ns == first_hidden.t_ns
    assert announced[0].data["successes"] == 4


def test_the_clinician_can_switch_the_feedback_back_to_always_live() -> None:
    intent = patient_who_misses(set())
    engine = RulesEngine(protocol_from_plain(faded(12), "test"), LEGS)
    engine.apply(ConfigChange(30 * NS, "rules.feedback_mode", "concurrent"))
    events = run_patient(engine, intent, 75.0)
    changed = [e for e in events if e.kind == "feedback_changed"]
    assert [(e.data["mode"], e.data["previous"]) for e in changed] == [("concurrent", "faded")]
    assert 30 * NS <= changed[0].t_ns < 30 * NS + NS // 20  # the first tick at its stamp
    later = [e.data["show_feedback"] for e in events
             if e.kind == "rep_started" and e.t_ns >= 30 * NS]
    assert later
    assert all(later)
    with pytest.raises(ConfigError, match="feedback_mode"):
        engine.apply(ConfigChange(80 * NS, "rules.feedback_mode", "sometimes"))
