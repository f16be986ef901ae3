"""How an external CSV file is written: its encoding, its delimiter, its decimal mark, its numbers.

Lab files come from spreadsheets and acquisition software in every local convention: UTF-8 with
or without a byte-order mark, UTF-16 from Excel's "Unicode text", Latin-1 or Windows-1252 headers
(``left (µV)``), tab, semicolon, pipe or space separators, and decimal commas where the comma is
the decimal mark (``1,5;2,5``). The file may be a pipe or a FIFO, so nothing here seeks: the
encoding and the dialect are decided from the first bytes and lines, read once, then the same
text stream goes on.

Reading is bounded whatever the file holds: lines, cells and columns have limits, and breaking
one is refused with the line number, as is a number Python would accept but a lab file never
means (``١٢٣``, ``１２``, ``1_000``, ``nan``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from engine.errors import ReplayError

#: Longest physical line read, in characters (a 64-channel row needs far less than 1 %).
MAX_LINE_CHARS = 1 << 20
#: Longest cell, in characters: a number or a label (the replay format's names stop at 256).
MAX_CELL_CHARS = 256
#: Most columns read in a row (64 channels, plus time, index, label and skipped columns).
MAX_COLUMNS = 1024
#: Bytes read before the encoding is decided (the header and the first rows).
SNIFF_BYTES = 64 * 1024
#: Lines looked at to decide the delimiter and the decimal mark.
SNIFF_LINES = 50

WHITESPACE = "whitespace"
"""The delimiter name of columns separated by runs of spaces or tabs."""
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", WHITESPACE: " "}
"""Delimiters by the names ``--delimiter`` accepts (a single character is accepted too)."""
#: Detection order: a separator chosen *because* the comma is a decimal mark comes first.
_PREFERENCE = ("\t", ";", "|", ",", " ")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_PADDED_NUMBER = rf"[ \t]*{_NUMBER.pattern}[ \t]*"
_NUMBER_ROW = re.compile(rf"{_PADDED_NUMBER}(?:\x00{_PADDED_NUMBER})*", re.ASCII)
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?\s*", re.ASCII)
#: What undecodable bytes become (``surrogateescape``), so that the line holding one is named.
_UNDECODED = re.compile("[\udc80-\udcff]")
#: Characters a cell meant as a number may hold (any script's digits: refused later, by line).
_NUMERIC_LOOKING = re.compile(r"[\d+\-.,_eE ]+")


@dataclass(frozen=True, slots=True)
class Dialect:
    """How the cells of a file are separated and its numbers written."""

    encoding: str
    delimiter: str
    """One character; ``" "`` means runs of whitespace (:data:`WHITESPACE`)."""
    decimal_comma: bool

    def describe(self) -> str:
        name = next((k for k, v in DELIMITERS.items() if v == self.delimiter),
                    repr(self.delimiter))
        decimal = "decimal comma" if self.decimal_comma else "decimal point"
        return f"{self.encoding}, {name}-separated, {decimal}"


def delimiter_option(text: str) -> str:
    """The delimiter ``--delimiter`` names: a name of :data:`DELIMITERS`, ``\\t`` or a single
    character that is not a digit, a sign, a quote, a dot or a line break."""
    if text.lower() in DELIMITERS:
        return DELIMITERS[text.lower()]
    if text == "\\t":
        return "\t"
    if len(text) != 1 or text in "0123456789+-.\"'\r\n" or text.isalnum():
        raise ReplayError(
            f"--delimiter {text!r} cannot separate numbers",
            hint=f"use one of {', '.join(DELIMITERS)}, or a single punctuation character",
        )
    return text


class CountingReader(io.RawIOBase):
    """A raw binary stream that serves already-read ``prefix`` bytes, then ``rest``, counting
    the bytes handed on (progress without ``tell``, which a pipe does not have)."""

    def __init__(self, prefix: bytes, rest: BinaryIO,
                 on_progress: Callable[[int], None] | None) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self._on_progress = on_progress
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
        else:
            chunk = self._rest.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self.bytes_read += n
        if self._on_progress is not None:
            self._on_progress(self.bytes_read)
        return n


def read_prefix(stream: BinaryIO) -> bytes:
    """Up to :data:`SNIFF_BYTES` from ``stream``, reading until that many or the end (a pipe
    hands out what its writer has written so far)."""
    parts: list[bytes] = []
    size = 0
    while size < SNIFF_BYTES:
        chunk = stream.read(SNIFF_BYTES - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def detect_encoding(prefix: bytes, name: str) -> str:
    """The text encoding of a file starting with ``prefix``: by its byte-order mark; else UTF-8
    if the bytes are UTF-8; else Windows-1252, or Latin-1 for bytes Windows-1252 leaves undefined.

    Text without a mark holding NUL bytes is UTF-16 if every other byte is NUL, else refused.
    """
    if prefix.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in prefix:
        even, odd = prefix[0::2], prefix[1::2]
        if odd and odd.count(0) == len(odd) and 0 not in even:
            return "utf-16-le"
        if even and even.count(0) == len(even) and 0 not in odd:
            return "utf-16-be"
        raise ReplayError(f"{name} line 1: holds NUL bytes: this is not a text file",
                          hint="export the recording as CSV text first")
    if _decodes(prefix, "utf-8"):
        return "utf-8"
    return "cp1252" if _decodes(prefix, "cp1252") else "latin-1"


def _decodes(prefix: bytes, encoding: str) -> bool:
    """Whether ``prefix`` is text in ``encoding``; not final: the prefix may end inside a
    character."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(prefix, final=False)
    except UnicodeDecodeError:
        return False
    return True


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python knows it (``--encoding``), else one line saying so."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ReplayError(f"--encoding {encoding!r} is not a known text encoding",
                          hint="e.g. utf-8, utf-16, cp1252 or latin-1") from None


def bounded_lines(text: io.TextIOBase, name: str, encoding: str) -> Iterator[str]:
    """The physical lines of ``text`` (line ends kept), none longer than :data:`MAX_LINE_CHARS`;
    text that does not decode is refused with its line number."""
    number = 0
    while True:
        number += 1
        try:
            line = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as error:
            raise ReplayError(
                f"{name} line {number}: not {encoding} text ({error.reason})",
                hint="give the file's encoding with --encoding",
            ) from None
        if not line:
            return
        if _UNDECODED.search(line):
            raise ReplayError(f"{name} line {number}: not {encoding} text",
                              hint="give the file's encoding with --encoding")
        if len(line) > MAX_LINE_CHARS:
            raise ReplayError(f"{name} line {number}: longer than {MAX_LINE_CHARS} characters",
                              hint="a CSV recording has one sample per line")
        yield line


def detect_dialect(
    sample: Sequence[str], encoding: str, *, delimiter: str | None, decimal_comma: bool | None
) -> Dialect:
    """The delimiter (unless given) and decimal mark (unless given) of the ``sample`` lines.

    The delimiter is the first of tab, semicolon, pipe, comma and whitespace that splits every
    sample line into the same number (above one) of cells; failing that, the first that splits
    the first line; else a comma (one column). The decimal mark is a comma when the delimiter is
    not one and a cell reads like ``1,5``.
    """
    lines = [line for line in sample if line.strip()]
    if delimiter is None:
        # With a decimal comma, the comma cannot be the delimiter.
        candidates = _PREFERENCE if not decimal_comma else tuple(
            d for d in _PREFERENCE if d != ",")
        delimiter = _choose_delimiter(lines, candidates)
    if decimal_comma is None:
        decimal_comma = delimiter != "," and any(
            _DECIMAL_COMMA.fullmatch(cell) for line in lines for cell in split_line(line, delimiter)
        )
    elif decimal_comma and delimiter == ",":
        raise ReplayError("a decimal comma needs another delimiter than the comma",
                          hint="give --delimiter semicolon (or tab)")
    return Dialect(encoding, delimiter, decimal_comma)


def _choose_delimiter(lines: Sequence[str], candidates: Sequence[str]) -> str:
    fallback = candidates[0] if "," not in candidates else ","
    if not lines:
        return fallback
    counts = {d: [len(split_line(line, d)) for line in lines] for d in candidates}
    for d in candidates:
        if counts[d][0] > 1 and len(set(counts[d])) == 1:
            return d
    return next((d for d in candidates if counts[d][0] > 1), fallback)


def split_line(line: str, delimiter: str) -> list[str]:
    """One line's cells (for detection only: quoted cells spanning lines are the reader's job)."""
    if delimiter == " ":
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def rows(
    lines: Iterator[str], dialect: Dialect, name: str, *, skipped_lines: int = 0
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows of ``lines`` with the number of the line they end on in the file (after
    ``skipped_lines`` already read); a row with more than :data:`MAX_COLUMNS` cells or a cell
    longer than :data:`MAX_CELL_CHARS` is refused."""
    if dialect.delimiter == " ":
        numbered: Iterator[tuple[int, list[str]]] = (
            (number, line.split()) for number, line in enumerate(lines, skipped_lines + 1)
        )
    else:
        numbered = _csv_rows(lines, dialect.delimiter, name, skipped_lines)
    for number, row in numbered:
        if len(row) > MAX_COLUMNS:
            raise ReplayError(f"{name} line {number}: {len(row)} columns; at most "
                              f"{MAX_COLUMNS} are read",
                              hint="a recording has one column per channel")
        for column, cell in enumerate(row, 1):
            if len(cell) > MAX_CELL_CHARS:
                raise ReplayError(f"{name} line {number}, column {column}: a cell of "
                                  f"{len(cell)} characters (at most {MAX_CELL_CHARS})",
                                  hint="a cell holds one number or one short label")
        if any(cell.strip() for cell in row):
            yield number, row


def _csv_rows(lines: Iterator[str], delimiter: str, name: str,
              skipped_lines: int) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The csv module's own cell limit is far above ours: name ours.
            reason = str(error)
            if "field larger than field limit" in reason:
                reason = f"a cell longer than {MAX_CELL_CHARS} characters"
            raise ReplayError(f"{name} line {reader.line_num + skipped_lines}: {reason}",
                              hint="check the quoting and the delimiter (--delimiter)") from None
        yield reader.line_num + skipped_lines, row


def looks_numeric(cell: str) -> bool:
    """Whether ``cell`` was meant as a number (digits of any script, signs, marks), so that a
    row of them is data, not column names, and a bad one is refused rather than taken as text."""
    stripped = cell.strip()
    return bool(stripped) and _NUMERIC_LOOKING.fullmatch(stripped) is not None


def is_header(row: Sequence[str]) -> bool:
    """A first row is column names when none of its cells looks like a number."""
    return not any(looks_numeric(cell) for cell in row)


def parse_number(cell: str, decimal_comma: bool) -> float | str:
    """The finite number ``cell`` writes with ASCII digits, or why it is not one."""
    text = cell.strip()
    if decimal_comma:
        if "." in text:
            return "has a point in a file whose decimal mark is a comma"
        text = text.replace(",", ".", 1)
    if _NUMBER.fullmatch(text) is None:
        if not text:
            return "is empty"
        if any(ch.isdigit() and not ch.isascii() for ch in text):
            return "is written with non-ASCII digits"
        if "_" in text:
            return "has digit-group separators"
        if not decimal_comma and _DECIMAL_COMMA.fullmatch(text):
            return "has a decimal comma (give --decimal-comma)"
        return "is not a finite number"
    value = float(text)
    if not math.isfinite(value):
        return "is not a finite number"
    return value


def parse_numbers(cells: Sequence[str], decimal_comma: bool) -> list[float] | None:
    """The finite numbers of ``cells`` when every one is one (as :func:`parse_number` reads
    them), else None: one pattern match for the whole row, the fast path of a long file."""
    joined = "\x00".join(cells)
    if decimal_comma:
        if "." in joined:
            return None
        joined = joined.replace(",", ".")
    if _NUMBER_ROW.fullmatch(joined) is None:
        return None
    values = [float(cell) for cell in joined.split("\x00")]
    # An overflow to infinity shows in the sum (so may a huge finite sum: then look per cell).
    return values if math.isfinite(sum(values)) else None


def prefixed_text(
    prefix: bytes, rest: BinaryIO, encoding: str, on_progress: Callable[[int], None] | None
) -> io.TextIOWrapper:
    """The decoded text of ``prefix`` followed by the rest of ``rest``, universal line ends."""
    raw = CountingReader(prefix, rest, on_progress)
    # Text is decoded a chunk ahead of the line being read: a bad byte is kept as a lone
    # surrogate and refused on its own line (bounded_lines), not at an earlier one.
    return io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding,
                            errors="surrogateescape", newline="")


def sniffed_lines(lines: Iterator[str]) -> tuple[list[str], Iterator[str]]:
    """The first :data:`SNIFF_LINES` lines, and an iterator over all lines from the first."""
    sample = list(itertools.islice(lines, SNIFF_LINES))
    return sample, itertools.chain(sample, lines)
