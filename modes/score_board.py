"""The running score of the session on screen, gathered from the views as they arrive.

A :class:`~engine.view.SessionView` carries only the latest few events, so the render actor feeds
each new view to a :class:`ScoreBoard` (like the envelope trace) and the board keeps every rep
result it has seen, once each (a rep is known by its set, number and end time). The score itself
is :func:`engine.game_score.score_reps` over those results: the HUD, the summary and a replay
all count the same points. Drawing an older view after newer ones shows that view's score.
"""

from __future__ import annotations

import bisect

from engine.errors import MessageFormatError
from engine.game_score import GameScore, score_reps
from engine.rules.kinds import EventKind
from engine.rules.session_summary import RepResult
from engine.view import SessionView

#: How long "Level up" news stays on screen after the rep that earned it, in ns of sample time.
LEVEL_NEWS_NS = 4_000_000_000


class ScoreBoard:
    """Every rep result seen so far, and the score they make; every time the rules saw the
    target enter or leave the zone, for rewards drawn along the way (mutable; fed by the
    renderer)."""

    def __init__(self) -> None:
        self._reps: dict[tuple[int, int, int], RepResult] = {}
        self._zone_changes: dict[int, bool] = {}
        self._zone_times: list[int] = []
        """The keys of ``_zone_changes``, sorted."""
        self._newest_t_ns = -1

    def observe(self, view: SessionView) -> None:
        """Take in ``view``'s rep results and zone changes; a view from before the newest one
        starts over (a new session)."""
        if view.t_ns < self._newest_t_ns:
            self._reps.clear()
            self._zone_changes.clear()
            self._zone_times.clear()
        self._newest_t_ns = view.t_ns
        for event in view.recent_events:
            if event.kind in (EventKind.ZONE_ENTERED, EventKind.ZONE_LEFT):
                if event.t_ns not in self._zone_changes:
                    bisect.insort(self._zone_times, event.t_ns)
                self._zone_changes[event.t_ns] = event.kind == EventKind.ZONE_ENTERED
            if event.kind != EventKind.REP_COMPLETED:
                continue
            try:
                rep = RepResult.from_plain(event.data)
            except (MessageFormatError, TypeError):
                continue  # not a result this version understands: it earns nothing
            self._reps.setdefault((rep.set_index, rep.rep, rep.t_ns), rep)

    def score(self, until_ns: int | None = None) -> GameScore:
        """The score of the reps ended by ``until_ns`` (all of them when None)."""
        return score_reps(self._ended(until_ns))

    def in_zone_at(self, t_ns: int) -> bool:
        """Whether the rules had the target in the zone at ``t_ns`` (as far as seen)."""
        k = bisect.bisect_right(self._zone_times, t_ns)
        return k > 0 and self._zone_changes[self._zone_times[k - 1]]

    def level_news(self, view: SessionView) -> str | None:
        """"Level 4!" for a few seconds after the rep that reached a new level, else None."""
        reps = self._ended(view.t_ns)
        if not reps or not 0 <= view.t_ns - reps[-1].t_ns <= LEVEL_NEWS_NS:
            return None
        before, now = score_reps(reps[:-1]), score_reps(reps)
        return f"Level {now.level}!" if now.level > before.level else None

    def _ended(self, until_ns: int | None) -> list[RepResult]:
        reps = sorted(self._reps.values(), key=lambda r: (r.t_ns, r.set_index, r.rep))
        return [r for r in reps if until_ns is None or r.t_ns <= until_ns]
