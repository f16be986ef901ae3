"""Hostile files: 10 000+ seeded mutations of small recordings, plus memory bounds.

Every mutated file must get a verdict (complete, truncated or corrupt naming a record) or a clear
version error; nothing may crash the reader, and a file that still reads as complete must give
exactly the original records.
"""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from engine.errors import UnsupportedReplayVersionError
from replays.reader import ReplayReader, ReplayStatus
from replays.verify import verify
from tests.replays.replay_fixtures import SOURCE, craft, record, session

Mutation = Callable[[np.random.Generator, bytes], bytes]

HUGE_HEADERS = [
    b"\xc6\xff\xff\xff\xff",  # bin 32
    b"\xdb\xff\xff\xff\xff",  # str 32
    b"\xdd\xff\xff\xff\xff",  # array 32
    b"\xdf\xff\xff\xff\xff",  # map 32
    b"\xc9\xff\xff\xff\xff\x01",  # ext 32
    b"\xc5\xff\xff",  # bin 16
    b"\xdc\xff\xff",  # array 16
]


def flip_bits(rng: np.random.Generator, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.integers(len(out)))
        out[at] ^= 1 << int(rng.integers(8))
    return bytes(out)


def overwrite_bytes(rng: np.random.Generator, data: bytes) -> bytes:
    out = bytearray(data)
    at = int(rng.integers(len(out)))
    width = int(rng.integers(1, 9))
    out[at : at + width] = rng.integers(0, 256, size=width, dtype=np.uint8).tobytes()
    return bytes(out)


def truncate(rng: np.random.Generator, data: bytes) -> bytes:
    return data[: int(rng.integers(len(data)))]


def delete_span(rng: np.random.Generator, data: bytes) -> bytes:
    at = int(rng.integers(len(data)))
    return data[:at] + data[at + int(rng.integers(1, 64)) :]


def insert_random(rng: np.random.Generator, data: bytes) -> bytes:
    at = int(rng.integers(len(data)))
    junk = rng.integers(0, 256, size=int(rng.integers(1, 32)), dtype=np.uint8).tobytes()
    return data[:at] + junk + data[at:]


def duplicate_span(rng: np.random.Generator, data: bytes) -> bytes:
    at = int(rng.integers(len(data)))
    span = data[at : at + int(rng.integers(1, 200))]
    where = int(rng.integers(len(data)))
    return data[:where] + span + data[where:]


def huge_length(rng: np.random.Generator, data: bytes) -> bytes:
    at = int(rng.integers(len(data)))
    header = HUGE_HEADERS[int(rng.integers(len(HUGE_HEADERS)))]
    return data[:at] + header + data[at + int(rng.integers(0, 3)) :]


def random_file(rng: np.random.Generator, data: bytes) -> bytes:
    size = int(rng.integers(0, 400))
    junk = rng.integers(0, 256, size=size, dtype=np.uint8).tobytes()
    # Half of them keep a valid header, so the damage lands past record 0.
    return data[:80] + junk if rng.random() < 0.5 else junk


MUTATIONS: list[Mutation] = [
    flip_bits,
    overwrite_bytes,
    truncate,
    delete_span,
    insert_random,
    duplicate_span,
    huge_length,
    random_file,
]


def bases() -> list[tuple[bytes, list[object]]]:
    out: list[tuple[bytes, list[object]]] = []
    for seed, frames in ((1, 12), (2, 30)):
        written = list(session(frames, seed=seed))
        out.append((record(written, sync_every_records=7), written))
    ticks_only = craft([SOURCE.to_list(), ["tick", 1, 1], ["input", 2, "key", {"k": [1, 2.5]}]])
    out.append((ticks_only, list(ReplayReader(io.BytesIO(ticks_only)))))
    return out


def verdict(data: bytes) -> ReplayStatus | None:
    try:
        return verify(io.BytesIO(data))
    except UnsupportedReplayVersionError:
        return None


def verify_measuring_memory(data: bytes) -> tuple[ReplayStatus, int]:
    """The verdict on ``data`` and the peak memory (bytes) Python allocated to reach it."""
    tracemalloc.start()
    try:
        status = verify(io.BytesIO(data))
        return status, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def read_complete(data: bytes) -> list[object]:
    return list(ReplayReader(io.BytesIO(data)))


def test_ten_thousand_mutated_files_get_a_verdict_naming_a_record():
    rng = np.random.default_rng(20261121)
    files = bases()
    outcomes: Counter[str] = Counter()
    n_files = 10_400
    for case in range(n_files):
        base, written = files[case % len(files)]
        mutation = MUTATIONS[case % len(MUTATIONS)]
        data = mutation(rng, base)
        status = verdict(data)
        if status is None:
            outcomes["unsupported version"] += 1
            continue
        outcomes[status.state] += 1
        text = status.describe()
        assert text.startswith(("complete", "truncated", "corrupt at record ")), text
        assert -1 <= status.record_index < max(len(data), 1), text
        if status.state == "complete":
            assert read_complete(data) == written, (case, mutation.__name__)
        if mutation is flip_bits:
            assert status.state != "complete", case
    assert sum(outcomes.values()) == n_files
    assert outcomes["corrupt"] > n_files / 4
    assert outcomes["truncated"] > n_files / 20


def test_single_bit_flips_anywhere_are_detected():
    data = record(session(8), sync_every_records=5)
    for at in range(len(data)):
        for bit in (0, 3, 7):
            flipped = bytearray(data)
            flipped[at] ^= 1 << bit
            status = verdict(bytes(flipped))
            assert status is None or status.state != "complete", (at, bit)


@pytest.mark.parametrize("header", HUGE_HEADERS)
def test_huge_declared_lengths_stay_within_a_few_megabytes(header):
    base = craft([SOURCE.to_list()], end=False)
    status, peak = verify_measuring_memory(base + b"\x92\xa4tick" + header + bytes(4 << 20))
    assert status.state == "corrupt"
    assert status.record_index == 3
    assert peak < 16 << 20


def test_a_record_of_many_tiny_objects_stays_bounded():
    base = craft([SOURCE.to_list()], end=False)
    # An array of empty arrays: one byte each on disk, a whole list each in memory.
    data = base + b"\x93\xa5input\x01" + (b"\xdc\xff\xff" + b"\x90" * 0xFFFF) * 40
    status, peak = verify_measuring_memory(data)
    assert status.state == "corrupt"
    assert peak < 200 << 20
