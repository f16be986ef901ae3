"""Damaged lengths: ``verify`` names the first damaged record, not where reading went wrong.

A string whose declared length is damaged makes the reader take the bytes after it for other
records: a longer one swallows records (a sync point among them), a shorter one leaves bytes
that read as a lone value. Reading goes wrong a record or more later; the verdict must still name
the record whose length is damaged (issue 13: "43 where 36 was damaged").
"""

from __future__ import annotations

import io

import msgpack
import pytest

from replays.verify import verify
from tests.replays.forged_files import forge, golden_bodies

SYNC_EVERY = 3


def _spans(data: bytes) -> list[tuple[int, int]]:
    """Where each record of an undamaged file starts and ends."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    spans, start = [], 0
    for _ in unpacker:
        spans.append((start, unpacker.tell()))
        start = unpacker.tell()
    return spans


def _short_strings(data: bytes, start: int, end: int) -> list[int]:
    """Offsets of the headers of the short strings (fixstr) inside the record at start:end."""
    found: list[int] = []

    def walk(at: int) -> int:
        byte = data[at]
        if 0xA0 <= byte <= 0xBF:
            found.append(at)
            return at + 1 + (byte & 0x1F)
        if 0x90 <= byte <= 0x9F or 0x80 <= byte <= 0x8F:
            items = (byte & 0x0F) * (2 if byte <= 0x8F else 1)
            at += 1
            for _ in range(items):
                at = walk(at)
            return at
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(data[at:end])
        unpacker.skip()
        return at + unpacker.tell()

    assert walk(start) == end
    return found


def _base() -> tuple[bytes, list[tuple[int, int]]]:
    header, bodies = golden_bodies()
    data = forge(header, bodies, sync_every=SYNC_EVERY)
    return data, _spans(data)


def _damaged(data: bytes, at: int, declared: int) -> bytes:
    header = bytes([0xA0 | declared]) if declared < 32 else bytes([0xD9, declared])
    return data[:at] + header + data[at + 1:]


@pytest.mark.parametrize("declared", [255, 64, 40])
def test_a_string_declared_longer_names_its_own_record(declared: int) -> None:
    data, spans = _base()
    at = data.index(b"\xa5radio")  # the gap's reason, in the middle of the file
    damaged = next(i for i, (start, end) in enumerate(spans) if start <= at < end)
    status = verify(io.BytesIO(_damaged(data, at, declared)))
    assert (status.state, status.record_index) == ("corrupt", damaged), status.describe()


def test_a_string_declared_shorter_names_its_own_record() -> None:
    data, spans = _base()
    at = data.index(b"\xa5radio")
    damaged = next(i for i, (start, end) in enumerate(spans) if start <= at < end)
    status = verify(io.BytesIO(_damaged(data, at, 3)))  # "rad", then "io" reads as values
    assert (status.state, status.record_index) == ("corrupt", damaged), status.describe()
    assert "length is damaged" in status.reason


def test_every_damaged_string_length_is_named_at_its_record() -> None:
    """Every string of every record between the header and the end record, declared longer or
    shorter: the verdict names that record, or now and then (when the damage cannot be told
    from other damage to its segment, or is in a sync record's own tag) an earlier one; never
    a later one."""
    data, spans = _base()
    named: dict[str, int] = {"exact": 0, "earlier": 0}
    for index, (start, end) in enumerate(spans[1:-1], start=1):
        for at in _short_strings(data, start, end):
            length = data[at] & 0x1F
            for declared in {max(0, length - 2), length + 1, length + 9, 255} - {length}:
                status = verify(io.BytesIO(_damaged(data, at, declared)))
                where = f"record {index}, string at {at} declared {declared}: "
                assert status.state == "corrupt", where + status.describe()
                assert status.record_index <= index, where + status.describe()
                named["exact" if status.record_index == index else "earlier"] += 1
    assert named["exact"] > 20 * named["earlier"], named
