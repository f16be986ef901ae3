"""Errors met while acting on a file's records, made to name the file and the record.

The reader names the record of everything it refuses. What it hands out can still be refused
further on, by the engine's own checks (a recorded setting that does not fit, a calibration for
another pipeline); such an error knows nothing of files, so the command's caller wraps the work
on each record in :func:`naming_records`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from engine.errors import MyoplayError, ReplayError


@contextlib.contextmanager
def naming_records(name: str, where: str) -> Iterator[None]:
    """Re-raise a :class:`MyoplayError` from the block as a :class:`ReplayError` that starts
    with the file ``name`` and ``where`` (e.g. "record 13"), unless it already names the file."""
    try:
        yield
    except MyoplayError as error:
        if error.message.startswith(name):
            raise
        raise ReplayError(f"{name}: {where}: {error.message}", hint=error.hint) from None
