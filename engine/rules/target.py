"""The target: the %MVC band, the hold inside it, and the difficulty that sets both.

A contraction is judged tick by tick: the level enters or leaves the zone (debounced, with
hysteresis, see :mod:`engine.rules.zones`), and a hold runs from zone entry until it lasted the
required time or a dip outlasted the tolerance (:mod:`engine.rules.holds`). This module reports
those changes as events about the trained muscle (``subject``, e.g. "quadriceps:left").
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.clock import s_to_ns
from engine.messages import PlainValue
from engine.protocol import Protocol
from engine.rules.event_log import EventLog
from engine.rules.holds import Hold, HoldChange
from engine.rules.kinds import EventKind
from engine.rules.zones import Zone


def each_side_level(side_levels: tuple[float, ...], mean_pct: float, low_pct: float,
                    high_pct: float) -> float:
    """The level a zone judges when every side must be in the band on its own.

    The weakest side when it is below the band, else the strongest when it is above, else the
    mean: the zone (with its hysteresis) is then inside exactly while every side is, and a
    58 %-symmetric hold whose mean is in the band is not.
    """
    weakest, strongest = min(side_levels), max(side_levels)
    if weakest < low_pct:
        return weakest
    if strongest > high_pct:
        return strongest
    return mean_pct


@dataclass(frozen=True, slots=True)
class Difficulty:
    """The band in %MVC and the hold in s (what adaptation and the clinician change)."""

    low_pct: float
    high_pct: float
    hold_s: float


class TargetHold:
    """Zone and hold of the trained muscle at the current difficulty, reporting to ``log``."""

    __slots__ = ("_log", "counting", "difficulty", "hold", "level_pct", "subject", "zone")

    def __init__(self, protocol: Protocol, subject: str, log: EventLog) -> None:
        target, timing = protocol.target, protocol.timing
        self.difficulty = Difficulty(target.low_pct, target.high_pct, timing.hold_s)
        self.zone = Zone(target.low_pct, target.high_pct, target.hysteresis_pct,
                         s_to_ns(target.dwell_s))
        self.hold = Hold(s_to_ns(timing.hold_s), s_to_ns(timing.dip_tolerance_s))
        self.subject = subject
        self.level_pct: float | None = None
        """The target muscles' level at the last tick judged (None before the first)."""
        self.counting = False
        """Whether the last tick counted toward the hold: in the zone, and symmetric enough
        where the protocol asks for it."""
        self._log = log

    @property
    def hold_ns(self) -> int:
        return s_to_ns(self.difficulty.hold_s)

    def set_difficulty(self, difficulty: Difficulty) -> Difficulty:
        """Use ``difficulty`` from now on (a hold under way keeps its start); returns the old."""
        previous = self.difficulty
        self.difficulty = difficulty
        self.zone.set_band(difficulty.low_pct, difficulty.high_pct)
        self.hold.required_ns = s_to_ns(difficulty.hold_s)
        return previous

    def reset(self) -> None:
        """Out of the zone, no hold: a contraction starts."""
        self.zone.reset()
        self.hold.reset()
        self.counting = False

    def freeze(self, t_ns: int) -> None:
        """The player paused at ``t_ns``: zone and hold keep their state and progress."""
        self.hold.freeze(t_ns)

    def resume(self, t_ns: int) -> None:
        """Go on at ``t_ns`` from where :meth:`freeze` stopped: the pause is skipped."""
        frozen_at_ns = self.hold.frozen_at_ns
        if frozen_at_ns is not None:
            self.zone.shift(t_ns - frozen_at_ns)
        self.hold.resume(t_ns)

    def update(
        self, t_ns: int, level_pct: float, symmetric: bool = True
    ) -> tuple[bool, HoldChange | None]:
        """Judge ``level_pct`` at ``t_ns``: whether the tick counts toward the hold (in the zone
        and, when the protocol judges it, ``symmetric``), and the hold's change."""
        zone = self.zone
        if zone.update(t_ns, level_pct):
            kind = EventKind.ZONE_ENTERED if zone.inside else EventKind.ZONE_LEFT
            self._log.emit(t_ns, kind, self.subject, {"level_pct": level_pct})
        inside = self.counting = zone.inside and symmetric
        change = self.hold.update(t_ns, inside)
        if change is HoldChange.BROKEN:
            self._report_broken(t_ns, "dip")
        elif change is not None:
            self._log.emit(t_ns, change.value, self.subject, {"hold_s": self.difficulty.hold_s})
        return inside, change

    def break_hold(self, t_ns: int, reason: str) -> None:
        """A hold under way ends unfinished (the contraction timed out or was paused)."""
        if self.hold.holding:
            self._report_broken(t_ns, reason)

    def close(self, t_ns: int, reason: str) -> None:
        """The contraction phase ends: leave the zone (reporting why) and drop the hold."""
        if self.zone.inside:
            self._log.emit(t_ns, EventKind.ZONE_LEFT, self.subject,
                           {"level_pct": self.level_pct, "reason": reason})
        self.reset()

    def _report_broken(self, t_ns: int, reason: str) -> None:
        data: dict[str, PlainValue] = {"hold_s": self.difficulty.hold_s, "reason": reason}
        self._log.emit(t_ns, EventKind.HOLD_BROKEN, self.subject, data)
