"""When to show concurrent feedback: always, only outside a bandwidth, or faded over reps.

Concurrent feedback on every sample makes learners dependent on it; bandwidth feedback (error
shown only outside a tolerance) and faded feedback (100 % → 50 % → terminal only over the
session) improve retention. Knowledge of results after each rep is always given.

Fading is earned: the schedule advances with the reps that succeeded, not with the reps done,
and a rep goes "by feel" only right after a successful one. A patient who misses gets the bar
back for the next rep; one who never succeeds is never left without it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from engine.protocol import FeedbackRule


class FeedbackScheduler:
    """Decides per rep (faded) or per tick (bandwidth) whether the live bar is shown.

    For faded feedback the prescribed reps are split evenly into ``fade_stages``, and the
    successes so far say which stage applies; in a stage with fraction f, a rep after a success
    shows feedback with probability f when a generator is given, or else evenly spread (every
    second rep at 0.5), so the schedule is reproducible either way.
    """

    def __init__(
        self, rule: FeedbackRule, reps_prescribed: int, rng: np.random.Generator | None
    ) -> None:
        self.rule = rule
        self.reps_prescribed = reps_prescribed
        self.rng = rng
        self.successes = 0
        """Reps that succeeded so far: how far the fading has been earned."""
        self.last_succeeded = False
        """Whether the last finished rep succeeded (no rep yet: False, the bar shows)."""
        self.rep_shows = True
        self.showing = True
        """Whether the live bar is shown now (set by :meth:`start_rep`, :meth:`show` and
        :meth:`rest`)."""
        self.first_by_feel = False
        """True right after :meth:`start_rep` started the session's first rep without the bar
        (the moment to tell the player); False again from the next call."""
        self._by_feel_seen = False

    def fraction(self) -> float:
        """The fade stage's fraction earned by the successes so far."""
        stages = self.rule.fade_stages
        stage = min(len(stages) - 1,
                    self.successes * len(stages) // max(1, self.reps_prescribed))
        return stages[stage]

    def after_rep(self, success: bool) -> None:
        """A rep finished: a success earns fading, a miss brings the bar back for the next."""
        self.successes += success
        self.last_succeeded = success

    def set_mode(self, mode: str) -> str:
        """Schedule feedback by ``mode`` from now on (a clinician's choice); returns the old."""
        previous = self.rule.mode
        self.rule = dataclasses.replace(self.rule, mode=mode)
        if mode != "faded":
            self.rep_shows = True  # a rep under way gets its bar back at once
        return previous

    def start_rep(self, rep_number: int) -> bool:
        """Decide whether rep ``rep_number`` (0-based, whole session) shows live feedback."""
        if self.rule.mode != "faded" or not self.last_succeeded:
            self.rep_shows = True
        elif self.rng is not None:
            self.rep_shows = bool(self.rng.random() < self.fraction())
        else:
            fraction = self.fraction()
            self.rep_shows = math.floor((rep_number + 1) * fraction) > math.floor(
                rep_number * fraction
            )
        self.first_by_feel = not self.rep_shows and not self._by_feel_seen
        self._by_feel_seen = self._by_feel_seen or not self.rep_shows
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
