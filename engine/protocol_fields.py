"""Reading a protocol's fields one by one, each checked for type and range before it is used.

A protocol file comes from a person (or from a recording that may be damaged), so nothing in it
is trusted: the shape of the whole document is bounded first (:func:`check_shape`: nesting depth,
number of values, key types) so no later step can recurse or loop without bound, then every
field is read through a :class:`FieldReader` getter that knows what is allowed. Every refusal is
one :class:`~engine.errors.ProtocolFileError` line naming the source, the field and what is
allowed; values echoed in it are shortened and escaped, because they go to a terminal and a log.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import ProtocolFileError

MAX_NESTING = 3
"""Containers inside containers: the document, its tables, and lists inside a table."""
MAX_VALUES = 400
"""Keys and list items in the whole document (a full protocol has about 70)."""
MAX_LIST_ITEMS = 16
"""Items in one list field (``pause_on`` has 6 possible names; fade stages are a handful)."""
MAX_TEXT_CHARS = 200
"""Longest text field unless a field says otherwise (the description allows more)."""

_ECHO = reprlib.Repr()
# Echoed values are a hint, not a dump: a 50 MB string or a deep list must not become the message.
_ECHO.maxstring = 40
_ECHO.maxother = 40
_ECHO.maxlist = 4
_ECHO.maxdict = 4
_ECHO.maxlevel = 2


def echo(value: object) -> str:
    """``value`` shortened and escaped for a one-line message (repr escapes control characters)."""
    return _ECHO.repr(value)


def echo_typed(value: object) -> str:
    """:func:`echo` with the TOML-facing type, so ``"5"`` and ``5`` are told apart."""
    return f"{echo(value)} ({type(value).__name__})"


def refuse(source: str, field: str, problem: str, allowed: str) -> ProtocolFileError:
    """The one error shape: source, field, what is wrong, what is allowed."""
    return ProtocolFileError(
        f"{source}: field '{field}' {problem}; allowed: {allowed}",
        hint="fix the protocol file and load it again",
    )


def check_shape(data: object, source: str) -> Mapping[str, Any]:
    """``data`` as the document's top table, once its whole shape is within bounds.

    The walk keeps its own stack, so a structure nested thousands deep (from a recording, say)
    is refused instead of overflowing Python's. Keys must be text, since fields are named by them.
    """
    if not isinstance(data, Mapping):
        raise refuse(source, "(document)", f"is {echo_typed(data)}", "a table of fields")
    count = 0
    stack: list[tuple[str, object, int]] = [("", data, 1)]
    while stack:
        path, node, depth = stack.pop()
        children: Sequence[tuple[str, object]]
        if isinstance(node, Mapping):
            for key in node:
                if not isinstance(key, str):
                    raise refuse(source, path or "(document)", f"has the key {echo_typed(key)}",
                                 "text keys")
            children = [(f"{path}.{key}" if path else key, value) for key, value in node.items()]
        elif isinstance(node, list | tuple):
            children = [(f"{path}[{i}]", value) for i, value in enumerate(node)]
        else:
            continue
        count += len(children)
        if count > MAX_VALUES:
            raise refuse(source, path or "(document)", f"brings the document past {MAX_VALUES} "
                         "values", f"a protocol of at most {MAX_VALUES} keys and list items")
        for child_path, child in children:
            if isinstance(child, Mapping | list | tuple):
                if depth + 1 > MAX_NESTING:
                    raise refuse(source, child_path, f"nests deeper than {MAX_NESTING} levels",
                                 "tables of values and lists of plain values")
                stack.append((child_path, child, depth + 1))
    return data


class FieldReader:
    """One table of a protocol being read, with typed getters that explain what is allowed.

    ``where`` is the table's dotted name ("" for the top level), ``source`` names the file.
    """

    def __init__(self, data: Mapping[str, Any], where: str, source: str) -> None:
        self.data = data
        self.where = where
        self.source = source

    def field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, problem: str, allowed: str) -> ProtocolFileError:
        return refuse(self.source, self.field(key), problem, allowed)

    def has(self, key: str) -> bool:
        return key in self.data

    def checked_text(
        self, key: str, value: object, *, max_chars: int = MAX_TEXT_CHARS, blank: bool = False
    ) -> str:
        """``value`` if it is printable text of at most ``max_chars`` (non-blank unless
        ``blank``); used for values that may come from elsewhere (an id from a file name)."""
        allowed = f"printable text of 1 to {max_chars} characters"
        if not isinstance(value, str):
            raise self.fail(key, f"is {echo_typed(value)}", allowed)
        if len(value) > max_chars:
            raise self.fail(key, f"is {len(value)} characters long", allowed)
        if not value.isprintable():
            # Control characters (NUL, escapes, line breaks) break renderers and terminals.
            raise self.fail(key, f"is {echo(value)}, with a control character", allowed)
        if not blank and not value.strip():
            raise self.fail(key, "is empty", allowed)
        return value

    def text(self, key: str, default: str | None = None, *, max_chars: int = MAX_TEXT_CHARS,
             blank: bool = False) -> str:
        """Free text (see :meth:`checked_text`); ``default`` when absent (None: required)."""
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is missing", f"printable text of 1 to {max_chars} characters")
            return default
        return self.checked_text(key, self.data[key], max_chars=max_chars, blank=blank)

    def choice(self, key: str, default: str | None, choices: Sequence[str]) -> str:
        """One of ``choices``; ``default`` when absent (None: required)."""
        allowed = "one of " + ", ".join(repr(c) for c in choices)
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is missing", allowed)
            return default
        value = self.data[key]
        if not isinstance(value, str) or value not in choices:
            raise self.fail(key, f"is {echo_typed(value)}", allowed)
        return value

    def number(
        self,
        key: str,
        default: float | None,
        low: float,
        high: float,
        *,
        low_open: bool = False,
        allowed: str | None = None,
    ) -> float:
        """A finite number in [low, high] (or (low, high] when ``low_open``)."""
        opening = "above" if low_open else "from"
        allowed = allowed or f"a number {opening} {low:g} to {high:g}"
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is missing", allowed)
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"is {echo_typed(value)}", allowed)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(key, f"is {value}", allowed)
        # Compared before float(): Python compares a huge int with a float exactly, whereas
        # float(10**400) would raise OverflowError.
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            raise self.fail(key, f"is {echo(value)}", allowed)
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int) -> int:
        allowed = f"a whole number from {low} to {high}"
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is missing", allowed)
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"is {echo_typed(value)}", allowed)
        if not low <= value <= high:
            raise self.fail(key, f"is {echo(value)}", allowed)
        return value

    def flag(self, key: str, default: bool) -> bool:
        """``true`` or ``false``; ``default`` when absent."""
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise self.fail(key, f"is {echo_typed(value)}", "true or false")
        return value

    def items(self, key: str, default: Sequence[Any], allowed: str) -> list[Any]:
        """A list of at most :data:`MAX_LIST_ITEMS` items (their own checks are the caller's)."""
        if key not in self.data:
            return list(default)
        value = self.data[key]
        if not isinstance(value, list | tuple):
            raise self.fail(key, f"is {echo_typed(value)}", allowed)
        if len(value) > MAX_LIST_ITEMS:
            raise self.fail(key, f"has {len(value)} items",
                            f"{allowed}, at most {MAX_LIST_ITEMS} items")
        return list(value)

    def table(self, key: str, required: bool = False) -> FieldReader | None:
        if key not in self.data:
            if required:
                raise self.fail(key, "is missing", "a table")
            return None
        value = self.data[key]
        if not isinstance(value, Mapping):
            raise self.fail(key, f"is {echo_typed(value)}", "a table")
        return FieldReader(value, self.field(key), self.source)

    def expect(self, *keys: str) -> None:
        """Refuse keys not in ``keys``: a typo must not silently fall back to a default."""
        unknown = sorted(set(self.data) - set(keys), key=str)
        if unknown:
            # The unknown key is the user's text: echoed (escaped, shortened), not trusted.
            name = unknown[0] if unknown[0].isidentifier() and len(unknown[0]) <= 40 else echo(
                unknown[0])
            raise self.fail(name, "is not a known field", ", ".join(sorted(keys)))
