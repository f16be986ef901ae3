"""Read a replay file as a stream, trusting nothing in it.

Memory stays bounded whatever the file declares: the unpacker's buffer and every length are
capped (see :mod:`replays.format`), and records are held back only until the next sync point.
A record is handed out only once the sync record after it has checked its bytes (CRC32), its
index and the sample time; so a damaged file yields a verified prefix and then an error that
names the record, and a file that simply stops (a killed writer) yields everything up to its
last sync and then says it is truncated. Nothing is ever silently short.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal

import msgpack

from engine.errors import (
    CorruptReplayError,
    MessageFormatError,
    ReplayError,
    TruncatedReplayError,
    UnsupportedReplayVersionError,
)
from engine.messages import (
    MESSAGE_TYPES,
    PlainValue,
    Record,
    SampleFrame,
    SourceInfo,
    message_from_list,
)
from replays.format import (
    END_TAG,
    MAX_RECORD_BYTES,
    MAX_SEGMENT_BYTES,
    MAX_SEGMENT_RECORDS,
    READ_CHUNK_BYTES,
    SUMMARY_TAG,
    SYNC_TAG,
    VERSION_MAJOR,
    VERSION_MINOR,
    End,
    Header,
    Summary,
    Sync,
    UnsupportedVersion,
    check_record,
    new_unpacker,
)
from replays.record_bounds import check_header_bounds, check_plain, check_record_bounds
from replays.resync import bytes_as_written, damaged_length, first_checkpoint

#: What can go wrong turning untrusted plain data into a record (beyond our own error type).
_DECODE_ERRORS = (MessageFormatError, TypeError, ValueError, OverflowError, RecursionError)

_KNOWN_TAGS = frozenset(MESSAGE_TYPES)
_FORMAT_TAGS = frozenset((SYNC_TAG, END_TAG, SUMMARY_TAG))

#: How every corruption message names the record (``ReplayStatus.describe`` uses it too).
CORRUPT_AT = "corrupt at record {}: "
_DAMAGED_LENGTH = "its declared length runs over a later sync or end record (a damaged length)"

State = Literal["complete", "truncated", "corrupt"]


@dataclass(frozen=True, slots=True)
class ReplayStatus:
    """How far a file could be read, and why it stopped.

    ``record_index`` is the end record's index when complete, the last record checked by a sync
    when truncated (-1 if none), and the first bad record when corrupt. ``verified_records`` is
    how many records (header, syncs and end included) passed their checks.
    """

    state: State
    record_index: int
    verified_records: int
    reason: str = ""

    @classmethod
    def corrupt(cls, error: CorruptReplayError, verified_records: int) -> ReplayStatus:
        """The verdict on a file whose reading stopped with ``error``."""
        reason = error.message.partition(CORRUPT_AT.format(error.record_index))[2]
        return cls("corrupt", error.record_index, verified_records, reason or error.message)

    def describe(self) -> str:
        """The one-line verdict ``myoplay verify`` prints."""
        if self.state == "complete":
            return f"complete: {self.verified_records} records"
        if self.state == "truncated":
            where = (
                f"truncated after record {self.record_index}"
                if self.record_index >= 0
                else "truncated before record 0"
            )
            return f"{where}: {self.reason}"
        return CORRUPT_AT.format(self.record_index) + self.reason


class _EndOfData(Exception):
    """The bytes ran out inside a record (internal to the reader)."""


class ReplayReader:
    """Iterate over the engine messages of a replay file, checked sync point by sync point.

    ``source`` is a path or an open binary stream (not closed by the reader). Iterating yields
    :class:`~engine.messages.Record` messages in file order. At the end of a complete file,
    :attr:`status` is complete and :attr:`end` and :attr:`summary` are set; a truncated file
    raises :class:`TruncatedReplayError` after its last checked record, unless
    ``allow_truncated``, which ends the iteration quietly with :attr:`status` truncated. Damage
    raises :class:`CorruptReplayError` naming the record. ``on_progress`` receives the number of
    bytes read so far after each chunk.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        *,
        allow_truncated: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self._owns_file = isinstance(source, str | os.PathLike)
        if isinstance(source, str | os.PathLike):
            self.name = str(source)
            try:
                self._file: BinaryIO = open(Path(source), "rb")  # noqa: SIM115
            except FileNotFoundError:
                raise ReplayError(f"{source}: no such file") from None
            except OSError as error:
                raise ReplayError(f"cannot open {source}: {error.strerror}") from error
        else:
            self.name = getattr(source, "name", "<stream>")
            self._file = source
        self.size_bytes: int | None = _size(self._file)
        self._allow_truncated = allow_truncated
        self._on_progress = on_progress
        self._unpacker = new_unpacker()
        self._raw = memoryview(b"")
        self._raw_start = 0
        self._fed = 0
        self._index = 0
        self._last_verified = -1
        self._crc = 0
        self._segment_records = 0
        self._segment_bytes = 0
        # The current segment's bytes and where each of its records starts in them: kept only
        # to say where damage begins when a record is refused (see _damage_behind).
        self._segment = bytearray()
        self._starts: list[int] = []
        self._pending: list[tuple[int, Record]] = []  # (index in the file, record)
        self._handed_out = -1
        self._pending_summary: Summary | None = None
        self._described: dict[str, SourceInfo] = {}
        self._counts: Counter[str] = Counter()
        self._samples: dict[str, int] = {}
        self._samples_t_ns = 0
        self._verified_t_ns = 0
        self._iterating = False
        self.sources: dict[str, SourceInfo] = {}
        self.summary: Mapping[str, PlainValue] | None = None
        self.end: End | None = None
        self.status: ReplayStatus | None = None
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    @property
    def last_verified_record(self) -> int:
        """Index of the last record a sync point (or the end record) has checked."""
        return self._last_verified

    @property
    def record_index(self) -> int:
        """Index in the file of the record handed out last (-1 before the first): how error
        messages about a record's content name it."""
        return self._handed_out

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the file so far (reading runs a chunk ahead of the records)."""
        return self._fed

    @property
    def samples_t_ns(self) -> int:
        """Session time just after the last sample handed out so far."""
        return self._verified_t_ns

    def __iter__(self) -> Iterator[Record]:
        if self._iterating or self.status is not None:
            raise ReplayError("a replay file can be iterated only once; open it again")
        self._iterating = True
        try:
            while True:
                try:
                    got = self._next_items()
                except _EndOfData:
                    self._ends_inside_record()
                    return
                except CorruptReplayError as error:
                    raise self._damage_behind(error) from None
                if got is None:
                    self._truncated(f"the file ends after record {self._index - 1} with no end "
                                    f"record")
                    return
                items, raw = got
                self._starts.append(len(self._segment))
                self._segment += raw
                tag = items[0] if isinstance(items, list) and items else None
                try:
                    if tag == SYNC_TAG:
                        checked = self._sync(items)
                    elif tag == END_TAG:
                        checked = self._end(items)
                    else:
                        self._message(items, tag)
                        self._crc = zlib.crc32(raw, self._crc)
                        self._segment_records += 1
                        self._segment_bytes += len(raw)
                        self._check_segment()
                        checked = None
                except CorruptReplayError as error:
                    raise self._damage_behind(
                        error, not_a_record=not _a_record_tag(tag)
                    ) from None
                if checked is not None:
                    yield from checked
                if tag == END_TAG:
                    return
                self._index += 1
        finally:
            self._pending.clear()

    def close(self) -> None:
        if self._owns_file:
            self._file.close()

    def __enter__(self) -> ReplayReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- records -------------------------------------------------------------------------------

    def _read_header(self) -> Header:
        try:
            got = self._next_items()
        except _EndOfData:
            if first_checkpoint(bytes(self._raw), 1) is not None:
                raise self._corrupt(_DAMAGED_LENGTH) from None
            got = None
        if got is None:
            raise TruncatedReplayError(
                f"{self.name}: the file ends before its header", last_good_record=-1
            )
        items, raw = got
        try:
            header = Header.from_list(items)
            check_header_bounds(header.engine_version, header.seed, header.config)
        except UnsupportedVersion as error:
            raise UnsupportedReplayVersionError(
                f"{self.name}: record 0 (the header) is of replay format {error.major}."
                f"{error.minor}; this myoplay reads "
                f"format {VERSION_MAJOR}.x",
                hint="open it with a myoplay release that supports that format",
            ) from None
        except _DECODE_ERRORS as error:
            raise self._corrupt(str(error)) from None
        self._crc = zlib.crc32(raw, self._crc)
        self._segment_records = 1
        self._segment_bytes = len(raw)
        self._segment += raw
        self._starts.append(0)
        self._index = 1
        return header

    def _message(self, items: Any, tag: object) -> None:
        """Decode one message into the pending segment, checking it against its sources."""
        if tag == SUMMARY_TAG:
            try:
                self._pending_summary = Summary.from_list(items)
                check_plain(self._pending_summary.summary, "the summary")
            except _DECODE_ERRORS as error:
                raise self._corrupt(str(error)) from None
            self._counts[SUMMARY_TAG] += 1
            return
        try:
            record = (
                SampleFrame.from_list(items) if tag == SampleFrame.TAG else message_from_list(items)
            )
            check_record(record, self._described)
            check_record_bounds(record, self._described)
        except _DECODE_ERRORS as error:
            if (
                isinstance(tag, str)
                and tag not in _KNOWN_TAGS
                and self.header.version[1] > VERSION_MINOR
            ):
                # A newer minor version may add record types; an older reader skips them.
                self._counts[tag] += 1
                return
            if isinstance(error, MessageFormatError):
                raise self._corrupt(str(error)) from None
            raise self._corrupt(f"malformed {tag!r} record ({_explain(error)})") from None
        self._counts[record.TAG] += 1
        if isinstance(record, SampleFrame):
            rate_hz = self._described[record.source_id].rate_hz
            self._samples[record.source_id] += record.n_samples
            self._samples_t_ns = max(self._samples_t_ns, record.end_t_ns(rate_hz))
        elif isinstance(record, SourceInfo):
            self._described[record.source_id] = record
            self._samples.setdefault(record.source_id, 0)
        self._pending.append((self._index, record))

    def _sync(self, items: Any) -> Iterator[Record]:
        """Check a sync record; the records it verified, to hand out."""
        try:
            sync = Sync.from_list(items)
        except _DECODE_ERRORS as error:
            raise self._corrupt(str(error)) from None
        self._check_checkpoint(sync.record_count, sync.crc32, sync.samples_t_ns, "sync")
        self._counts[SYNC_TAG] += 1
        return self._release_segment()

    def _end(self, items: Any) -> Iterator[Record]:
        """Check the end record and that nothing follows; the records it verified."""
        try:
            end = End.from_list(items)
        except _DECODE_ERRORS as error:
            raise self._corrupt(str(error)) from None
        self._check_checkpoint(end.record_count, end.crc32, end.samples_t_ns, "end")
        if dict(end.counts) != dict(self._counts) or dict(end.samples) != self._samples:
            raise self._corrupt(
                "the end record's totals do not match the records in the file"
            )
        end_index = self._index
        self._index += 1  # whatever follows would be the next record
        try:
            extra = self._next_items()
        except _EndOfData:
            extra = ((), memoryview(b""))
        if extra is not None:
            raise self._corrupt(f"there are bytes after the end record (record {end_index})")
        self._index = end_index
        self.end = end
        return self._completed(end_index)

    def _completed(self, end_index: int) -> Iterator[Record]:
        yield from self._release_segment()
        self.status = ReplayStatus("complete", end_index, end_index + 1)

    def _check_checkpoint(self, count: int, crc: int, samples_t_ns: int, what: str) -> None:
        # The CRC first: a damaged length shifts every record after it, so a wrong count with
        # a wrong CRC is damage in the segment, not a wrong checkpoint.
        if crc != self._crc:
            first = self._last_verified + 1
            raise self._corrupt(
                f"records {first} to {self._index - 1} fail the CRC32 check of {what} record "
                f"{self._index}",
                index=first,
            )
        if count != self._index:
            raise self._corrupt(f"the {what} record says it is record {count}")
        if samples_t_ns != self._samples_t_ns:
            raise self._corrupt(
                f"the {what} record's sample time {samples_t_ns} ns does not match the frames "
                f"before it ({self._samples_t_ns} ns)"
            )

    def _release_segment(self) -> Iterator[Record]:
        """Hand out the records a checkpoint has just verified."""
        self._last_verified = self._index
        self._crc = 0
        self._segment_records = 0
        self._segment_bytes = 0
        self._segment = bytearray()
        self._starts = []
        for source_id, source in self._described.items():
            self.sources.setdefault(source_id, source)
        if self._pending_summary is not None:
            self.summary = self._pending_summary.summary
        self._verified_t_ns = self._samples_t_ns
        pending, self._pending = self._pending, []
        for index, record in pending:
            self._handed_out = index
            yield record

    def _check_segment(self) -> None:
        if self._segment_records > MAX_SEGMENT_RECORDS or self._segment_bytes > MAX_SEGMENT_BYTES:
            raise self._corrupt(
                f"no sync record within {MAX_SEGMENT_RECORDS} records or {MAX_SEGMENT_BYTES} "
                f"bytes"
            )

    def _ends_inside_record(self) -> None:
        """The bytes ran out inside a record: a cut-off file, unless a whole checkpoint lies
        in what a record of the segment (that one included) claims as its own, which only a
        damaged length can do."""
        data = bytes(self._segment) + bytes(self._raw)
        spans = [*self._spans(), (len(self._segment), len(data))]
        damaged = damaged_length(data, spans, self._last_verified + 1)
        if damaged is not None:
            raise self._corrupt(_DAMAGED_LENGTH, index=damaged)
        self._truncated(f"the file ends inside record {self._index}")

    def _damage_behind(
        self, error: CorruptReplayError, *, not_a_record: bool = False
    ) -> CorruptReplayError:
        """The error naming the first damaged record, for ``error`` found at record
        ``self._index`` (``not_a_record``: that record, read whole, is no record at all, e.g. a
        lone number).

        A damaged length makes the records after it read from the wrong places, so the reader
        notices later than the damage. Two signs point back to it: a checkpoint inside a
        record's bytes (that record's length runs over it), and, for a value that is no
        record, a segment whose CRC fails (the record before it ends in the wrong place). With
        neither, the refused record is the first damaged one (its content is out of bounds, or
        its own bytes are damaged).
        """
        first = self._last_verified + 1
        # An unreadable record's end is unknown: only the records read whole have spans.
        spans = self._spans()
        data = b"".join((self._segment, self._raw, self._read_ahead()))
        damaged = damaged_length(data, spans, first)
        if damaged is not None and damaged <= error.record_index:
            return self._corrupt(_DAMAGED_LENGTH, index=damaged)
        if (
            not_a_record
            and error.record_index == self._index > first
            and bytes_as_written(data) is False
        ):
            return self._corrupt(
                f"its length is damaged: what follows it is no record "
                f"({error.message.partition(CORRUPT_AT.format(self._index))[2]})",
                index=self._index - 1,
            )
        return error

    def _spans(self) -> list[tuple[int, int]]:
        """Where the records of the segment read so far start and end in its bytes."""
        ends = [*self._starts[1:], len(self._segment)] if self._starts else []
        return list(zip(self._starts, ends, strict=True))

    def _read_ahead(self) -> bytes:
        """Up to a segment's worth of the bytes after those read (the checkpoint closing the
        segment lies within them), read once a record has been refused."""
        wanted = MAX_SEGMENT_BYTES + MAX_RECORD_BYTES - len(self._segment) - len(self._raw)
        chunks = []
        while wanted > 0:
            try:
                chunk = self._file.read(min(wanted, READ_CHUNK_BYTES))
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)

    def _truncated(self, why: str) -> None:
        """Record that the file stops early; raise unless truncation is allowed."""
        first, last = self._last_verified + 1, self._index - 1
        reason = why
        if last > first:
            reason += f"; records {first} to {last} follow the last sync point and are left out"
        elif last == first:
            reason += f"; record {first} follows the last sync point and is left out"
        self.status = ReplayStatus(
            "truncated", self._last_verified, self._last_verified + 1, reason
        )
        if not self._allow_truncated:
            raise TruncatedReplayError(
                f"{self.name}: {self.status.describe()}",
                last_good_record=self._last_verified,
                hint="the recording stopped before its end record; records up to the last sync "
                "point are intact",
            )

    def _corrupt(self, why: str, *, index: int | None = None) -> CorruptReplayError:
        at = self._index if index is None else index
        return CorruptReplayError(
            f"{self.name}: {CORRUPT_AT.format(at)}{why}",
            record_index=at,
            hint="records before it are intact; run 'myoplay verify' for details",
        )

    # -- bytes ---------------------------------------------------------------------------------

    def _next_items(self) -> tuple[Any, memoryview] | None:
        """The next record as plain data with its raw bytes, or None at a clean end of file."""
        while True:
            try:
                items = next(self._unpacker)
            except StopIteration:
                if not self._feed():
                    if self._raw_start == self._fed:
                        return None
                    raise _EndOfData from None
                continue
            except (msgpack.UnpackException, ValueError) as error:
                raise self._corrupt(f"not valid msgpack ({_explain(error)})") from None
            end = self._unpacker.tell() - self._raw_start
            raw, self._raw = self._raw[:end], self._raw[end:]
            self._raw_start += end
            return items, raw

    def _feed(self) -> bool:
        try:
            chunk = self._file.read(READ_CHUNK_BYTES)
        except OSError as error:
            raise ReplayError(f"cannot read {self.name}: {error.strerror}") from error
        if not chunk:
            return False
        if self._fed + len(chunk) - self._raw_start > MAX_RECORD_BYTES + READ_CHUNK_BYTES:
            raise self._corrupt(f"the record is larger than {MAX_RECORD_BYTES} bytes")
        try:
            self._unpacker.feed(chunk)
        except msgpack.BufferFull:
            raise self._corrupt(f"the record is larger than {MAX_RECORD_BYTES} bytes") from None
        self._raw = memoryview(b"".join((self._raw, chunk)))
        self._fed += len(chunk)
        if self._on_progress is not None:
            self._on_progress(self._fed)
        return True


def _a_record_tag(tag: object) -> bool:
    """Whether ``tag`` is the tag of a record of the format."""
    return isinstance(tag, str) and (tag in _KNOWN_TAGS or tag in _FORMAT_TAGS)


def _explain(error: Exception) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _size(file: BinaryIO) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = getattr(file, "getbuffer", None)
        return len(size()) if size is not None else None
