"""A rep with more time in the zone than the hold asks can still be missed (the hold must be
unbroken): its result keeps the longest unbroken hold, and the words say why."""

from __future__ import annotations

from collections.abc import Sequence

from engine.protocol import protocol_from_plain
from engine.rules import RulesEngine
from engine.view import ExerciseView
from modes import results_text
from tests.engine.rules.scripted_patient import LEGS, run_patient

#: A 10 s hold in 15 s of contraction, dips of up to 0.5 s tolerated.
BROKEN_HOLD = protocol_from_plain({
    "id": "broken_hold", "name": "broken hold", "modes": ["hold"],
    "target": {"muscle": "quadriceps", "side": "both", "low_pct": 30.0, "high_pct": 60.0},
    "timing": {"ready_s": 1.0, "hold_s": 10.0, "contract_s": 15.0, "rest_s": 2.0, "reps": 1,
               "dip_tolerance_s": 0.5},
}, "broken_hold")


def drops_out_for_a_second(view: ExerciseView, t_s: float) -> Sequence[float]:
    """In the band from the start of the contraction, except 1.5 s slack after 9 s of it."""
    working = view.phase == "contract" and not 9.0 <= view.phase_elapsed_s < 10.5
    return [45.0, 45.0, 5.0, 5.0] if working else [2.0, 2.0, 3.0, 3.0]


def test_a_broken_hold_is_missed_with_its_longest_unbroken_part_kept() -> None:
    engine = RulesEngine(BROKEN_HOLD, LEGS)
    run_patient(engine, drops_out_for_a_second, 20.0, block_s=0.05)
    (rep,) = engine.summary().reps
    assert not rep.success
    assert rep.time_in_zone_s > rep.hold_s  # enough time in the zone, but in two pieces
    assert rep.longest_hold_s is not None
    assert 8.0 < rep.longest_hold_s < 9.0
    reason = results_text.missed_reason(rep)
    assert reason == f"longest unbroken hold {rep.longest_hold_s:.1f} s of 10 s"


def test_a_completed_hold_keeps_the_whole_hold_as_its_longest() -> None:
    engine = RulesEngine(BROKEN_HOLD, LEGS)
    run_patient(engine, lambda view, t_s: [45.0, 45.0, 5.0, 5.0] if view.phase == "contract"
                else [2.0, 2.0, 3.0, 3.0], 20.0, block_s=0.05)
    (rep,) = engine.summary().reps
    assert rep.success
    assert rep.longest_hold_s == rep.hold_s
    assert results_text.missed_reason(rep) is None
