"""Whether a station is live, lost or ended, from when its rows arrive (pure; times in s on
any monotonic clock the caller chooses).

A station publishes about ten rows a second. Silent for :data:`LOST_AFTER_S` it is *lost*
(crashed, unplugged, off the network): shown as such well within the two seconds a clinician
is promised, and *live* again as soon as a row arrives. A row saying the session ended makes
it *ended*: its silence afterwards is expected, not a loss.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Seconds without a row after which a station is lost. Below 2 s so that, checked every
#: :data:`CHECK_EVERY_S` and pushed to the page at once, it shows as lost within 2 s of its
#: last row (15 rows missed at 10 Hz: no jitter on a working network comes near).
LOST_AFTER_S = 1.5
#: How often the caller should call :meth:`StationLiveness.check`, in seconds.
CHECK_EVERY_S = 0.1


class Liveness(enum.StrEnum):
    """What the page shows about a station's link."""

    LIVE = "live"
    LOST = "lost"
    ENDED = "ended"


@dataclass(slots=True)
class StationLiveness:
    """One station's liveness and when it was last heard (seconds)."""

    last_heard_s: float
    state: Liveness = Liveness.LIVE

    def heard(self, now_s: float, *, ended: bool) -> bool:
        """A row arrived at ``now_s`` (saying whether the session ended); True if the state
        changed."""
        self.last_heard_s = now_s
        return self._become(Liveness.ENDED if ended else Liveness.LIVE)

    def check(self, now_s: float) -> bool:
        """Mark a live station lost once it has been silent too long; True if it changed."""
        if self.state is Liveness.LIVE and self.silent_s(now_s) > LOST_AFTER_S:
            return self._become(Liveness.LOST)
        return False

    def silent_s(self, now_s: float) -> float:
        """Seconds since the last row."""
        return max(0.0, now_s - self.last_heard_s)

    def _become(self, state: Liveness) -> bool:
        changed = state is not self.state
        self.state = state
        return changed
