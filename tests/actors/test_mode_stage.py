"""The mode stage feeds every new view to what the screens read besides the view."""

from __future__ import annotations

from actors.mode_stage import ModeStage
from modes import registry
from tests.modes import view_samples


def test_each_new_view_feeds_the_trace_and_the_score() -> None:
    stage = ModeStage("runner", menu=None, factories=registry.MODES, seed=1)
    first = view_samples.session(t_ns=39_000_000_000, reps=((10.0, True),))
    second = view_samples.session(t_ns=45_000_000_000, reps=((10.0, True), (6.0, False)))
    stage.observe(first)
    stage.observe(second)
    assert len(stage.context.trace) == 2
    score = stage.context.score.score()
    assert score.reps_scored == 2
    assert score.points == 200 + 60
    assert score.best_streak == 1
