"""The score: points for time in zone and completed holds, streaks, levels (display only)."""

from __future__ import annotations

import pytest

from engine.game_score import (
    POINTS_PER_HOLD,
    STREAK_BONUS_MAX,
    GameScore,
    level_floor,
    level_for,
    rep_points,
    score_reps,
)
from engine.rules.session_summary import RepResult


def _rep(rep: int, success: bool, in_zone_s: float) -> RepResult:
    return RepResult(set_index=1, rep=rep, success=success, t_ns=rep * 20_000_000_000,
                     duration_s=10.0, time_in_zone_s=in_zone_s, peak_pct=55.0, mean_pct=45.0,
                     peak_uv=300.0, symmetry_lsi_pct=None, low_pct=40.0, high_pct=60.0,
                     hold_s=10.0)


def test_a_rep_earns_its_time_in_zone_and_its_hold() -> None:
    earned = rep_points(True, 10.04, streak_before=0)
    assert (earned.zone, earned.hold, earned.streak_bonus) == (100, POINTS_PER_HOLD, 0)
    assert earned.total == 200


def test_a_failed_rep_earns_only_the_time_it_really_spent_in_the_zone() -> None:
    earned = rep_points(False, 3.26, streak_before=4)
    assert (earned.zone, earned.hold, earned.streak_bonus) == (33, 0, 0)


def test_the_streak_bonus_grows_with_the_streak_and_stops_at_its_cap() -> None:
    bonuses = [rep_points(True, 0.0, streak).streak_bonus for streak in range(7)]
    assert bonuses == [0, 25, 50, 75, 100, 100, 100]
    assert max(bonuses) == STREAK_BONUS_MAX


def test_a_failed_rep_ends_the_streak_and_the_best_one_is_kept() -> None:
    outcomes = [True, True, True, False, True]
    score = score_reps(_rep(k + 1, ok, 8.0 if ok else 2.0) for k, ok in enumerate(outcomes))
    assert (score.streak, score.best_streak, score.reps_scored) == (1, 3, 5)
    # 4 holds, 34 s in zone, streak bonuses 0 + 25 + 50 (then 0 after the miss).
    assert score.points == 4 * POINTS_PER_HOLD + 340 + 75
    assert score.last_rep is not None
    assert score.last_rep.total == 180


def test_levels_start_at_one_and_widen() -> None:
    assert [level_floor(n) for n in range(1, 6)] == [0, 200, 500, 900, 1400]
    assert [level_for(p) for p in (0, 199, 200, 499, 500, 1399, 1400)] == [1, 1, 2, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="levels start at 1"):
        level_floor(0)


def test_level_progress_runs_from_the_level_floor_to_the_next() -> None:
    score = GameScore(points=350)
    assert score.level == 2
    assert score.next_level_points == 500
    assert score.level_fraction == pytest.approx(0.5)


def test_the_plain_form_carries_the_numbers_a_summary_shows() -> None:
    score = score_reps([_rep(1, True, 10.0), _rep(2, True, 10.0)])
    assert score.to_plain() == {"points": 425, "level": 2, "next_level_points": 500,
                                "streak": 2, "best_streak": 2, "reps_scored": 2}


def test_the_same_reps_always_score_the_same() -> None:
    reps = [_rep(k + 1, k % 3 != 2, 0.1 * k) for k in range(30)]
    assert score_reps(reps) == score_reps(list(reps))


def test_a_report_line_says_points_level_and_best_streak() -> None:
    score = score_reps([_rep(1, True, 10.0), _rep(2, True, 8.5)])
    assert score.describe() == "410 points, level 2 (next at 500), best streak 2"
