"""The score board gathers rep results from the views once each, whatever the frames show."""

from __future__ import annotations

import dataclasses

from engine.game_score import score_reps
from engine.messages import RuleEvent
from engine.rules.session_summary import RepResult
from modes.score_board import ScoreBoard
from tests.modes import view_samples


def test_each_rep_counts_once_however_many_views_carry_it() -> None:
    board = ScoreBoard()
    view = view_samples.session(t_ns=70_000_000_000, reps=((10.0, True), (4.0, False),
                                                           (9.5, True)))
    for _ in range(3):
        board.observe(view)
    expected = score_reps(RepResult.from_plain(data) for data in
                          (e.data for e in view.recent_events if e.kind == "rep_completed"))
    assert board.score() == expected
    assert board.score().reps_scored == 3


def test_reps_that_left_the_view_still_count() -> None:
    board = ScoreBoard()
    board.observe(view_samples.session(t_ns=25_000_000_000, reps=((10.0, True),)))
    later = view_samples.session(t_ns=45_000_000_000, reps=((10.0, True), (10.0, True)))
    only_second = dataclasses.replace(later, recent_events=later.recent_events[-1:])
    board.observe(only_second)
    assert board.score().reps_scored == 2
    assert board.score().streak == 2


def test_an_older_view_shows_the_score_of_its_time() -> None:
    board = ScoreBoard()
    board.observe(view_samples.session(t_ns=45_000_000_000, reps=((10.0, True), (10.0, True))))
    assert board.score(until_ns=30_000_000_000).reps_scored == 1


def test_a_new_session_starts_from_nothing() -> None:
    board = ScoreBoard()
    board.observe(view_samples.session(t_ns=45_000_000_000, reps=((10.0, True), (10.0, True))))
    board.observe(view_samples.session(t_ns=1_000_000_000))
    assert board.score().points == 0


def test_a_new_level_is_news_for_a_few_seconds() -> None:
    board = ScoreBoard()
    # A full hold earns 200 points, level 2, with the rep that ended at 20 s; the next does not.
    first = view_samples.session(t_ns=21_000_000_000, reps=((10.0, True),))
    board.observe(first)
    assert board.level_news(first) == "Level 2!"
    assert board.level_news(dataclasses.replace(first, t_ns=25_000_000_000)) is None
    second = view_samples.session(t_ns=41_000_000_000, reps=((10.0, True), (10.0, True)))
    board.observe(second)
    assert board.level_news(second) is None


def test_a_malformed_result_earns_nothing() -> None:
    board = ScoreBoard()
    view = view_samples.session(t_ns=25_000_000_000, reps=((10.0, True),))
    broken = dataclasses.replace(view.recent_events[-1], data={"rep": "one"})
    board.observe(dataclasses.replace(view, recent_events=(broken,)))
    assert board.score().reps_scored == 0


def test_the_zone_history_follows_the_rules_zone_events() -> None:
    board = ScoreBoard()
    entered = RuleEvent(2_000_000_000, "zone_entered", "quadriceps", {"level_pct": 41.0})
    left = RuleEvent(5_000_000_000, "zone_left", "quadriceps", {"level_pct": 38.0})
    view = view_samples.session(t_ns=6_000_000_000)
    board.observe(dataclasses.replace(view, recent_events=(entered, left)))
    board.observe(dataclasses.replace(view, recent_events=(left,)))
    assert [board.in_zone_at(t * 1_000_000_000) for t in (1, 2, 4, 5, 6)] == [
        False, True, True, False, False]
