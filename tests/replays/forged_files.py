"""Replay files with valid CRCs, sync points and end totals around hostile content.

The byte-level fuzz test (test_replay_fuzz.py) never gets past the CRC: every crash a hostile
file can cause lives in content a correct CRC vouches for. :func:`forge` frames any record
bodies exactly as a writer would (syncs with the right index, CRC and sample time; an end
record with the right totals), and :func:`mutate` makes a body hostile: wrong types, NaN and
infinities, extremes, huge lengths, control characters, records out of place. Seeded, so every
case is reproducible from its number.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import msgpack

from engine.clock import sample_offset_ns
from replays.format import SYNC_MARKER

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"
#: Frames of the golden session the base file keeps (40 samples each: 0.6 s).
BASE_FRAMES = 30

_NESTED: list[Any] = []
for _ in range(40):
    _NESTED = [_NESTED]

#: Values a hostile file puts where another belongs.
HOSTILE: list[Any] = [
    None, True, False, -1, 0, 1, 3, -(2**63), 2**63 - 1, 2**63, 2**64 - 1, -(2**31), 2**31,
    10**9, 1e7, 1e5, 5e-324, 1e-3, 1e308, -1e308, math.nan, math.inf, -math.inf, 0.5, -0.0,
    "", "x", "\x1b[2J\x1b[Hverdict:   complete", "a\nforged: line\rb\u202e", "\x00", "x" * 5000,
    "\u00e9" * 300, "L-quad", "session.calibration", "rules.protocol", "mvc", b"", b"\x00\xff",
    [], {}, [1.5] * 100, ["text"], [math.nan, math.inf, -1.0, 1e300], {"k": math.nan},
    {"\x1b[2J": 1}, _NESTED, list(range(3000)), {"a": {"b": {"c": [None, "x", 1e400]}}},
]


def golden_bodies() -> tuple[list[Any], list[list[Any]]]:
    """The golden session's header and a short prefix of its messages (syncs and end left out)
    with one record of every other kind added: a valid, replayable base."""
    with GOLDEN.open("rb") as file:
        records = list(msgpack.Unpacker(file, raw=False))
    header = records[0]
    kept = [r for r in records[1:] if r[0] not in ("sync", "end", "summary")]
    frames = [r for r in kept if r[0] == "frame"][:BASE_FRAMES]
    calibration = next(r for r in kept if r[0] == "config" and r[2] == "session.calibration")
    header[5]["training"]["calibration"] = copy.deepcopy(calibration[3])
    source = next(r for r in kept if r[0] == "source")
    inputs = [r for r in kept if r[0] == "input"][:3]
    event = next(r for r in kept if r[0] == "event")
    end_ns = frames[-1][4]
    last = frames[-1]
    bodies: list[list[Any]] = [
        source, *frames[:10], *inputs, *frames[10:20],
        ["config", frames[20][4], "rules.target_band_pct", [20.0, 40.0]],
        ["config", frames[20][4], "rules.protocol", header[5]["training"]["protocol"]],
        event,
        *frames[20:],
        ["gap", "sim", last[3] + 40, 40, end_ns + 20_000_000, 20_000_000, "radio"],
        ["tick", end_ns, 3],
        ["config", end_ns, "session.calibration", calibration[3]],
        ["error", end_ns, "render", "slow frame"],
        ["summary", {"holds": 3, "stopped": "duration reached"}],
    ]
    return header, bodies


def forge(header: Any, bodies: list[Any], *, sync_every: int = 8) -> bytes:
    """The bytes of a file holding ``header`` and ``bodies``, framed as a writer frames them:
    a sync after the header and every ``sync_every`` records, the end record last."""
    out = bytearray()
    crc = 0
    index = 0
    counts: Counter[str] = Counter()
    samples: dict[str, int] = {}
    rates: dict[Any, Any] = {}
    samples_t_ns = 0

    def checkpoint(tag: str) -> None:
        nonlocal crc, index
        if tag == "sync":
            out.extend(_packed(["sync", SYNC_MARKER, index, crc, samples_t_ns]))
            counts["sync"] += 1
        else:
            out.extend(_packed(["end", index, crc, samples_t_ns, dict(counts), samples]))
        crc = 0
        index += 1

    for position, body in enumerate([header, *bodies]):
        data = _packed(body)
        out += data
        crc = zlib.crc32(data, crc)
        index += 1
        if position:
            tag = body[0] if isinstance(body, list) and body else None
            counts[str(tag)] += 1
            samples_t_ns = _account(body, rates, samples, samples_t_ns)
        if position == 0 or position % sync_every == 0:
            checkpoint("sync")
    checkpoint("end")
    return bytes(out)


def _packed(body: Any) -> bytes:
    data: bytes = msgpack.packb(body, use_bin_type=True)
    return data


def _account(body: Any, rates: dict[Any, Any], samples: dict[str, int], t_ns: int) -> int:
    """Follow the sample totals and sample time as the reader does (for bodies it accepts).

    A mutated body may not even have the shape of its record; the reader refuses those, so the
    totals after it no longer matter and are left as they are.
    """
    try:
        if body[0] == "source":
            rates.setdefault(body[1], body[4])
            samples.setdefault(body[1], 0)
        elif body[0] == "frame":
            rows = body[6][1]
            samples[body[1]] = min(samples.get(body[1], 0) + rows, 2**64 - 1)
            end_ns = body[4] + sample_offset_ns(rows, float(rates[body[1]]))
            t_ns = max(t_ns, min(end_ns, 2**64 - 1))  # msgpack's largest: the reader refuses
    except (IndexError, KeyError, TypeError, ValueError, OverflowError, ZeroDivisionError):
        return t_ns
    return t_ns


def _places(value: Any, path: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    """Every place inside a body a mutation can replace (the tag excepted)."""
    found = [path] if path else []
    if depth > 6:
        return found
    if isinstance(value, list):
        for i, item in enumerate(value[:12]):
            if path or i:
                found += _places(item, (*path, i), depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key), depth + 1)
    return found


def _replace(body: Any, path: tuple[Any, ...], new: Any) -> None:
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new


def _hostile(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(HOSTILE))


def mutate(rng: random.Random, header: Any, bodies: list[Any]) -> tuple[Any, list[Any]]:
    """A hostile copy of the file: one to three changes of content or order."""
    header, bodies = copy.deepcopy(header), copy.deepcopy(bodies)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.random()
        if kind < 0.15:
            _replace_in(rng, header)
        elif kind < 0.75:
            _replace_in(rng, rng.choice(bodies))
        elif kind < 0.9:
            with contextlib.suppress(LookupError, TypeError, StopIteration):
                _targeted(rng, header, bodies)  # unless an earlier change removed its target
        else:
            _reorder(rng, bodies)
    return header, bodies


def _replace_in(rng: random.Random, body: Any) -> None:
    places = _places(body)
    if places:
        path = rng.choice(places)
        if rng.random() < 0.1 and isinstance(path[-1], str):
            del _parent(body, path)[path[-1]]  # a setting left out
        else:
            _replace(body, path, _hostile(rng))


def _parent(body: Any, path: tuple[Any, ...]) -> Any:
    target = body
    for step in path[:-1]:
        target = target[step]
    return target


def _targeted(rng: random.Random, header: Any, bodies: list[Any]) -> None:
    """The hostile values the issue names, where they do harm."""
    training = header[5]["training"]
    frames = [b for b in bodies if b[0] == "frame"]
    choice = rng.randrange(9)
    if choice == 0:
        bodies[0][4] = rng.choice([1e7, 1e5 + 1, 5e-4, math.nan, 3e4])
    elif choice == 1:
        gap = next(b for b in bodies if b[0] == "gap")
        # Within the bound a gap is legal (a processed export then writes its rows, which is
        # the output asked for, not a fault): the test sizes stay small or beyond it.
        gap[3] = rng.choice([-5, -1, 0, 7, 2**31 + 1, 2**40])
        gap[5] = rng.choice([gap[5], 2**62, 10**15])
    elif choice == 2:
        rng.choice(frames)[4] = rng.choice([2**63 - 1, 2**63 - 10**6, 2**62])
    elif choice == 3:
        calibration = rng.choice([training["calibration"],
                                  next(b for b in bodies if b[0] == "config"
                                       and b[2] == "session.calibration")[3]])
        key = rng.choice(["reference_uv", "baseline_uv", "window_s", "reference_pct_mvc",
                          "t_ns", "channels", "plateau_s"])
        calibration[key] = _hostile(rng)
    elif choice == 4:
        training["calibration_protocol"][rng.choice(["efforts", "rest_s", "effort_s"])] = (
            rng.choice([10**9, 10**6, math.inf, -3, 0, 1e300])
        )
    elif choice == 5:
        channel = rng.choice(bodies[0][5])
        channel[rng.randrange(2)] = rng.choice(["\x1b[2J\x1b[Hverdict:   complete", "a\nb",
                                               "R-quad", "", "x" * 300])
    elif choice == 6:
        frame = rng.choice(frames)
        rows = rng.choice([0, 1, 4000, 30_000])
        frame[6] = ["<i2", rows, 4, bytes(rows * 4 * 2)]
    elif choice == 7:
        header[5]["mains_hz"] = _hostile(rng)
    else:
        rng.choice(frames)[3] = rng.choice([0, -1, 2**63 - 5, 10])


def _reorder(rng: random.Random, bodies: list[Any]) -> None:
    """Records duplicated, dropped, swapped, or a second (or undescribed) source."""
    choice = rng.randrange(4)
    i, j = rng.randrange(len(bodies)), rng.randrange(len(bodies))
    if choice == 0:
        bodies.insert(j, copy.deepcopy(bodies[i]))
    elif choice == 1 and len(bodies) > 2:
        del bodies[i]
    elif choice == 2:
        bodies[i], bodies[j] = bodies[j], bodies[i]
    else:
        other = copy.deepcopy(bodies[0])
        other[1] = rng.choice(["sim", "other"])
        other[4] = rng.choice([1000.0, 2000.0])
        bodies.insert(j, other)


def damage_a_length(rng: random.Random, data: bytes) -> bytes:
    """A string's declared length made longer, somewhere after the first records: the damage
    that once read as "truncated after record 2" with a valid end following."""
    start = rng.randrange(len(data) // 4, len(data) // 2)
    for at in range(start, len(data)):
        if 0xA1 <= data[at] <= 0xBB:  # a fixstr header: 1 to 27 characters
            return data[:at] + bytes([0xD9, 0xFF]) + data[at + 1:]
    return data
