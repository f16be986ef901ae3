"""The numbered folders ``myoplay play`` writes each session's recording, summary and frames to.

A folder is made before the session starts (the recording is written from the first sample),
so a session the player leaves on the start screen would leave an empty-handed folder behind;
:func:`discard_unplayed` takes back exactly what this run made for it, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SessionFolder:
    """A session folder made by this run, and the folders above it made for it."""

    path: Path
    made_above: tuple[Path, ...] = ()
    """Parents that did not exist before (``myoplay-output`` on a first run), innermost first."""


def next_session_dir(out: Path) -> SessionFolder:
    """``out/session-NNN``, the first number not used yet (no clock: numbering is enough)."""
    made_above = tuple(p for p in (out, *out.parents) if not p.exists())
    out.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in out.iterdir()}
    number = 1
    while f"session-{number:03d}" in taken:
        number += 1
    folder = out / f"session-{number:03d}"
    folder.mkdir()  # never exist_ok: the folder is this run's own, so this run may remove it
    return SessionFolder(folder, made_above)


def discard_unplayed(folder: SessionFolder, recording: Path) -> bool:
    """Remove ``folder`` when it holds nothing but this run's ``recording`` of a session that
    was never played, then the parents made for it while they are empty; True if removed.

    Anything else in it (a screenshot the player took on the start screen) keeps the folder
    and everything in it, so nothing this run did not make is ever deleted.
    """
    inside = list(folder.path.iterdir())
    if any(entry != recording for entry in inside):
        return False
    if inside:  # the recording is the folder's own; one written elsewhere (--record) stays
        recording.unlink()
    folder.path.rmdir()
    for parent in folder.made_above:
        try:
            parent.rmdir()
        except OSError:  # another run put something there meanwhile: it stays
            break
    return True
