"""The BrainFlow boards ``--sensor brainflow:BOARD`` offers, by the names users type.

Only boards with EMG channels are listed (BrainFlow drives many EEG-only boards too). It
imports nothing, so the command line can check a name without loading BrainFlow's native
library; :mod:`sensors.brainflow_source` turns a name into BrainFlow's board id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import ConfigError

#: Board name → BrainFlow ``BoardIds`` member, for boards with EMG channels.
EMG_BOARDS: dict[str, str] = {
    "synthetic": "SYNTHETIC_BOARD",
    "cyton": "CYTON_BOARD",
    "cyton-wifi": "CYTON_WIFI_BOARD",
    "ganglion": "GANGLION_BOARD",
    "ganglion-native": "GANGLION_NATIVE_BOARD",
    "gforce-pro": "GFORCE_PRO_BOARD",
    "gforce-dual": "GFORCE_DUAL_BOARD",
    "callibri-emg": "CALLIBRI_EMG_BOARD",
}
#: The board that replays a file BrainFlow wrote (``DataFilter.write_file``) as a device.
PLAYBACK = "playback"
PLAYBACK_BOARD = "PLAYBACK_FILE_BOARD"


@dataclass(frozen=True, slots=True)
class BoardChoice:
    """A board by name; for playback, the file and the board that recorded it (its layout)."""

    board: str
    file: Path | None = None
    master: str | None = None

    @property
    def board_member(self) -> str:
        """BrainFlow's ``BoardIds`` member name."""
        return PLAYBACK_BOARD if self.board == PLAYBACK else EMG_BOARDS[self.board]

    @property
    def master_member(self) -> str | None:
        return EMG_BOARDS[self.master] if self.master is not None else None

    def describe(self) -> str:
        if self.file is not None:
            return f"BrainFlow playback of {self.file} ({self.master})"
        return f"BrainFlow {self.board}"


def parse_board(text: str, *, master: str | None = None) -> BoardChoice:
    """``BOARD`` or ``playback:FILE`` (what follows ``brainflow:`` in ``--sensor``); ``master``
    is the board that recorded a playback file (default: synthetic)."""
    name, colon, rest = text.partition(":")
    name = name.strip().lower()
    boards = ", ".join([*EMG_BOARDS, f"{PLAYBACK}:FILE"])
    if master is not None and master not in EMG_BOARDS:
        raise ConfigError(f"--master-board {master!r} is not a BrainFlow EMG board",
                          hint=f"choose one of {', '.join(EMG_BOARDS)}")
    if name == PLAYBACK:
        if not rest.strip():
            raise ConfigError("--sensor brainflow:playback needs a file: brainflow:playback:FILE")
        file = Path(rest)
        if not file.is_file():
            raise ConfigError(f"--sensor brainflow:playback:{rest}: no such file",
                              hint="give a file BrainFlow wrote (DataFilter.write_file)")
        return BoardChoice(PLAYBACK, file, master or "synthetic")
    if colon or name not in EMG_BOARDS:
        raise ConfigError(f"--sensor brainflow:{text} is not a BrainFlow EMG board",
                          hint=f"choose one of {boards}")
    if master is not None:
        raise ConfigError("--master-board is for brainflow:playback:FILE only")
    return BoardChoice(name)
