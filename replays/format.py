"""The replay file format: constants, the format's own records, and canonical packing.

A replay file is a plain concatenation of msgpack arrays, tag first (docs/replay-format.md is the
specification). This module holds what both the writer and the reader must agree on: the format
name and version, the limits that keep a reader's memory bounded, the header / sync / summary /
end records (the engine's messages live in :mod:`engine.messages`), and the one packer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgpack

from engine.errors import MessageFormatError
from engine.messages import Gap, PlainValue, Record, SampleFrame, SourceInfo, canonical
from replays.record_bounds import check_source_bounds

#: First element of the first record: identifies the file (and acts as its magic bytes).
FORMAT_NAME = "myoplay-replay"
#: Format version this code writes. A reader accepts any minor version of its own major.
VERSION_MAJOR = 1
VERSION_MINOR = 1
#: The first version whose header stores the library versions (its field 6).
LIBRARY_VERSIONS_SINCE = (1, 1)

#: Conventional file name suffix.
SUFFIX = ".myoplay"

#: 8-byte marker inside every sync record, so a recovery tool can find sync points by scanning.
SYNC_MARKER = b"\x89MYOSYNC"

#: Largest packed record a file may hold (bytes). A frame above it must be split by its producer.
MAX_RECORD_BYTES = 1 << 20
#: Largest span between two sync records (bytes, excluding the sync itself) a reader accepts.
MAX_SEGMENT_BYTES = 2 << 20
#: Most records between two sync records a reader accepts.
MAX_SEGMENT_RECORDS = 4096
#: Longest array or map inside a record a reader accepts.
MAX_CONTAINER_LEN = 1 << 16

#: How many bytes the reader feeds the unpacker at a time.
READ_CHUNK_BYTES = 64 << 10

#: Writer policy: sync after this much sample time (ns), records or bytes since the last sync.
#: Together with the limits above, a killed writer loses at most about 0.5 s of samples.
SYNC_EVERY_NS = 500_000_000
SYNC_EVERY_RECORDS = 1024
SYNC_EVERY_BYTES = 512 << 10

SYNC_TAG = "sync"
SUMMARY_TAG = "summary"
END_TAG = "end"


def pack(items: Sequence[PlainValue]) -> bytes:
    """Pack one record canonically: bin type for bytes, float64 floats, no implicit conversions.

    ``strict_types`` makes numpy scalars, tuples or enum members an error here instead of bytes
    that would depend on how the caller built the value.
    """
    try:
        data: bytes = msgpack.packb(
            list(items), use_bin_type=True, strict_types=True, datetime=False
        )
    except (TypeError, ValueError, OverflowError) as error:
        raise MessageFormatError(
            f"cannot store record {items[0] if items else '?'!r}: {error}"
        ) from error
    return data


def new_unpacker() -> msgpack.Unpacker:
    """A streaming unpacker whose memory is bounded whatever the input declares."""
    return msgpack.Unpacker(
        raw=False,
        use_list=True,
        strict_map_key=True,
        max_buffer_size=MAX_RECORD_BYTES + READ_CHUNK_BYTES,
        max_bin_len=MAX_RECORD_BYTES,
        max_str_len=MAX_RECORD_BYTES,
        max_array_len=MAX_CONTAINER_LEN,
        max_map_len=MAX_CONTAINER_LEN,
        max_ext_len=0,
        ext_hook=_refuse_ext,
        timestamp=0,
    )


def _refuse_ext(code: int, data: bytes) -> object:
    raise ValueError(f"msgpack extension type {code} is not part of the replay format")


def _fields(items: Sequence[Any], tag: str, types: Sequence[type | tuple[type, ...]]) -> None:
    """Check ``items`` is ``[tag, *fields, *newer_fields]`` with these types (bool is no int)."""
    if len(items) < len(types) + 1:
        raise MessageFormatError(
            f"{tag!r} record has {len(items) - 1} fields, needs at least {len(types)}"
        )
    for index, (value, expected) in enumerate(zip(items[1:], types, strict=False), start=1):
        if isinstance(value, bool) and bool not in _as_tuple(expected):
            raise MessageFormatError(f"{tag!r} record field {index}: expected a number, got bool")
        if not isinstance(value, expected):
            raise MessageFormatError(
                f"{tag!r} record field {index}: expected {_names(expected)}, "
                f"got {type(value).__name__}"
            )


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _names(expected: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(expected))


def _versions(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise MessageFormatError("the header's library versions must map names to text")
    return dict(value)


def _counts(value: object, what: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()
    ):
        raise MessageFormatError(f"{what} must map names to non-negative counts")
    return dict(value)


def _plain_map(value: object) -> dict[str, PlainValue]:
    """A mapping field (already checked to be a dict) as canonical plain data."""
    plain = canonical(value)
    if not isinstance(plain, dict):
        raise MessageFormatError(f"expected a mapping, got {type(value).__name__}")
    return plain


@dataclass(frozen=True, slots=True)
class Header:
    """Record 0: what wrote the file and with which settings.

    ``seed`` is the session's random seed (None when nothing random ran); ``config`` the session
    configuration the engine started with, as plain data; ``library_versions`` the versions of
    the libraries that computed the recorded outputs (see :mod:`engine.versions`), stored from
    format 1.1 on and empty in older files.
    """

    engine_version: str
    seed: int | None = None
    config: Mapping[str, PlainValue] = field(default_factory=dict)
    version: tuple[int, int] = (VERSION_MAJOR, VERSION_MINOR)
    library_versions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.library_versions and self.version < LIBRARY_VERSIONS_SINCE:
            raise ValueError(
                f"a format {self.version[0]}.{self.version[1]} header cannot store library "
                f"versions"
            )

    def to_list(self) -> list[PlainValue]:
        items: list[PlainValue] = [
            FORMAT_NAME,
            self.version[0],
            self.version[1],
            self.engine_version,
            self.seed,
            canonical(self.config),
        ]
        if self.version >= LIBRARY_VERSIONS_SINCE:
            items.append(canonical(self.library_versions))
        return items

    @classmethod
    def from_list(cls, items: object) -> Header:
        """Parse record 0; a wrong major version raises :class:`UnsupportedVersion`."""
        if not (isinstance(items, list) and items and items[0] == FORMAT_NAME):
            raise MessageFormatError(f"not a myoplay replay file (it does not start with a "
                                     f"{FORMAT_NAME!r} header)")
        _fields(items, FORMAT_NAME, [int, int])
        major, minor = items[1], items[2]
        if major != VERSION_MAJOR or minor < 0:
            raise UnsupportedVersion(major, minor)
        fields: list[type | tuple[type, ...]] = [int, int, str, (int, type(None)), dict]
        stores_versions = (major, minor) >= LIBRARY_VERSIONS_SINCE
        _fields(items, FORMAT_NAME, [*fields, dict] if stores_versions else fields)
        return cls(
            engine_version=items[3],
            seed=items[4],
            config=_plain_map(items[5]),
            version=(major, minor),
            library_versions=_versions(items[6]) if stores_versions else {},
        )


class UnsupportedVersion(MessageFormatError):
    """The header names a format major version this code cannot read."""

    def __init__(self, major: int, minor: int) -> None:
        super().__init__(f"replay format version {major}.{minor}")
        self.major = major
        self.minor = minor


@dataclass(frozen=True, slots=True)
class Sync:
    """A checkpoint: everything before it is on disk and checked by ``crc32``.

    ``record_count`` is this record's own index (the number of records before it); ``crc32``
    covers the bytes after the previous sync record (or from the file's start) up to this one;
    ``samples_t_ns`` is the session time just after the last sample written so far.
    """

    TAG: ClassVar[str] = SYNC_TAG
    record_count: int
    crc32: int
    samples_t_ns: int

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, SYNC_MARKER, self.record_count, self.crc32, self.samples_t_ns]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> Sync:
        _fields(items, cls.TAG, [bytes, int, int, int])
        if items[1] != SYNC_MARKER:
            raise MessageFormatError("sync record has a wrong marker")
        return cls(items[2], items[3], items[4])


@dataclass(frozen=True, slots=True)
class Summary:
    """What the session itself reported at shutdown (exercise results, why it stopped).

    Written just before the end record, so the end record's CRC covers it.
    """

    TAG: ClassVar[str] = SUMMARY_TAG
    summary: Mapping[str, PlainValue]

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, canonical(self.summary)]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> Summary:
        _fields(items, cls.TAG, [dict])
        return cls(_plain_map(items[1]))


@dataclass(frozen=True, slots=True)
class End:
    """The last record of a complete file: totals a reader checks against what it read.

    ``counts`` is the number of records per tag between the header and this record (syncs and
    the summary included); ``samples`` the number of samples per source.
    """

    TAG: ClassVar[str] = END_TAG
    record_count: int
    crc32: int
    samples_t_ns: int
    counts: Mapping[str, int]
    samples: Mapping[str, int]

    def to_list(self) -> list[PlainValue]:
        return [
            self.TAG,
            self.record_count,
            self.crc32,
            self.samples_t_ns,
            canonical(self.counts),
            canonical(self.samples),
        ]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> End:
        _fields(items, cls.TAG, [int, int, int, dict, dict])
        return cls(
            items[1],
            items[2],
            items[3],
            _counts(items[4], "end record counts"),
            _counts(items[5], "end record samples"),
        )


def check_source(source: SourceInfo) -> None:
    """Refuse a source description the format cannot replay faithfully (its bounds live in
    :mod:`replays.record_bounds`, where the reader checks every record's)."""
    check_source_bounds(source)


def check_frame(frame: SampleFrame, sources: Mapping[str, SourceInfo]) -> SourceInfo:
    """Check a frame against its source's description (which must come first); return the source."""
    source = sources.get(frame.source_id)
    if source is None:
        raise MessageFormatError(f"frame of undescribed source {frame.source_id!r}")
    dtype = frame.data.dtype.str
    if dtype != source.dtype and (dtype := frame.data.dtype.newbyteorder("<").str) != source.dtype:
        raise MessageFormatError(
            f"frame {frame.seq} of {frame.source_id!r} holds {dtype} samples, "
            f"the source declares {source.dtype}"
        )
    if frame.data.shape[1] != source.n_channels:
        raise MessageFormatError(
            f"frame {frame.seq} of {frame.source_id!r} has {frame.data.shape[1]} channels, "
            f"the source declares {source.n_channels}"
        )
    if frame.first_index < 0:
        raise MessageFormatError(f"frame {frame.seq} of {frame.source_id!r}: negative index")
    return source


def check_record(record: Record, sources: Mapping[str, SourceInfo]) -> None:
    """Check a message against the sources described so far (the writer's and reader's rule)."""
    if isinstance(record, SampleFrame):  # nearly every record, so asked first
        check_frame(record, sources)
    elif isinstance(record, SourceInfo):
        check_source(record)
        known = sources.get(record.source_id)
        if known is not None and known != record:
            raise MessageFormatError(
                f"source {record.source_id!r} is described twice, differently"
            )
    elif isinstance(record, Gap) and record.source_id not in sources:
        raise MessageFormatError(f"gap of undescribed source {record.source_id!r}")
