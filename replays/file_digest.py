"""The SHA-256 of a recording's bytes: how the history store and batch runs name a session.

Read in 1 MiB pieces, so hashing an hour of 8 channels costs no memory to speak of.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK_BYTES = 1 << 20


def recording_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
