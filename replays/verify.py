"""Check a whole replay file and give the verdict ``myoplay verify`` prints."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

from engine.errors import CorruptReplayError, TruncatedReplayError
from replays.reader import ReplayReader, ReplayStatus


def verify(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> ReplayStatus:
    """Read every record and say whether the file is complete, truncated or corrupt.

    Raises only for what is not a verdict on the file's bytes: it cannot be opened
    (:class:`~engine.errors.ReplayError`), or its format version is not supported
    (:class:`~engine.errors.UnsupportedReplayVersionError`).
    """
    try:
        reader = ReplayReader(source, allow_truncated=True, on_progress=on_progress)
    except TruncatedReplayError:
        return ReplayStatus("truncated", -1, 0, "the file ends before its header")
    except CorruptReplayError as error:
        return ReplayStatus.corrupt(error, 0)
    with reader:
        try:
            deque(reader, maxlen=0)  # reading every record is the check
        except CorruptReplayError as error:
            return ReplayStatus.corrupt(error, reader.last_verified_record + 1)
    if reader.status is None:
        raise AssertionError("a reader that finished without error always has a status")
    return reader.status

