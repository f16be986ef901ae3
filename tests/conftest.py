"""Shared test setup: pygame and SDL never look for a real screen or sound card."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

#: Real recordings beside the project (read-only, see ../shared/data/emg/README.md).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "emg"
#: Small recordings copied into the project, with their attribution.
TEST_DATA = Path(__file__).resolve().parent / "data"
