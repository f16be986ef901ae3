"""When to move on: a progression criterion across sessions, not within one, and the flags a
clinician acts on.

A session *reaches the bar* when its target peak is at least the protocol's progression
``min_peak_pct`` (%MVC of its own calibration), its mean symmetry at least ``min_symmetry_pct``
where the protocol asks for one, and no compensation alert was raised. The client is ready for
the next step when ``[progression] sessions_needed`` of the last ``of_last`` sessions of the
protocol reached it (and, with ``no_compensation_alert_in_last``, the last one raised no
compensation alert) — progress when the muscle reaches the threshold with acceptable symmetry,
not when the set is merely done. The next step is the protocol's ``next`` protocol or
``next_band_pct`` band: offered with the reason, for the clinician to take or not.

Each filed session carries its protocol's criterion, so a protocol file edited later does not
rewrite history; sessions filed before the store kept it count by the defaults (2 of the last
3, no compensation alert in the last).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.protocol import DEFAULT_OF_LAST, DEFAULT_SESSIONS_NEEDED, Protocol, protocol_from_plain
from engine.weekly_progress import SessionPoint, WeekFigures

#: How many sessions in a row a figure must fall before it is flagged as declining.
DECLINE_SESSIONS = 3
#: How far a figure must fall over those sessions, in its own unit, for the fall to be more
#: than the session-to-session scatter of the measure. In a simulated six-week programme a
#: steadily improving patient's target peak went 93 → 91 → 89 %MVC by noise alone (a session's
#: peak is one extreme tick); the symmetry index of the same sessions scattered by ±2 points.
MEANINGFUL_DECLINE_PEAK_PCT = 10.0
MEANINGFUL_DECLINE_LSI_PCT = 5.0


def reached_bar(session: SessionPoint) -> bool | None:
    """Whether ``session`` reached its protocol's bar; None when it has none or no %MVC."""
    if session.bar_peak_pct is None or session.peak_pct is None:
        return None
    if session.peak_pct < session.bar_peak_pct or session.compensation_alerts:
        return False
    if session.bar_symmetry_pct is not None:
        lsi = session.symmetry_lsi_pct
        return lsi is not None and lsi >= session.bar_symmetry_pct
    return True


@dataclass(frozen=True, slots=True)
class NextStep:
    """What comes after a protocol: another protocol, or the same one in a higher band."""

    protocol_id: str
    """The protocol to play next (the same one when only the band changes)."""
    band_pct: tuple[float, float] | None = None

    def describe(self) -> str:
        """"straight_leg_raise", or "straight_leg_raise in the band 40–70 %MVC"."""
        if self.band_pct is None:
            return self.protocol_id
        low, high = self.band_pct
        return f"{self.protocol_id} in the band {low:g}–{high:g} %MVC"


def next_step_of(session: SessionPoint) -> NextStep | None:
    """The next step the protocol of ``session`` declared (None when it declared none)."""
    if session.next_protocol is not None:
        return NextStep(session.next_protocol)
    if session.next_band_low_pct is not None and session.next_band_high_pct is not None:
        return NextStep(session.protocol_id,
                        (session.next_band_low_pct, session.next_band_high_pct))
    return None


@dataclass(frozen=True, slots=True)
class CriterionStatus:
    """The criterion over one protocol's latest sessions."""

    protocol_id: str
    reached: int
    considered: int
    needed: int
    met: bool
    bar: str
    """"70 %MVC with symmetry ≥ 90 %"."""
    next_step: NextStep | None = None
    """The step offered when the criterion is met (None: met, but the protocol names none)."""

    def describe(self) -> str:
        """"quad_set: 2 of the last 3 sessions reached 70 %MVC – ready for the next step:
        straight_leg_raise"."""
        verdict = ""
        if self.met:
            verdict = " – ready for the next step"
            if self.next_step is not None:
                verdict += f": {self.next_step.describe()}"
        return (f"{self.protocol_id}: {self.reached} of the last {self.considered} sessions "
                f"reached {self.bar}{verdict}")

    def reason(self) -> str:
        """Why the next step is offered: "2 of the last 3 quad_set sessions reached 70 %MVC"."""
        return (f"{self.reached} of the last {self.considered} {self.protocol_id} sessions "
                f"reached {self.bar}")


def criterion_status(sessions: Sequence[SessionPoint]) -> CriterionStatus | None:
    """The criterion for the protocol of the latest played session (None when that protocol
    has no progression rule)."""
    played = [s for s in sessions if s.reps_attempted > 0]
    if not played or played[-1].bar_peak_pct is None:
        return None
    latest = played[-1]
    of_last = latest.bar_of_last or DEFAULT_OF_LAST
    needed = latest.bar_sessions_needed or DEFAULT_SESSIONS_NEEDED
    recent = [s for s in played if s.protocol_id == latest.protocol_id][-of_last:]
    reached = sum(reached_bar(s) is True for s in recent)
    clean_last = latest.compensation_alerts == 0 or latest.bar_no_compensation_in_last == 0
    met = reached >= needed and clean_last
    bar = f"{latest.bar_peak_pct:g} %MVC"
    if latest.bar_symmetry_pct is not None:
        bar += f" with symmetry ≥ {latest.bar_symmetry_pct:g} %"
    return CriterionStatus(latest.protocol_id, reached, len(recent), needed, met, bar,
                           next_step_of(latest) if met else None)


def first_met_at(sessions: Sequence[SessionPoint]) -> int | None:
    """The index in ``sessions`` of the first session after which the criterion is met."""
    for end in range(1, len(sessions) + 1):
        status = criterion_status(sessions[:end])
        if status is not None and status.met:
            return end - 1
    return None


def clinician_flags(sessions: Sequence[SessionPoint], weeks: Sequence[WeekFigures]) -> list[str]:
    """What a clinician should look at: sessions missed in the last full week (against the
    prescription), and a target peak %MVC or symmetry that fell in each of the last
    :data:`DECLINE_SESSIONS` sessions of the same protocol and calibration kind, by more than
    the measure's scatter over them (:data:`MEANINGFUL_DECLINE_PEAK_PCT`,
    :data:`MEANINGFUL_DECLINE_LSI_PCT`)."""
    flags = []
    full_weeks = list(weeks[:-1])
    if full_weeks and full_weeks[-1].adherence is not None and full_weeks[-1].adherence < 1:
        last = full_weeks[-1]
        flags.append(f"sessions missed in week {last.week} "
                     f"({last.sessions_done} of {last.sessions_prescribed})")
    played = [s for s in sessions if s.reps_attempted > 0]
    if not played:
        return flags
    latest = played[-1]
    alike = [s for s in played if s.protocol_id == latest.protocol_id
             and s.calibration_kind == latest.calibration_kind][-DECLINE_SESSIONS:]
    figures: tuple[tuple[str, Callable[[SessionPoint], float | None], float], ...] = (
        ("peak %MVC", lambda s: s.peak_pct, MEANINGFUL_DECLINE_PEAK_PCT),
        ("symmetry (LSI)", lambda s: s.symmetry_lsi_pct, MEANINGFUL_DECLINE_LSI_PCT),
    )
    for name, figure, meaningful in figures:
        values = [v for s in alike if (v := figure(s)) is not None]
        if (len(values) >= DECLINE_SESSIONS
                and all(b < a for a, b in itertools.pairwise(values))
                and values[0] - values[-1] >= meaningful):
            flags.append(f"{latest.protocol_id} {name} fell in each of the last "
                         f"{len(values)} sessions ({' → '.join(f'{v:.0f}' for v in values)})")
    return flags


def protocol_at_band(protocol: Protocol, band_pct: tuple[float, float]) -> Protocol:
    """``protocol`` stepped up to the band ``band_pct`` (low, high %MVC), checked like a file:
    the step it offered is taken, so the stepped protocol offers none, and shaping may not
    lower its band below the new one."""
    plain: dict[str, Any] = dict(protocol.to_plain())
    low, high = band_pct
    plain["target"] = {**plain["target"], "low_pct": low, "high_pct": high}
    if "progression" in plain:
        plain["progression"] = {k: v for k, v in plain["progression"].items()
                                if k != "next_band_pct"}
    if "adaptive" in plain:
        adaptive = plain["adaptive"]
        plain["adaptive"] = {**adaptive, "low_max_pct": max(adaptive["low_max_pct"], low)}
    return protocol_from_plain(plain, f"{protocol.id} in the band {low:g}–{high:g} %MVC")
