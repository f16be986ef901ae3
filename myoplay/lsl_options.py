"""``--lsl`` and ``--station``: publishing a session over Lab Streaming Layer.

Shared by ``play`` and ``replay``. pylsl is loaded only when ``--lsl`` (or ``play``'s
``--publish``) is given; a machine whose pylsl wheel carries no liblsl (glibc older than 2.35,
ARM Linux) is told so on one line.

``play --publish`` publishes the station for a clinic dashboard: the streams of ``--lsl`` and
the station's state stream; ``--allow-remote`` lets dashboards change its band or pause it.
"""

from __future__ import annotations

import argparse
import socket
from typing import TYPE_CHECKING

from engine.errors import ConfigError
from myoplay.option_checks import require_positive

if TYPE_CHECKING:
    from actors.lsl_outlet_actor import LslPublisher
    from actors.station_outlet import StationPublishing
    from engine.protocol import Protocol


def add_lsl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lsl", action="store_true",
                        help="publish raw EMG, envelopes, %%MVC and events over Lab Streaming "
                             "Layer (for LabRecorder and other LSL tools)")
    parser.add_argument("--station", metavar="NAME",
                        help="this station's name in LSL stream names and ids "
                             "(default: the host name)")
    parser.add_argument("--lsl-wait", type=float, metavar="S", default=0.0,
                        help="with --lsl: wait up to S seconds for a recorder to connect before "
                             "the session starts (default: 0, start at once)")


def add_publish_options(parser: argparse.ArgumentParser) -> None:
    """``play``'s options for a clinic dashboard (besides :func:`add_lsl_options`)."""
    parser.add_argument("--publish", action="store_true",
                        help="publish this station for a clinic dashboard (myoplay dashboard): "
                             "the streams of --lsl plus a state stream (phase, reps, %%MVC with "
                             "the band, alerts; the client's pseudonym only) ten times a "
                             "second, under --station's name (default: the host name)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="with --publish: let a dashboard's clinician change the target "
                             "band or pause the exercise (recorded with who asked, so replays "
                             "stay exact); without it no dashboard can change anything")


def lsl_publisher(args: argparse.Namespace) -> LslPublisher | None:
    """The outlets ``--lsl`` (or ``--publish``) asks for (None without either); refuses LSL
    options without them."""
    publish = getattr(args, "publish", False)
    if getattr(args, "allow_remote", False) and not publish:
        raise ConfigError("--allow-remote needs --publish",
                          hint="a station takes remote changes only while it publishes")
    if not (args.lsl or publish):
        if args.station is not None or args.lsl_wait:
            needs = "--lsl or --publish" if hasattr(args, "publish") else "--lsl"
            raise ConfigError(f"--station and --lsl-wait need {needs}")
        return None
    if args.lsl_wait:
        require_positive("--lsl-wait", args.lsl_wait, hint="seconds, or leave it out")
    station = args.station if args.station is not None else socket.gethostname()
    if not station.strip() or any(not c.isprintable() for c in station):
        raise ConfigError(f"--station {station!r} is not a usable name",
                          hint="give letters, digits and dashes")
    try:
        from actors.lsl_outlet_actor import LslPublisher
    except (ImportError, OSError, RuntimeError) as error:
        raise ConfigError(f"Lab Streaming Layer is not available on this machine: {error}",
                          hint="pylsl needs liblsl (bundled on Linux x86_64 with glibc 2.35+, "
                               "macOS and Windows); install liblsl or leave out --lsl") from None
    return LslPublisher(station.strip(), wait_for_consumers_s=args.lsl_wait)


def station_publishing(args: argparse.Namespace, publisher: LslPublisher | None, *,
                       client: str | None, protocol: Protocol,
                       mode: str) -> StationPublishing | None:
    """The state stream ``--publish`` asks for, as ``publisher``'s station (None without it),
    naming ``client`` by pseudonym only; with ``--allow-remote``, the desk that applies
    dashboards' changes."""
    if not getattr(args, "publish", False) or publisher is None:
        return None
    from actors.station_control import ControlDesk
    from actors.station_outlet import StateOutlet, StationPublishing
    from actors.station_state import StationIdentity, StationState
    from engine.protocol import builtin_protocol, builtin_protocol_names

    ids = {builtin_protocol(name).name: name for name in builtin_protocol_names()}
    identity = StationIdentity(publisher.station, client, protocol.id, protocol.name, mode,
                               remote_allowed=args.allow_remote,
                               protocol_ids={**ids, protocol.name: protocol.id})
    return StationPublishing(
        StationState(identity),
        StateOutlet(publisher.station, remote_allowed=args.allow_remote),
        ControlDesk(publisher.station) if args.allow_remote else None,
    )
