"""``myoplay dashboard``: a live web page of every station publishing on the network.

Stations started with ``myoplay play --publish`` are found over Lab Streaming Layer; the page
(one card per station, its envelopes and event log on a click) is served on this machine only
unless ``--listen`` says otherwise, and only to holders of the dashboard's token. See
``docs/dashboard.md``.
"""

from __future__ import annotations

import argparse
import functools
import ipaddress
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from engine.errors import ConfigError, MyoplayError
from engine.printable import escape_controls
from engine.runtime.supervisor import Supervisor
from history.store_location import history_help, history_path
from myoplay.dashboard_history import missed_sessions
from myoplay.dashboard_token import DashboardToken, load_token

if TYPE_CHECKING:
    from actors.dashboard.dashboard_tree import DashboardSettings
    from actors.dashboard.history_watch import MissedSessions

NAME = "dashboard"
HELP = "a live web page of every station publishing on the network (myoplay play --publish)"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_CLINICIAN = "clinician"
#: Longest clinician label, in characters (it is shown on every station it changes).
MAX_LABEL = 40


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", default=DEFAULT_HOST, metavar="HOST",
                        help="address to serve the page on (default: 127.0.0.1, this machine "
                             "only; 0.0.0.0 for every network, with care)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help=f"port to serve the page on (default: {DEFAULT_PORT}; 0: any free)")
    parser.add_argument("--clinician", default=DEFAULT_CLINICIAN, metavar="LABEL",
                        help="who makes remote changes, as the stations record it (a "
                             f"pseudonymous label; default: {DEFAULT_CLINICIAN})")
    parser.add_argument("--rotate-token", action="store_true",
                        help="replace the page's token (pages opened with the old one are "
                             "refused)")
    parser.add_argument("--history", type=Path, metavar="DB",
                        help="alert on missed prescribed sessions from " + history_help()
                             + "; the default store is used when it exists")


def checked_label(label: str) -> str:
    """The ``--clinician`` label, or a :class:`ConfigError` saying what is wrong with it."""
    label = label.strip()
    if not label or len(label) > MAX_LABEL or not label.isprintable():
        raise ConfigError(f"--clinician {escape_controls(label)!r} is not a usable label",
                          hint=f"give 1 to {MAX_LABEL} printable characters, e.g. PT-3")
    return label


def missed_reader(option: Path | None) -> MissedSessions | None:
    """What reads the missed sessions: from ``--history`` (which must exist), else from the
    default store if there is one, else nothing."""
    path = history_path(option)
    if not path.is_file():
        if option is not None:
            raise ConfigError(f"--history {path}: no such file",
                              hint="give the history store's file, or leave --history out")
        return None
    return functools.partial(missed_sessions, path)


def page_address(host: str, port: int) -> str:
    """The page's address (an IPv6 host in brackets; any-address shown as this machine)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{shown}]:{port}/" if _is_ipv6(shown) else f"http://{shown}:{port}/"


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False  # a host name


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def announce(address: str, token: DashboardToken, loopback: bool) -> None:
    """Tell the user where the page is; the token itself only when it was just made."""
    print(f"myoplay dashboard: serving {address}", flush=True)
    if token.created:
        print(f"open {address}?token={token.value}\n(this token is shown only now; it is kept "
              f"in {token.path}; --rotate-token replaces it)", flush=True)
    else:
        print(f"open it with ?token=… (the token kept in {token.path}; --rotate-token makes a "
              "new one, shown once)", flush=True)
    if not loopback:
        print("warning: the page is served to the network without encryption (http): anyone "
              "who sees the address with its token sees the stations", file=sys.stderr,
              flush=True)


def run(args: argparse.Namespace) -> int:
    clinician = checked_label(args.clinician)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port", hint="give 0 to 65535")
    read_missed = missed_reader(args.history)
    # Loaded here, not with the command line: other commands need neither the web server nor
    # liblsl, which some machines lack.
    try:
        from actors.dashboard.dashboard_tree import DashboardSettings
        from actors.dashboard.web_actor import listening_socket
    except (ImportError, OSError, RuntimeError) as error:
        raise ConfigError(f"Lab Streaming Layer is not available on this machine: {error}",
                          hint="pylsl needs liblsl (bundled on Linux x86_64 with glibc 2.35+, "
                               "macOS and Windows); install liblsl") from None
    token = load_token(rotate=args.rotate_token)
    listener = listening_socket(args.listen, args.port)
    try:
        settings = DashboardSettings(listener, token.value, clinician,
                                     secrets.token_hex(4), read_missed)
        announce(page_address(args.listen, listener.getsockname()[1]), token,
                 is_loopback(args.listen))
        trio.run(_serve, settings)
    finally:
        listener.close()
    return 0


async def _serve(settings: DashboardSettings) -> None:
    """Run the dashboard until SIGINT or SIGTERM (a failure the supervisor gives up on is one
    line, as any error)."""
    from actors.dashboard.dashboard_tree import build_dashboard

    supervisor = build_dashboard(settings).supervisor
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_stop_on_signal, signals, supervisor)
                await supervisor.run()
                nursery.cancel_scope.cancel()
        except* MyoplayError as group:
            raise group.exceptions[0] from None


async def _stop_on_signal(signals: AsyncIterator[int], supervisor: Supervisor) -> None:
    async for _ in signals:
        print("myoplay dashboard: stopping", file=sys.stderr, flush=True)
        supervisor.request_stop()
        return
