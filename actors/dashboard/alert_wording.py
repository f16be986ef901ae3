"""The dashboard's own alerts, in the words a clinician reads (pure).

A station sends its alerts already worded (compensation, symmetry, ...). The dashboard adds
what only it can tell or what it must not let pass unnoticed: a signal-quality problem, the
end of a session, a station that went silent, and a prescribed session missed (from the
history store). Each alert says what happened and, where there is one, what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from actors.dashboard.state_row import Alert, MuscleReading, StateRow

#: A station's quality words (the engine's flag names, or the station screen's words), and what
#: each means at the bedside.
QUALITY_WORDS = {
    "saturated": "signal clipping (check the electrode and the gain)",
    "flat": "no signal (check the electrode and its cable)",
    "mains": "mains hum (check the reference electrode)",
    "mains hum": "mains hum (check the reference electrode)",
    "lift off": "an electrode is lifting off (press it back or replace it)",
    "electrode off": "an electrode is lifting off (press it back or replace it)",
    "gap": "samples lost from the sensor",
    "data gap": "samples lost from the sensor",
    "nonfinite": "unreadable samples from the sensor",
    "bad samples": "unreadable samples from the sensor",
    "movement": "movement artefact",
    "settling": "signal settling after a disturbance",
    "settling after a signal problem": "signal settling after a disturbance",
}
#: The kind of a station's per-channel alerts naming its quality flags: the dashboard words
#: the same from the rows' ``muscles`` itself (with advice, held against flicker).
STATION_SIGNAL_KINDS = frozenset({"signal"})
#: The kind of a station's alert saying its session ended (the dashboard adds its own only to
#: rows without one).
STATION_ENDED_KIND = "ended"
QUALITY_KIND = "quality"
ENDED_KIND = "session_ended"
LOST_KIND = "station_lost"
MISSED_KIND = "missed_session"


def _flag_words(quality: str) -> list[str]:
    """``"flat, electrode off"`` → the wording of each problem (unknown words as they are)."""
    words = [" ".join(w.replace("-", " ").replace("_", " ").split())
             for w in re.split(r"[,;+|/]+", quality.strip().lower())]
    return [QUALITY_WORDS.get(w, w) for w in words if w and w != "ok"]


def _muscle_name(muscle: MuscleReading) -> str:
    named = " ".join(part for part in (muscle.side, muscle.muscle) if part)
    return named or muscle.label or "a channel"


def quality_alerts(state: StateRow) -> list[Alert]:
    """One alert per muscle whose signal is doubtful, or one for the station when it says its
    quality is not ok without naming a muscle. %MVC is withheld meanwhile, so the clinician
    learns why a bar is empty."""
    alerts = []
    for muscle in state.muscles:
        words = _flag_words(muscle.quality)
        if words:
            alerts.append(Alert(QUALITY_KIND, f"Signal quality, {_muscle_name(muscle)}: "
                                              f"{'; '.join(words)}. %MVC withheld meanwhile."))
    if not state.quality_ok and not alerts:
        alerts.append(Alert(QUALITY_KIND, "Signal quality problem: %MVC withheld until the "
                                          "signal is clean (check the electrodes)."))
    return alerts


def ended_alert(state: StateRow) -> Alert:
    """The session on ``state``'s station is over."""
    reason = f": {state.end_reason}" if state.end_reason else ""
    done = ""
    if state.rep is not None and state.reps_total:
        done = f" after rep {state.rep} of {state.reps_total}"
    return Alert(ENDED_KIND, f"Session ended{done}{reason}.")


def lost_alert(silent_s: float) -> Alert:
    """The station has sent nothing for ``silent_s`` seconds."""
    return Alert(LOST_KIND, f"No news from this station for {silent_s:.0f} s: check that it is "
                            "running and on the network.")


def missed_alerts(flags: Iterable[str]) -> list[Alert]:
    """The history store's missed-session flags for one client (already in words, from
    :func:`engine.progression_across_sessions.clinician_flags`)."""
    return [Alert(MISSED_KIND, f"{flag[:1].upper()}{flag[1:]}.") for flag in flags]
