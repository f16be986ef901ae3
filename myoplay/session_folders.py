"""The numbered folders ``myoplay play`` writes each session's recording, summary and frames to."""

from __future__ import annotations

from pathlib import Path


def next_session_dir(out: Path) -> Path:
    """``out/session-NNN``, the first number not used yet (no clock: numbering is enough)."""
    out.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in out.iterdir()}
    number = 1
    while f"session-{number:03d}" in taken:
        number += 1
    folder = out / f"session-{number:03d}"
    folder.mkdir()
    return folder
