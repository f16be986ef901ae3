"""``--lsl`` and ``--station``: publishing a session over Lab Streaming Layer.

Shared by ``play`` and ``replay``. pylsl is loaded only when ``--lsl`` is given; a machine
whose pylsl wheel carries no liblsl (glibc older than 2.35, ARM Linux) is told so on one line.
"""

from __future__ import annotations

import argparse
import socket
from typing import TYPE_CHECKING

from engine.errors import ConfigError
from myoplay.option_checks import require_positive

if TYPE_CHECKING:
    from actors.lsl_outlet_actor import LslPublisher


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


def lsl_publisher(args: argparse.Namespace) -> LslPublisher | None:
    """The outlets ``--lsl`` asks for (None without it); refuses LSL options without ``--lsl``."""
    if not args.lsl:
        if args.station is not None or args.lsl_wait:
            raise ConfigError("--station and --lsl-wait need --lsl")
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
