"""Which clients missed prescribed sessions, from the history store, for the dashboard.

The flags are the ones ``myoplay history clients`` shows (one home:
:func:`engine.progression_across_sessions.clinician_flags`), by client pseudonym; display
names are never read. The store is opened read-only in spirit: never created, each reading
opens it and closes it again, so a station filing a session meanwhile is not held up.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from engine.progression_across_sessions import clinician_flags
from engine.weekly_progress import weekly_figures
from history.store import HistoryStore

#: The flags that tell of a missed session (the others, figures falling, are for reports).
MISSED_FLAG = "sessions missed"


def missed_sessions(path: Path, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Each client with a prescription and sessions missed in the last full week: the
    flags, by pseudonym."""
    day = today or datetime.date.today()
    found: dict[str, list[str]] = {}
    with HistoryStore(path, create=False) as store:
        for client in store.clients():
            prescriptions = store.prescriptions(client.client_id)
            if not prescriptions:
                continue
            sessions = store.session_points(client.client_id)
            weeks = weekly_figures(sessions, prescriptions, day)
            flags = [f for f in clinician_flags(sessions, weeks) if f.startswith(MISSED_FLAG)]
            if flags:
                found[client.client_id] = flags
    return found
