"""The ``myoplay`` command line.

Each subcommand is a module ``myoplay.<name>_command`` that provides what :class:`Command`
describes. A :class:`~engine.errors.MyoplayError` becomes one line on stderr and exit status 2;
``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, Protocol

from engine import __version__
from engine.errors import MyoplayError
from engine.printable import escape_controls
from myoplay import (
    analyse_command,
    batch_command,
    compare_command,
    dashboard_command,
    export_command,
    history_command,
    import_command,
    inspect_command,
    play_command,
    progress_command,
    replay_command,
    scan_command,
    verify_command,
)


class Command(Protocol):
    """What a subcommand module provides: its name and one-line help, its options, and the
    function that runs it and returns the exit status."""

    NAME: str
    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


#: The subcommands, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    play_command,
    replay_command,
    batch_command,
    verify_command,
    inspect_command,
    export_command,
    import_command,
    analyse_command,
    compare_command,
    scan_command,
    history_command,
    progress_command,
    dashboard_command,
)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger("myoplay")


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors follow the same one-line, exit-2 rule."""

    def error(self, message: str) -> NoReturn:
        raise MyoplayError(message, hint=f"see '{self.prog} --help'")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv``, only the subcommand it names gets its options
    (the others are listed with their help), because configuring all of them costs more than
    most commands' own work (half of a ``verify`` on a small file)."""
    named = None if argv is None else {a for a in argv if not a.startswith("-")}
    parser = _Parser(
        prog="myoplay",
        description=(
            "Real-time EMG biofeedback with game-like training modes: hold a muscle inside a "
            "target band of %MVC, train left/right symmetry, get compensation alerts, and "
            "record sessions that replay bit for bit."
        ),
    )
    parser.add_argument("--version", action="version", version=f"myoplay {__version__}")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="how much to log to stderr (default: warning)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks for errors (for bug reports)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        command_parser = sub.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        if named is None or command.NAME in named:
            command.configure(command_parser)
            command_parser.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``myoplay`` console script; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    debug = "--debug" in args_list
    try:
        parser = build_parser(args_list)
        args = parser.parse_args(args_list)
        logging.basicConfig(
            level=getattr(logging, args.log_level.upper()),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if getattr(args, "_run", None) is None:
            parser.print_help()
            return 0
        status: int = args._run(args)
        return status
    except MyoplayError as error:
        if debug:
            log.exception("myoplay failed")
        # The message may quote a file's content or name: escaped, it stays one line.
        print(f"myoplay: error: {escape_controls(str(error))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("myoplay: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        # Out of memory (or of the address space a limit allows): one line, like any error.
        print("myoplay: error: out of memory (close other programs, or raise the memory "
              "limit)", file=sys.stderr)
        return EXIT_USER_ERROR

