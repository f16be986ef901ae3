"""The latest state of every station, as the page's cards (pure; times in s on the caller's
monotonic clock).

The table takes each station's rows as they arrive, keeps the latest, follows the station's
liveness (:mod:`~actors.dashboard.station_liveness`) and adds the dashboard's own alerts
(:mod:`~actors.dashboard.alert_wording`). Every change bumps :attr:`StationTable.version`, and
:meth:`StationTable.changed_since` gives a page exactly the cards that changed since the
version it last saw: a slow page skips intermediate rows instead of queueing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actors.dashboard.alert_wording import (
    STATION_ENDED_KIND,
    STATION_SIGNAL_KINDS,
    ended_alert,
    lost_alert,
    missed_alerts,
    quality_alerts,
)
from actors.dashboard.state_row import Alert, StateRow
from actors.dashboard.station_liveness import Liveness, StationLiveness

#: How long a signal-quality alert stays up after the problem cleared, in seconds, so that a
#: flag that comes and goes reads as one alert instead of a flicker.
QUALITY_HOLD_S = 2.0

Card = dict[str, Any]


@dataclass(slots=True)
class _Station:
    state: StateRow
    liveness: StationLiveness
    changed_at: int
    quality: list[Alert] = field(default_factory=list)
    quality_until_s: float = 0.0
    silent_shown_s: int = 0


class StationTable:
    """Every station heard so far, by name."""

    def __init__(self) -> None:
        self._stations: dict[str, _Station] = {}
        self._missed: dict[str, list[Alert]] = {}
        self.version = 0
        """Bumped by every change a page should see."""
        self.clients_version = 0
        """The version at which the missed-session alerts last changed."""

    def __len__(self) -> int:
        return len(self._stations)

    def stations(self) -> list[str]:
        return sorted(self._stations)

    def liveness(self, station: str) -> Liveness | None:
        found = self._stations.get(station)
        return found.liveness.state if found is not None else None

    def state(self, station: str) -> StateRow | None:
        found = self._stations.get(station)
        return found.state if found is not None else None

    def update(self, state: StateRow, now_s: float) -> None:
        """``state`` arrived from its station at ``now_s``."""
        self.version += 1
        found = self._stations.get(state.station)
        if found is None:
            found = _Station(state, StationLiveness(now_s), self.version)
            self._stations[state.station] = found
        found.state = state
        found.changed_at = self.version
        found.liveness.heard(now_s, ended=state.ended)
        found.silent_shown_s = 0
        problems = quality_alerts(state)
        if problems:
            found.quality, found.quality_until_s = problems, now_s + QUALITY_HOLD_S
        elif now_s >= found.quality_until_s:
            found.quality = []

    def tick(self, now_s: float) -> list[str]:
        """Follow silences at ``now_s`` (call every
        :data:`~actors.dashboard.station_liveness.CHECK_EVERY_S`); the stations whose card
        changed: newly lost, or lost a whole second longer."""
        changed = []
        for name, station in sorted(self._stations.items()):
            became_lost = station.liveness.check(now_s)
            silent = int(station.liveness.silent_s(now_s))
            if became_lost or (station.liveness.state is Liveness.LOST
                               and silent != station.silent_shown_s):
                station.silent_shown_s = silent
                self.version += 1
                station.changed_at = self.version
                changed.append(name)
        return changed

    def set_missed_sessions(self, flags: Mapping[str, Sequence[str]]) -> None:
        """The history store's missed-session flags, by client pseudonym (all of them: a client
        not named has none)."""
        missed = {client: missed_alerts(texts) for client, texts in flags.items() if texts}
        if missed == self._missed:
            return
        self._missed = missed
        self.version += 1
        self.clients_version = self.version
        for station in self._stations.values():
            if station.state.client is not None:
                station.changed_at = self.version

    def client_alerts(self) -> list[Card]:
        """Every client's missed-session alerts, for the page's clients panel."""
        return [{"client": client, **dataclasses.asdict(alert)}
                for client, alerts in sorted(self._missed.items()) for alert in alerts]

    def card(self, station: str, now_s: float) -> Card:
        """What the page shows of ``station`` (plain data, JSON-ready)."""
        found = self._stations[station]
        state = found.state
        # The dashboard words quality and the end itself (with advice, held against flicker);
        # the station's own alerts of those kinds would say it twice.
        alerts = [a for a in state.alerts if a.kind not in STATION_SIGNAL_KINDS]
        alerts += found.quality
        if found.liveness.state is Liveness.LOST:
            alerts.insert(0, lost_alert(found.liveness.silent_s(now_s)))
        if state.ended and not any(a.kind == STATION_ENDED_KIND for a in state.alerts):
            alerts.insert(0, ended_alert(state))
        if state.client is not None:
            alerts.extend(self._missed.get(state.client, []))
        card = dataclasses.asdict(state)
        card["status"] = found.liveness.state.value
        card["silent_s"] = round(found.liveness.silent_s(now_s), 1)
        card["alerts"] = [dataclasses.asdict(alert) for alert in alerts]
        return card

    def cards(self, now_s: float) -> list[Card]:
        return [self.card(name, now_s) for name in self.stations()]

    def changed_since(self, version: int, now_s: float) -> list[Card]:
        """The cards that changed after ``version``."""
        return [self.card(name, now_s) for name, station in sorted(self._stations.items())
                if station.changed_at > version]
