"""Tell a cut-off file from a damaged length: is there a whole checkpoint in the bytes left?

When the bytes run out inside a record, a killed writer is the usual cause, and the file is
*truncated*. But a damaged length in record 13 (a string declared longer than it is) swallows
every record after it, a valid end record included, and also ends "inside a record". The two
differ in what the swallowed bytes hold: a writer killed mid-record never wrote anything after
that record, so a whole, decodable sync or end record inside them can only mean damage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgpack

from engine.errors import MessageFormatError
from replays.format import END_TAG, SYNC_MARKER, SYNC_TAG, End, Sync, new_unpacker, pack

#: How a packed sync record starts (array of 5, its tag, the 8-byte marker), and an end record
#: (array of 6, its tag): where to try decoding one.
_SYNC_START = pack([SYNC_TAG, SYNC_MARKER])[1:]
_SYNC_PREFIX = b"\x95" + _SYNC_START
_END_PREFIX = b"\x96" + pack([END_TAG])[1:]
#: Most places tried per kind of checkpoint: bounds the time a hostile run of prefixes costs.
MAX_TRIES = 64


def checkpoint_follows(data: bytes) -> bool:
    """Whether ``data`` (an unfinished record and what follows it) holds a whole sync or end
    record after its first byte."""
    for prefix, parse in ((_SYNC_PREFIX, Sync.from_list), (_END_PREFIX, End.from_list)):
        at = data.find(prefix, 1)
        for _ in range(MAX_TRIES):
            if at < 0:
                break
            if _decodes(data[at:], parse):
                return True
            at = data.find(prefix, at + 1)
    return False


def _decodes(data: bytes, parse: Callable[[Any], object]) -> bool:
    unpacker = new_unpacker()
    try:
        unpacker.feed(data)
        parse(next(unpacker))
    except (StopIteration, msgpack.UnpackException, ValueError, TypeError, IndexError,
            MessageFormatError):
        return False
    return True
