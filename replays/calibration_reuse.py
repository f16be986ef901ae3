"""Find the calibration a recorded session finished with, to reuse it in the next session."""

from __future__ import annotations

from pathlib import Path

from engine.calibration import Calibration
from engine.errors import CalibrationError
from engine.messages import ConfigChange
from engine.training import CALIBRATION_KEY
from replays.reader import ReplayReader


def calibration_from_replay(path: Path) -> Calibration:
    """The last calibration recorded in ``path`` (a truncated file is read up to its last sync)."""
    found: Calibration | None = None
    with ReplayReader(path, allow_truncated=True) as reader:
        for record in reader:
            if isinstance(record, ConfigChange) and record.key == CALIBRATION_KEY:
                found = Calibration.from_plain(record.value)
    if found is None:
        raise CalibrationError(
            f"{path} holds no finished calibration",
            hint="pick a recording whose calibration completed, or calibrate again",
        )
    return found
