"""Find the sync and end records in raw bytes, to say where damage to a file begins.

The reader reads a file record by record, and a damaged length makes it read the records after
the damage from the wrong places: a string declared longer than it is swallows the records
after it (a sync or end record included); one declared shorter leaves bytes that read as a
value that is not a record. Either way the reader first notices something wrong at a later
record than the damaged one. The checkpoints are how to tell: a whole, decodable sync or end
record *inside* a record can only be there because that record's length is damaged (a writer
writes checkpoints between records), and the CRC a checkpoint carries says whether the bytes
before it are the ones written, so whether what the reader refused is damage or content.

Pure functions over bytes; :class:`replays.reader.ReplayReader` calls them only when a record is
refused, so reading a sound file costs nothing here.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

from engine.errors import MessageFormatError
from replays.format import END_TAG, SYNC_MARKER, SYNC_TAG, End, Sync, new_unpacker, pack

#: How a packed sync record starts (array of 5, its tag, the 8-byte marker), and an end record
#: (array of 6, its tag): where to try decoding one.
_SYNC_PREFIX = b"\x95" + pack([SYNC_TAG, SYNC_MARKER])[1:]
_END_PREFIX = b"\x96" + pack([END_TAG])[1:]
#: Most places tried per kind of checkpoint: bounds the time a hostile run of prefixes costs.
MAX_TRIES = 64
#: Most bytes a checkpoint may take to decode (an end record's totals are a few dozen entries).
MAX_CHECKPOINT_BYTES = 64 << 10


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A sync or end record found in raw bytes: where it starts, and what it says."""

    offset: int
    record_count: int
    crc32: int


def first_checkpoint(data: bytes, start: int = 0) -> Checkpoint | None:
    """The first whole, decodable sync or end record starting at or after ``start``."""
    candidates: list[tuple[int, bytes, Callable[[Any], Sync | End]]] = [
        (data.find(prefix, start), prefix, parse)
        for prefix, parse in ((_SYNC_PREFIX, Sync.from_list), (_END_PREFIX, End.from_list))
    ]
    for _ in range(2 * MAX_TRIES):
        live = [c for c in candidates if c[0] >= 0]
        if not live:
            return None
        at, prefix, parse = min(live, key=lambda c: c[0])
        found = _decoded(data[at:at + MAX_CHECKPOINT_BYTES], parse)
        if found is not None:
            return Checkpoint(at, found.record_count, found.crc32)
        candidates = [(data.find(p, at + 1) if p is prefix else a, p, f) for a, p, f in candidates]
    return None


def damaged_length(
    data: bytes, spans: Sequence[tuple[int, int]], first_index: int
) -> int | None:
    """The record whose declared length runs over a checkpoint, if any.

    ``data`` holds the records of one segment, from its first record (index ``first_index``),
    and whatever bytes follow; ``spans`` are the (start, end) offsets in ``data`` of the records
    the reader read there, in order. A checkpoint is never inside a record, so the first one
    found strictly inside a record's bytes marks that record as the one whose length is damaged
    (provided it says it comes after that record).
    """
    found = first_checkpoint(data, 1)
    if found is None:
        return None
    for position, (begin, end) in enumerate(spans):
        index = first_index + position
        if begin < found.offset < end and found.record_count > index:
            return index
    return None


def bytes_as_written(data: bytes) -> bool | None:
    """Whether the bytes of a segment (``data``, from its first record on) are the ones written:
    the CRC of those before the first checkpoint in them matches the one it carries. None when
    no checkpoint follows (nothing to check them against)."""
    found = first_checkpoint(data, 1)
    if found is None:
        return None
    return zlib.crc32(data[:found.offset]) == found.crc32


def _decoded(data: bytes, parse: Callable[[Any], Sync | End]) -> Sync | End | None:
    unpacker = new_unpacker()
    try:
        unpacker.feed(data)
        return parse(next(unpacker))
    except (StopIteration, msgpack.UnpackException, ValueError, TypeError, IndexError,
            MessageFormatError):
        return None
