"""Where the test recordings copied into the project live (with their licences)."""

from __future__ import annotations

from pathlib import Path

#: Small recordings copied into the project, with their attribution (data/README.md).
TEST_DATA = Path(__file__).resolve().parent / "data"
