"""When to show concurrent feedback: always, only outside a bandwidth, or faded over reps.

Concurrent feedback on every sample makes learners dependent on it; bandwidth feedback (error
shown only outside a tolerance) and faded feedback (100 % → 50 % → terminal only over the
session) improve retention. Knowledge of results after each rep is always given.
"""

from __future__ import annotations

import math

import numpy as np

from engine.protocol import FeedbackRule


class FeedbackScheduler:
    """Decides per rep (faded) or per tick (bandwidth) whether the live bar is shown.

    For faded feedback the session's reps are split evenly into ``fade_stages``; in a stage with
    fraction f, a rep shows feedback with probability f when a generator is given, or else
    evenly spread (every second rep at 0.5), so the schedule is reproducible either way.
    """

    def __init__(
        self, rule: FeedbackRule, reps_prescribed: int, rng: np.random.Generator | None
    ) -> None:
        self.rule = rule
        self.reps_prescribed = reps_prescribed
        self.rng = rng
        self.rep_shows = True
        self.showing = True
        """Whether the live bar is shown now (set by :meth:`start_rep`, :meth:`show` and
        :meth:`rest`)."""

    def fraction(self, rep_number: int) -> float:
        """The fade stage's fraction for 0-based ``rep_number`` of the session."""
        stages = self.rule.fade_stages
        stage = min(len(stages) - 1, rep_number * len(stages) // max(1, self.reps_prescribed))
        return stages[stage]

    def start_rep(self, rep_number: int) -> bool:
        """Decide whether rep ``rep_number`` (0-based, whole session) shows live feedback."""
        if self.rule.mode != "faded":
            self.rep_shows = True
        elif self.rng is not None:
            self.rep_shows = bool(self.rng.random() < self.fraction(rep_number))
        else:
            fraction = self.fraction(rep_number)
            self.rep_shows = math.floor((rep_number + 1) * fraction) > math.floor(
                rep_number * fraction
            )
        self.showing = self.rep_shows
        return self.rep_shows

    def show(self, level_pct: float, low_pct: float, high_pct: float) -> bool:
        """Whether to show the live bar now, during a contraction."""
        if self.rule.mode == "bandwidth":
            margin = self.rule.bandwidth_pct
            self.showing = not (low_pct - margin <= level_pct <= high_pct + margin)
        else:
            self.showing = self.rep_shows
        return self.showing

    def rest(self) -> None:
        """Between contractions the bar is always shown (there is nothing to fade)."""
        self.showing = True
