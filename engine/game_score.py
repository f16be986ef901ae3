"""Points, streaks and levels: the game's reward for what the rules judged, never a judgement.

The score is a fold over the rules' rep results (:class:`~engine.rules.session_summary.RepResult`)
in the order the reps ended, so the same session always scores the same, live or replayed, and
nothing here feeds back into the rules. It rewards what the protocol asks for, honestly:

- time in the target zone, :data:`POINTS_PER_ZONE_S` a second, in every rep (a failed rep
  still earns the time it really spent in the zone);
- a completed hold, :data:`POINTS_PER_HOLD`;
- a streak of completed holds in a row, :data:`STREAK_BONUS_STEP` more per hold in the streak
  (up to :data:`STREAK_BONUS_MAX`); a failed rep ends the streak.

Levels rise with points on a gently widening ladder (:func:`level_floor`), so early levels come
within the first session and later ones keep coming over weeks of sessions (a caller that keeps
lifetime points passes them to :func:`level_for`). Integer arithmetic only: no float rounding
decides a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.messages import PlainValue
from engine.rules.session_summary import RepResult

POINTS_PER_ZONE_S = 10
"""Points per second in the target zone (counted to the nearest tenth of a point's second)."""
POINTS_PER_HOLD = 100
"""Points for a rep whose hold the rules completed."""
STREAK_BONUS_STEP = 25
"""Extra points per completed hold already in the streak."""
STREAK_BONUS_MAX = 100
"""The streak bonus stops growing here (a fifth hold in a row and beyond)."""
LEVEL_STEP_POINTS = 50
"""Scale of the level ladder: level n starts at ``LEVEL_STEP_POINTS * (n - 1) * (n + 2)``."""


def level_floor(level: int) -> int:
    """Points at which ``level`` (from 1) starts: 0, 200, 500, 900, 1400, ..."""
    if level < 1:
        raise ValueError(f"levels start at 1, got {level}")
    return LEVEL_STEP_POINTS * (level - 1) * (level + 2)


def level_for(points: int) -> int:
    """The level ``points`` reach (1 with none)."""
    level = 1
    while level_floor(level + 1) <= points:
        level += 1
    return level


@dataclass(frozen=True, slots=True)
class RepPoints:
    """What one rep earned, item by item (the "+140" a game flashes after the rep)."""

    zone: int
    hold: int
    streak_bonus: int

    @property
    def total(self) -> int:
        return self.zone + self.hold + self.streak_bonus


def rep_points(success: bool, time_in_zone_s: float, streak_before: int) -> RepPoints:
    """The points of a rep with ``streak_before`` completed holds in a row before it."""
    zone = max(0, round(time_in_zone_s * POINTS_PER_ZONE_S))
    if not success:
        return RepPoints(zone, 0, 0)
    bonus = min(STREAK_BONUS_MAX, STREAK_BONUS_STEP * streak_before)
    return RepPoints(zone, POINTS_PER_HOLD, bonus)


@dataclass(frozen=True, slots=True)
class GameScore:
    """The score after some reps: points, the streak now and the best one, the level."""

    points: int = 0
    streak: int = 0
    """Completed holds in a row up to the last rep (0 after a failed rep)."""
    best_streak: int = 0
    reps_scored: int = 0
    last_rep: RepPoints | None = None
    """What the last rep earned (None before the first)."""

    @property
    def level(self) -> int:
        return level_for(self.points)

    @property
    def next_level_points(self) -> int:
        """Points where the next level starts."""
        return level_floor(self.level + 1)

    @property
    def level_fraction(self) -> float:
        """How far through the current level the points are, 0–1 (for a progress bar)."""
        floor = level_floor(self.level)
        return (self.points - floor) / (self.next_level_points - floor)

    def after_rep(self, success: bool, time_in_zone_s: float) -> GameScore:
        """The score once a rep with this outcome is added."""
        earned = rep_points(success, time_in_zone_s, self.streak)
        streak = self.streak + 1 if success else 0
        return GameScore(
            points=self.points + earned.total,
            streak=streak,
            best_streak=max(self.best_streak, streak),
            reps_scored=self.reps_scored + 1,
            last_rep=earned,
        )

    def describe(self) -> str:
        """One line for a report: "410 points, level 2 (next at 500), best streak 2"."""
        return (f"{self.points} points, level {self.level} (next at {self.next_level_points}), "
                f"best streak {self.best_streak}")

    def to_plain(self) -> dict[str, PlainValue]:
        """The numbers for ``summary.json`` and reports."""
        return {
            "points": self.points,
            "level": self.level,
            "next_level_points": self.next_level_points,
            "streak": self.streak,
            "best_streak": self.best_streak,
            "reps_scored": self.reps_scored,
        }


def score_reps(reps: Iterable[RepResult]) -> GameScore:
    """The score of ``reps`` in the order given (the order they ended)."""
    score = GameScore()
    for rep in reps:
        score = score.after_rep(rep.success, rep.time_in_zone_s)
    return score
