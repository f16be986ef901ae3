"""The player hears of fading and of the clinician's feedback changes when they happen."""

from __future__ import annotations

import dataclasses

from engine.messages import RuleEvent
from modes import readouts
from tests.modes import view_samples


def with_event(kind: str, data: dict[str, object], age_ns: int = 1_000_000_000) -> object:
    view = view_samples.session()
    event = RuleEvent(view.t_ns - age_ns, kind, "", data)  # type: ignore[arg-type]
    return dataclasses.replace(view, recent_events=(*view.recent_events, event))


def test_the_first_rep_by_feel_is_announced() -> None:
    view = with_event("feedback_faded", {"successes": 4, "fraction": 0.5})
    assert readouts.news(view) == "Now by feel: the bar hides, hold the level you learned"  # type: ignore[arg-type]
    old = with_event("feedback_faded", {"successes": 4, "fraction": 0.5}, age_ns=10**10)
    assert readouts.news(old) is None  # type: ignore[arg-type]


def test_a_new_feedback_schedule_is_said_in_the_players_words() -> None:
    view = with_event("feedback_changed", {"mode": "bandwidth", "previous": "faded"})
    assert readouts.news(view) == "The bar shows only when you drift out of the band"  # type: ignore[arg-type]
