"""Protocol fuzz: thousands of mutated built-in protocols through the public loader.

Each case starts from a built-in protocol, parsed, and applies one to three seeded mutations:
values of the wrong type, NaN and infinities, extremes, huge or control-character strings, deep
nesting, missing and extra fields, or damage to the TOML text itself. The case is written as a
file and loaded with :func:`load_protocol`, the path a user's ``--protocol FILE`` takes. The
contract: never a traceback (only :class:`ConfigError`, of which ``ProtocolFileError`` is one,
in one line naming the file), and every protocol that loads is within the documented bounds.
"""

from __future__ import annotations

import json
import math
import random
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from engine.errors import ConfigError
from engine.protocol import builtin_protocol_names, load_protocol, protocol_from_plain
from tests.engine.protocol_invariants import assert_within_bounds

CASES = 4000
SEED = 20261129

Document = dict[str, Any]


def _toml_value(value: object) -> str:
    """``value`` as a TOML value (inline arrays and tables; NaN and inf as TOML spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON's string escapes (\u with four hex digits, \n, \") are TOML basic-string escapes.
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def to_toml(document: Document) -> str:
    """A document whose top-level tables become ``[sections]``, everything else inline."""
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in document.items()
             if not isinstance(v, dict)]
    for key, table in document.items():
        if isinstance(table, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _deep(depth: int) -> list[Any]:
    inner: list[Any] = [1.0]
    for _ in range(depth):
        inner = [inner]
    return inner


def hostile_value(rng: random.Random) -> object:
    """One value a careless or malicious editor might write: a kind of trouble is chosen first
    (numbers, wrong types, text, containers), so each kind is exercised as often."""
    numbers: list[Callable[[], object]] = [
        lambda: math.nan, lambda: math.inf, lambda: -math.inf, lambda: 0, lambda: 0.0,
        lambda: -1.0, lambda: 5e-324, lambda: 1e308, lambda: -1e308, lambda: 2**63 - 1,
        lambda: -(2**63), lambda: rng.uniform(-1e3, 1e3), lambda: rng.randint(-10, 2000),
        lambda: rng.choice([0.49, 0.5, 1.0, 2.0, 149.9, 150.0, 300.0, 300.01, 1000, 1001]),
    ]
    texts: list[Callable[[], object]] = [
        lambda: "", lambda: "   ", lambda: "quadriceps", lambda: "gap", lambda: "é" * 40,
        lambda: "x" * rng.choice([65, 81, 1001, 5000, 300_000]),
        lambda: "".join(chr(rng.randrange(0, 0x20)) for _ in range(rng.randint(1, 8))),
        lambda: "quad\x00riceps", lambda: "\x1b[2Jverdict: complete", lambda: "\u2028",
    ]
    containers: list[Callable[[], object]] = [
        lambda: [], lambda: {}, lambda: [["gap"]], lambda: [{"gap": 1}], lambda: [True],
        lambda: ["saturated"] * 20, lambda: [1.0, 0.5, math.nan], lambda: {"a": {"b": 1}},
        lambda: _deep(rng.choice([2, 3, 10, 60])),
        lambda: [rng.random() for _ in range(rng.randint(0, 20))],
    ]
    others: list[Callable[[], object]] = [lambda: True, lambda: False]
    kind = rng.choice([numbers, numbers, texts, containers, others])
    return rng.choice(kind)()


#: Every field of the file layout, so mutations reach each one, present in the seed or not.
LAYOUT: dict[str, tuple[str, ...]] = {
    "": ("id", "name", "kind", "description"),
    "target": ("muscle", "side", "low_pct", "high_pct", "line_pct", "effort_pct",
               "hysteresis_pct", "dwell_s"),
    "timing": ("ready_s", "hold_s", "contract_s", "rest_s", "reps", "set_s", "sets",
               "set_rest_s", "dip_tolerance_s"),
    "symmetry": ("muscle", "metric", "threshold_pct", "hysteresis_pct", "window_s",
                 "min_activation_pct", "min_duration_s"),
    "compensation": ("numerator", "denominator", "metric", "limit", "hysteresis", "window_s",
                     "min_activation_pct", "min_duration_s", "cooldown_s"),
    "quality": ("pause_on", "resume_after_s"),
    "progression": ("min_peak_pct", "min_symmetry_pct", "last_reps"),
    "adaptive": ("window_reps", "step_pct", "hold_step_s", "low_min_pct", "low_max_pct",
                 "hold_min_s", "hold_max_s"),
    "feedback": ("mode", "bandwidth_pct", "fade_stages"),
}


def _set_layout_field(document: Document, rng: random.Random) -> None:
    """A hostile value in a named field of the layout (its table made if missing)."""
    section = rng.choice(list(LAYOUT))
    table = document if not section else document.setdefault(section, {})
    if isinstance(table, dict):
        table[rng.choice(LAYOUT[section])] = hostile_value(rng)


def _pick_table(document: Document, rng: random.Random) -> Document:
    tables = [v for v in document.values() if isinstance(v, dict)]
    return rng.choice([document, *tables])


def mutate_document(document: Document, rng: random.Random) -> None:
    """One structural mutation, in place."""
    table = _pick_table(document, rng)
    keys = list(table)
    operation = rng.randrange(7)
    if operation == 6:
        _set_layout_field(document, rng)
    elif operation == 0 and keys:
        table[rng.choice(keys)] = hostile_value(rng)
    elif operation == 1 and keys:
        del table[rng.choice(keys)]
    elif operation == 2:
        table[rng.choice(["extra", "reps", "set_s", "sets", "hold_s", "low_pct", "pause_on",
                          "fade_stages", "muscle", "kind", "adaptive", "symmetry",
                          "\x1b[2J", "x" * 300])] = hostile_value(rng)
    elif operation == 3:
        name = rng.choice(["target", "timing", "symmetry", "compensation", "quality",
                           "progression", "adaptive", "feedback"])
        document[name] = rng.choice([hostile_value(rng), {}, {"window_s": 5e-324}])
    elif operation == 4 and keys:
        # A plausible but extreme number (a typo by a factor of a thousand, a sign slip).
        key = rng.choice(keys)
        if isinstance(table[key], int | float) and not isinstance(table[key], bool):
            table[key] = table[key] * rng.choice([-1, 0, 1e-3, 1e3, 1e300])
    else:
        document["kind"] = rng.choice(["hold", "relax", "mvc", "squat"])


def damage_text(text: str, rng: random.Random) -> str:
    """Damage the TOML text itself: truncation, stray characters, deep brackets."""
    position = rng.randrange(len(text) + 1)
    operation = rng.randrange(4)
    if operation == 0:
        return text[:position]
    if operation == 1:
        return text[:position] + rng.choice(["[", "]", "\"", "=", "\x00", "\n[[x]]\n", "{"]) \
            + text[position:]
    if operation == 2:
        return text + "\ndeep = " + "[" * 5000 + "]" * 5000 + "\n"
    return text + "\nbig = " + "9" * rng.choice([30, 5000]) + "\n"


def make_case(seeds: list[Document], rng: random.Random) -> str:
    document = json.loads(json.dumps(rng.choice(seeds)))  # a deep copy of plain data
    for _ in range(rng.randint(1, 3)):
        mutate_document(document, rng)
    text = to_toml(document)
    if rng.random() < 0.15:
        text = damage_text(text, rng)
    return text


def _builtin_documents() -> list[Document]:
    folder = resources.files("engine.builtin_protocols")
    return [tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
            for name in builtin_protocol_names()]


def test_protocol_fuzz_gives_no_traceback_and_only_bounded_protocols(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seeds = _builtin_documents()
    path = tmp_path / "fuzzed.toml"
    accepted = refused = 0
    for case in range(CASES):
        text = make_case(seeds, rng)
        path.write_text(text, encoding="utf-8")
        try:
            protocol = load_protocol(path)
        except ConfigError as exc:
            message = str(exc)
            assert str(path) in message, (case, message)
            assert "\n" not in message, (case, message[:300])
            assert len(message) < 2000, (case, message[:300])
            refused += 1
            continue
        assert_within_bounds(protocol)
        assert protocol_from_plain(protocol.to_plain(), "round trip") == protocol, case
        accepted += 1
    assert accepted + refused == CASES
    # The fuzz must exercise both sides: mutations that pass and mutations that are caught.
    assert accepted >= CASES // 20, accepted
    assert refused >= CASES // 2, refused
