"""Knowledge of results in words: the verdict, the bands, the alerts, the trend, the time.

One home for the sentences the summary screen and the console report both say, so the patient
and the clinician read the same thing. Words follow the numbers: "every" only when all were
done, a short session says it stopped early, a trend is named only when the reps show one.
"""

from __future__ import annotations

from engine.rules.session_summary import BandPeriod, RepResult, SessionSummary, SessionTrend

#: The alerts a summary counts, in the order they are listed, with the words for them.
ALERT_NAMES = (
    ("compensation_alert", "compensation"),
    ("symmetry_alert", "symmetry"),
    ("quality_paused", "signal pauses"),
)
_BAND_REASONS = {
    "protocol": "",
    "shaping_up": "raised after strong reps",
    "shaping_down": "lowered after misses",
    "config": "set by the clinician",
}
_TREND_WORDS = {
    "better": "getting better",
    "steady": "steady",
    "worse": "tiring: less time in the zone late on",
}


def verdict(summary: SessionSummary) -> str:
    """A one-line, honest verdict on the holds completed."""
    done, tried, planned = summary.reps_completed, summary.reps_attempted, summary.reps_prescribed
    if tried == 0:
        return "No rep was done"
    if not summary.finished:
        return f"{done} of {tried} holds completed; stopped after {tried} of {planned} reps"
    if done == planned:
        return f"Every hold completed: {done} of {planned}"
    rate = done / planned
    if rate >= 0.8:
        return f"{done} of {planned} holds completed: a strong session"
    if rate >= 0.5:
        return f"{done} of {planned} holds completed: more than half"
    if done > 0:
        return f"{done} of {planned} holds completed: every hold counts, aim for one more"
    return "No hold completed: ask about a lower band next time"


def duration_text(seconds: float) -> str:
    """``seconds`` as m:ss (h:mm:ss from an hour)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def band_text(band: BandPeriod) -> str:
    """One band: "20–40 %MVC, 10 s hold"."""
    return f"{band.low_pct:.0f}–{band.high_pct:.0f} %MVC, {band.hold_s:g} s hold"


def band_lines(bands: tuple[BandPeriod, ...], most: int | None = None) -> list[str]:
    """Each band the reps were judged on, from which rep, and why it changed; with ``most``
    (at least 3), a longer history keeps its first and last bands and counts those between."""
    if most is not None and len(bands) > most:
        keep = max(1, most - 2)
        between = len(bands) - keep - 1
        return [*band_lines(bands[:1]), f"... {between} more changes (in summary.json)",
                *band_lines(bands[-keep:])]
    lines = []
    for band in bands:
        why = _BAND_REASONS.get(band.reason, band.reason.replace("_", " "))
        lines.append(f"from rep {band.from_rep + 1}: {band_text(band)}"
                     + (f" ({why})" if why else ""))
    return lines


def alert_counts(summary: SessionSummary) -> list[tuple[str, int]]:
    """Every alert kind with how often it was raised in the whole exercise (0 included)."""
    return [(name, summary.alerts.get(kind, 0)) for kind, name in ALERT_NAMES]


def alerts_text(summary: SessionSummary) -> str:
    """The alert counts in one line: "compensation 2 · symmetry 0 · signal pauses 1"."""
    return " · ".join(f"{name} {count}" for name, count in alert_counts(summary))


def trend_text(trend: SessionTrend | None) -> tuple[str, str]:
    """The trend in words and the numbers it rests on (empty without a trend)."""
    if trend is None:
        return "too few reps to show a trend", ""
    half = trend.reps_per_half
    return (_TREND_WORDS[trend.direction],
            f"{trend.early_zone_share * 100:.0f}% of the hold in the zone in the first {half} "
            f"reps, {trend.late_zone_share * 100:.0f}% in the last {half}")


def rep_row(summary: SessionSummary, index: int) -> tuple[str, str, str, str, str, bool]:
    """Rep ``index`` (0-based) as table cells: number, band, peak, mean, time in zone, success.

    Without a calibration (an MVC test on raw envelopes) the %MVC cells say "—"."""
    rep = summary.reps[index]
    peak = "—" if rep.peak_pct is None else f"{rep.peak_pct:.0f}"
    mean = "—" if rep.mean_pct is None else f"{rep.mean_pct:.0f}"
    return (str(index + 1), f"{rep.low_pct:.0f}–{rep.high_pct:.0f}", peak, mean,
            f"{rep.time_in_zone_s:.1f}", rep.success)


def missed_reason(rep: RepResult) -> str | None:
    """Why a rep that was not counted failed, in the player's words: the compensation alert,
    or the hold rule (the hold must be unbroken: "longest unbroken hold 8.2 s of 10 s", which
    explains a rep with more time in the zone than the hold asked). None for a counted rep, or
    one whose longest hold was not kept (written before it was)."""
    if rep.success:
        return None
    if rep.failed_by == "compensation":
        return "failed for the compensation alert during it"
    if rep.longest_hold_s is None:
        return None
    return f"longest unbroken hold {rep.longest_hold_s:.1f} s of {rep.hold_s:g} s"


#: Most missed reps :func:`missed_note` names (the newest); the console report names them all.
MISSED_NOTE_REPS = 4


def missed_note(summary: SessionSummary) -> str | None:
    """One line on why reps were missed by the hold rule, newest last: "missed: the hold must
    be unbroken; longest: rep 3 8.2 of 10 s · rep 5 6.0 of 10 s" (None when no rep was)."""
    missed = [(k + 1, r) for k, r in enumerate(summary.reps)
              if not r.success and r.failed_by is None and r.longest_hold_s is not None]
    if not missed:
        return None
    shown = missed[-MISSED_NOTE_REPS:]
    parts = [f"rep {number} {rep.longest_hold_s:.1f} of {rep.hold_s:g} s"
             for number, rep in shown if rep.longest_hold_s is not None]
    more = f"{len(missed) - len(shown)} more, " if len(missed) > len(shown) else ""
    return f"missed: the hold must be unbroken; longest: {more}{' · '.join(parts)}"
