"""The dashboard's supervision tree: discovery, detail feeds, control outlet, history watch
and web server, one for one.

Each child restarts alone (a crashed web server does not forget the stations, a discovery
that restarts finds them again within a second); the hub they share is owned here. The web
server starts last, so the first page already finds the stations.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from actors.dashboard.control_outlet import ControlOutlet
from actors.dashboard.control_rows import ControlRows
from actors.dashboard.detail_feeds import DetailFeeds
from actors.dashboard.discovery_actor import StationDiscovery
from actors.dashboard.history_watch import HistoryWatch, MissedSessions
from actors.dashboard.hub import DashboardHub
from actors.dashboard.web_actor import WebServer
from actors.dashboard.web_app import build_app
from engine.runtime.supervisor import Strategy, Supervisor

#: Restarts allowed within :data:`RESTART_PERIOD_S` before the dashboard gives up.
MAX_RESTARTS = 5
RESTART_PERIOD_S = 30.0


@dataclass(frozen=True)
class DashboardSettings:
    """What the command line chose."""

    listener: socket.socket
    """Where the page is served (bound by the caller, who closes it)."""
    token: str
    clinician: str
    dashboard_id: str
    read_missed: MissedSessions | None = None


@dataclass(frozen=True)
class Dashboard:
    """A built tree: run ``supervisor``; ``web`` says where it listens once started."""

    hub: DashboardHub
    supervisor: Supervisor
    web: WebServer


def build_dashboard(settings: DashboardSettings) -> Dashboard:
    """The tree for ``settings`` (nothing runs until its supervisor does)."""
    hub = DashboardHub(ControlRows(settings.clinician))
    web = WebServer(build_app(hub, settings.token), settings.listener)
    children = [StationDiscovery(hub).spec(), DetailFeeds(hub).spec(),
                ControlOutlet(hub, settings.dashboard_id).spec()]
    if settings.read_missed is not None:
        children.append(HistoryWatch(hub, settings.read_missed).spec())
    children.append(web.spec())
    supervisor = Supervisor("dashboard", children, strategy=Strategy.ONE_FOR_ONE,
                            max_restarts=MAX_RESTARTS, period_s=RESTART_PERIOD_S)
    return Dashboard(hub, supervisor, web)
