"""What a client's session adds to their history, said when it ends: the change since the last
session of the same protocol, and progress toward the criterion across sessions.

The app reads the history store before the session and hands the summary screen and the console
report a :class:`ClientHistory` — plain data, so neither ``modes`` nor the engine touch the
store. A client chosen on the start screen gets one when the choice is confirmed, from their
sessions the app read with the menu's client list (:class:`modes.menu.ClientChoice`).

With the session's :class:`~engine.rules.session_summary.SessionSummary` it gives the lines both
show ("peak 48 %MVC, +6 since last session (Nov 27)", "quad_set: 2 of the last 3 sessions
reached 70 %MVC with symmetry ≥ 90 %"). The session's figures are taken from its reps
as the store files them (:mod:`engine.session_facts`), so what the screen says is what
``progress`` shows later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from engine.progression_across_sessions import NextStep, criterion_status
from engine.rules.reps import mean_or_none
from engine.rules.session_summary import SessionSummary
from engine.training import TrainingConfig
from engine.weekly_progress import SessionPoint

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class ClientHistory:
    """A client's filed sessions before this one, and this one as it will be filed.

    ``upcoming`` carries what is known before playing (start time, protocol and its
    progression bar, target muscle, calibration kind); its figures are filled from the summary
    when the session ends. Another protocol chosen on the start screen gets a history of its
    own (:meth:`planned_for`); a summary of another protocol than ``upcoming``'s is never
    compared: its bar is not the one ``upcoming`` holds.
    """

    client_id: str
    earlier: tuple[SessionPoint, ...]
    upcoming: SessionPoint

    def planned_for(self, training: TrainingConfig) -> ClientHistory:
        """The same client's history for a session of ``training`` instead (another protocol
        chosen on the start screen than the one planned)."""
        return client_history(self.client_id, self.earlier, training, self.upcoming.started_at)

    def calibrated_by(self, kind: str) -> ClientHistory:
        """This history for a session calibrated by ``kind`` ("mvc" or "submax") after all: the
        player chose a sub-maximal calibration during the session, whose %MVC is compared only
        with sessions calibrated the same way."""
        if kind == self.upcoming.calibration_kind:
            return self
        return dataclasses.replace(
            self, upcoming=dataclasses.replace(self.upcoming, calibration_kind=kind))


def client_history(client_id: str, earlier: Sequence[SessionPoint], training: TrainingConfig,
                   started_at: str) -> ClientHistory:
    """The history a session of ``training`` starting at ``started_at`` adds to, with the
    client's sessions filed before it (``earlier``, oldest first)."""
    protocol = training.protocol
    rule = protocol.progression
    calibration = training.calibration
    upcoming = SessionPoint(
        started_at=started_at, protocol_id=protocol.id, target_muscle=protocol.target.muscle,
        # The side as the protocol names it: the channels that resolve it are not open yet,
        # and the lines compare sessions by protocol and calibration kind only.
        target_side=protocol.target.side,
        calibration_kind=calibration.kind if calibration else training.calibration_protocol.kind,
        reps_prescribed=protocol.reps_prescribed, reps_attempted=0, reps_completed=0,
        peak_pct=None, mean_pct=None, symmetry_lsi_pct=None, compensation_alerts=0,
        progression_ready=0, bar_peak_pct=rule.min_peak_pct if rule else None,
        bar_symmetry_pct=rule.min_symmetry_pct if rule else None, finished=0,
        bar_sessions_needed=rule.sessions_needed if rule else None,
        bar_of_last=rule.of_last if rule else None,
        bar_no_compensation_in_last=int(rule.no_compensation_alert_in_last) if rule else None,
        next_protocol=rule.next if rule else None,
        next_band_low_pct=rule.next_band_pct[0] if rule and rule.next_band_pct else None,
        next_band_high_pct=rule.next_band_pct[1] if rule and rule.next_band_pct else None,
    )
    return ClientHistory(client_id, tuple(earlier), upcoming)


def played_point(history: ClientHistory, summary: SessionSummary) -> SessionPoint | None:
    """This session's figures as the store will file them; None when ``summary`` is of
    another protocol than the one planned, or no rep was attempted (nothing to compare: the
    lines would otherwise speak of the last session played before it)."""
    if summary.protocol_id != history.upcoming.protocol_id or not summary.reps_attempted:
        return None
    peaks = [r.peak_pct for r in summary.reps if r.peak_pct is not None]
    return dataclasses.replace(
        history.upcoming,
        reps_prescribed=summary.reps_prescribed,
        reps_attempted=summary.reps_attempted,
        reps_completed=summary.reps_completed,
        peak_pct=max(peaks) if peaks else None,
        mean_pct=mean_or_none([r.mean_pct for r in summary.reps if r.mean_pct is not None]),
        symmetry_lsi_pct=summary.mean_symmetry_lsi_pct,
        compensation_alerts=summary.alerts.get("compensation_alert", 0),
        progression_ready=int(summary.progression_ready),
        finished=int(summary.finished),
    )


def client_progress_lines(history: ClientHistory, summary: SessionSummary) -> list[str]:
    """The lines the summary screen and the console report show for a client's session."""
    latest = played_point(history, summary)
    if latest is None:
        return []
    return progress_lines([*history.earlier, latest])


def next_step_after(history: ClientHistory, summary: SessionSummary) -> NextStep | None:
    """The next step the client's criterion offers once this session is filed (None: the
    criterion is not met, the protocol names no step, or the summary is of another protocol
    than the one planned)."""
    latest = played_point(history, summary)
    if latest is None:
        return None
    status = criterion_status([*history.earlier, latest])
    return status.next_step if status is not None else None


def progress_lines(sessions: Sequence[SessionPoint]) -> list[str]:
    """For the latest of ``sessions`` (oldest first): its peak and mean %MVC and symmetry with
    the change since the previous session of the same protocol and calibration kind (%MVC of
    a sub-maximal reference is never compared with a maximal one), then the criterion."""
    played = [s for s in sessions if s.reps_attempted > 0]
    if not played:
        return []
    latest = played[-1]
    earlier = [s for s in played[:-1] if s.protocol_id == latest.protocol_id
               and s.calibration_kind == latest.calibration_kind]
    previous = earlier[-1] if earlier else None
    figures = [(name, now, then, unit) for name, now, then, unit in (
        ("peak", latest.peak_pct, previous.peak_pct if previous else None, " %MVC"),
        ("mean", latest.mean_pct, previous.mean_pct if previous else None, " %MVC"),
        ("symmetry", latest.symmetry_lsi_pct,
         previous.symmetry_lsi_pct if previous else None, " %"),
    ) if now is not None]
    lines = []
    if previous is None:
        if figures:
            lines.append("first session of this protocol: " + ", ".join(
                f"{name} {now:.0f}{unit}" for name, now, _, unit in figures))
    else:
        since = f"since last session ({_day_text(previous, latest)})"
        for k, (name, now, then, unit) in enumerate(figures):
            change = _change_text(now, then) if then is not None else ", not measured then"
            lines.append(f"{name} {now:.0f}{unit}{change}" + (f" {since}" if k == 0 else ""))
    status = criterion_status(played)
    if status is not None:
        lines.append(status.describe())
    return lines


def _change_text(now: float, then: float) -> str:
    """", +6" between the whole numbers shown (so 35 after 33 reads +2, whatever the decimals),
    ", unchanged" when they are equal (never "-0")."""
    change = round(now) - round(then)
    return f", {change:+d}" if change else ", unchanged"


def _day_text(previous: SessionPoint, latest: SessionPoint) -> str:
    """"Nov 27", with the year when it is not the latest session's."""
    day = previous.day
    text = f"{_MONTHS[day.month - 1]} {day.day}"
    return text if day.year == latest.day.year else f"{text}, {day.year}"
