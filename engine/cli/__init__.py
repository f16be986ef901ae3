"""The ``myoplay`` command line.

Each subcommand lives in its own module under :mod:`engine.cli` and provides ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args) -> int``. A :class:`~engine.errors.MyoplayError` becomes
one line on stderr and exit status 2; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from engine import __version__
from engine.errors import MyoplayError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "engine.cli.play",
    "engine.cli.replay",
    "engine.cli.verify",
    "engine.cli.inspect",
    "engine.cli.export",
    "engine.cli.import_",
    "engine.cli.scan",
)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger("myoplay")


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors follow the same one-line, exit-2 rule."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise MyoplayError(message, hint=f"see '{self.prog} --help'")


def _commands() -> list[ModuleType]:
    return [importlib.import_module(name) for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
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
    for module in _commands():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``myoplay`` console script; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    debug = "--debug" in args_list
    try:
        parser = build_parser()
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
        print(f"myoplay: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("myoplay: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
