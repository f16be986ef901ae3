"""Text from files and devices made safe for a terminal and for JSON.

A label, a protocol name or an error message read from a recording is data, and a terminal
acts on some characters: ``\\x1b[2J`` clears the screen, ``\\r`` or ``\\n`` forge a line of their
own, a right-to-left override reorders what follows. So every such text is escaped before it is
printed, the way ``repr`` does it (``\\x1b``), and JSON never carries NaN or Infinity (which are
not JSON) nor raw control characters.
"""

from __future__ import annotations

import math
import unicodedata

#: What non-finite floats become in JSON (the JSON grammar has no NaN or Infinity).
NONFINITE_JSON = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _is_control(char: str) -> bool:
    """C0/C1 controls, format characters (bidirectional overrides), surrogates, private use
    and unassigned code points: Unicode's category C."""
    return unicodedata.category(char)[0] == "C"


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a character a terminal would act on (see :func:`_is_control`)."""
    return any(_is_control(c) for c in text)


def escape_controls(text: str) -> str:
    """``text`` with each control character written as ``repr`` would (``\\x1b``, ``\\u202e``),
    and the backslash doubled, so the printed text shows exactly what the data holds."""
    if text.isprintable() and "\\" not in text:
        return text  # nearly always: nothing to do
    return "".join(
        repr(c)[1:-1] if _is_control(c) or c == "\\" else c for c in text
    )


def escape_json_controls(text: str) -> str:
    """A JSON document with control characters other than its newlines as JSON's four-hex-digit
    ``\\u`` escapes: still the same JSON, and safe on a terminal (JSON only requires escaping U+0000
    to U+001F; C1 controls and bidirectional overrides pass through otherwise)."""
    if all(c == "\n" or not _is_control(c) for c in text):
        return text
    return "".join(c if c == "\n" or not _is_control(c) else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a UTF-16 surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def finite_or_text(value: float) -> float | str:
    """A float JSON can hold: itself when finite, else ``"NaN"``, ``"Infinity"`` or
    ``"-Infinity"`` (as text, so the value is still visible)."""
    return value if math.isfinite(value) else NONFINITE_JSON[repr(value)]
