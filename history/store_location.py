"""Where the history store lives: ``--history FILE``, else ``$MYOPLAY_HISTORY``, else
``history.sqlite3`` in myoplay's folder of the user's data directory (``$XDG_DATA_HOME``,
by default ``~/.local/share``)."""

from __future__ import annotations

import os
from pathlib import Path

HISTORY_ENV = "MYOPLAY_HISTORY"
HISTORY_FILE = "history.sqlite3"


def history_path(option: Path | None) -> Path:
    """The store file the options and environment choose."""
    if option is not None:
        return option
    from_env = os.environ.get(HISTORY_ENV)
    if from_env:
        return Path(from_env)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "myoplay" / HISTORY_FILE


def history_help() -> str:
    return (f"the history store (default: ${HISTORY_ENV}, else "
            f"$XDG_DATA_HOME/myoplay/{HISTORY_FILE})")
