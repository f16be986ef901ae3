"""Write a session recording: a header, the engine's messages, sync points and an end record.

The writer is synchronous and does nothing but encode and write: ``write`` returns as soon as the
record is in the file's buffer, and every sync point (at least every 0.5 s of sample time) is
flushed and fsynced, so a process killed at any moment leaves a file readable up to its last
sync. A recorder actor calls ``write`` for each message the engine consumed, in order, and
``close(summary=...)`` at shutdown.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from engine import __version__
from engine.errors import MessageFormatError, ReplayError
from engine.messages import MESSAGE_TYPES, PlainValue, Record, SampleFrame, SourceInfo
from engine.versions import running_versions
from replays.format import (
    LIBRARY_VERSIONS_SINCE,
    MAX_RECORD_BYTES,
    MAX_SEGMENT_RECORDS,
    SYNC_EVERY_BYTES,
    SYNC_EVERY_NS,
    SYNC_EVERY_RECORDS,
    VERSION_MAJOR,
    VERSION_MINOR,
    End,
    Header,
    Summary,
    Sync,
    check_record,
    pack,
)


class RecordingWriter:
    """Append records to a replay file, with periodic checked sync points.

    ``target`` is a path (created; an existing file is refused unless ``overwrite``) or an open
    binary stream (not closed by the writer). ``fsync=False`` keeps the sync records but skips
    the fsync call, for offline conversions where a crash only means running them again.

    ``library_versions`` are the versions stored in the header (default: this process's, see
    :func:`engine.versions.running_versions`). ``format_version`` writes an older minor version
    of the format, for the golden samples of older versions; format 1.0 stores no library
    versions.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        *,
        seed: int | None = None,
        config: Mapping[str, PlainValue] | None = None,
        sources: Iterable[SourceInfo] = (),
        engine_version: str = __version__,
        library_versions: Mapping[str, str] | None = None,
        format_version: tuple[int, int] = (VERSION_MAJOR, VERSION_MINOR),
        fsync: bool = True,
        overwrite: bool = False,
        sync_every_ns: int = SYNC_EVERY_NS,
        sync_every_records: int = SYNC_EVERY_RECORDS,
    ) -> None:
        if sync_every_ns <= 0 or not 0 < sync_every_records < MAX_SEGMENT_RECORDS:
            raise ValueError(
                f"sync intervals must be positive, and under {MAX_SEGMENT_RECORDS} records "
                f"(a reader refuses longer segments)"
            )
        if format_version[0] != VERSION_MAJOR or not 0 <= format_version[1] <= VERSION_MINOR:
            raise ValueError(
                f"this writer writes format {VERSION_MAJOR}.0 to {VERSION_MAJOR}.{VERSION_MINOR}, "
                f"not {format_version[0]}.{format_version[1]}"
            )
        if library_versions is None:
            stores_versions = format_version >= LIBRARY_VERSIONS_SINCE
            library_versions = running_versions() if stores_versions else {}
        header = Header(engine_version=engine_version, seed=seed, config=config or {},
                        version=format_version, library_versions=library_versions)
        if isinstance(target, str | os.PathLike):
            self.path: Path | None = Path(target)
            try:
                self._file: BinaryIO = open(self.path, "wb" if overwrite else "xb")  # noqa: SIM115
            except FileExistsError:
                raise ReplayError(
                    f"{self.path} already exists", hint="choose another name or remove it first"
                ) from None
            except OSError as error:
                raise ReplayError(f"cannot create {self.path}: {error.strerror}") from error
            self._owns_file = True
        else:
            self.path = None
            self._file = target
            self._owns_file = False
        self._fsync = fsync
        self._sync_every_ns = sync_every_ns
        self._sync_every_records = sync_every_records
        self._sources: dict[str, SourceInfo] = {}
        self._counts: Counter[str] = Counter()
        self._samples: dict[str, int] = {}
        self._index = 0
        self._crc = 0
        self._segment_records = 0
        self._segment_bytes = 0
        self._samples_t_ns = 0
        self._sync_mark_t_ns: int | None = None
        self._closed = False
        self._failed: str | None = None
        self._append(header.to_list(), tag=None)
        for source in sources:
            self.write(source)
        self.sync()

    @property
    def samples_t_ns(self) -> int:
        """Session time just after the last sample written (0 before any frame)."""
        return self._samples_t_ns

    @property
    def closed(self) -> bool:
        return self._closed

    def write(self, record: Record) -> None:
        """Append one engine message; sources must be described before their frames or gaps."""
        if type(record) not in MESSAGE_TYPES.values():
            raise ReplayError(f"a replay stores engine messages, not {type(record).__name__}")
        try:
            check_record(record, self._sources)
        except MessageFormatError as error:
            raise ReplayError(f"cannot record this message: {error}") from error
        if isinstance(record, SourceInfo) and record.source_id in self._sources:
            return
        self._append(record.to_list(), tag=record.TAG)
        if isinstance(record, SourceInfo):
            self._sources[record.source_id] = record
            self._samples[record.source_id] = 0
        elif isinstance(record, SampleFrame):
            rate_hz = self._sources[record.source_id].rate_hz
            self._samples[record.source_id] += record.n_samples
            self._samples_t_ns = max(self._samples_t_ns, record.end_t_ns(rate_hz))
            if self._sync_mark_t_ns is None:
                self._sync_mark_t_ns = record.t_ns
        if self._sync_due():
            self.sync()

    def sync(self) -> None:
        """Write a sync record if anything came since the last one, then flush and fsync."""
        self._check_open()
        if self._segment_records:
            self._append(
                Sync(self._index, self._crc, self._samples_t_ns).to_list(), tag=Sync.TAG
            )
            self._start_segment()
        self._flush()

    def close(self, summary: Mapping[str, PlainValue] | None = None) -> None:
        """Write the optional session summary and the end record, flush, fsync and close.

        A summary that cannot be stored raises before anything is written, so the caller can
        still close without it; after a write error the file is released and the error raised.
        """
        if self._closed:
            return
        if self._failed is not None:
            self._release()
            self._check_open()
        if summary is not None:
            try:
                items = Summary(summary).to_list()
            except MessageFormatError as error:
                raise ReplayError(f"cannot store the session summary: {error}") from error
            self._append(items, tag=Summary.TAG)
        end = End(
            self._index, self._crc, self._samples_t_ns, dict(self._counts), dict(self._samples)
        )
        self._append(end.to_list(), tag=None)
        self._flush()
        self._release()

    def abandon(self) -> None:
        """Flush what was written and close without an end record (the file reads as truncated).

        For a session that failed: the file then says honestly that it did not end normally.
        """
        if self._closed:
            return
        try:
            if self._failed is None:
                self.sync()
        finally:
            self._release()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()

    def _sync_due(self) -> bool:
        return (
            self._segment_records >= self._sync_every_records
            or self._segment_bytes >= SYNC_EVERY_BYTES
            or (
                self._sync_mark_t_ns is not None
                and self._samples_t_ns - self._sync_mark_t_ns >= self._sync_every_ns
            )
        )

    def _start_segment(self) -> None:
        self._crc = 0
        self._segment_records = 0
        self._segment_bytes = 0
        if self._sync_mark_t_ns is not None:
            self._sync_mark_t_ns = self._samples_t_ns

    def _append(self, items: list[PlainValue], *, tag: str | None) -> None:
        self._check_open()
        try:
            data = pack(items)
        except MessageFormatError as error:
            raise ReplayError(str(error)) from error
        if len(data) > MAX_RECORD_BYTES:
            raise ReplayError(
                f"a {items[0]!r} record of {len(data)} bytes is larger than the format's "
                f"{MAX_RECORD_BYTES} bytes",
                hint="send sample frames in smaller blocks",
            )
        try:
            self._file.write(data)
        except OSError as error:
            self._fail(error)
        self._index += 1
        if tag is not None:
            self._counts[tag] += 1
        self._crc = zlib.crc32(data, self._crc)
        self._segment_records += 1
        self._segment_bytes += len(data)

    def _flush(self) -> None:
        try:
            self._file.flush()
            if self._fsync:
                os.fsync(self._file.fileno())
        except OSError as error:
            self._fail(error)

    def _fail(self, error: OSError) -> None:
        self._failed = error.strerror or str(error)
        raise ReplayError(
            f"cannot write the recording{f' {self.path}' if self.path else ''}: {self._failed}",
            hint="check free disk space and permissions; the file is readable up to its last sync",
        ) from error

    def _check_open(self) -> None:
        if self._failed is not None:
            raise ReplayError(f"the recording stopped after a write error: {self._failed}")
        if self._closed:
            raise ReplayError("the recording is already closed")

    def _release(self) -> None:
        self._closed = True
        if self._owns_file:
            try:
                self._file.close()
            except OSError as error:
                raise ReplayError(f"cannot close the recording: {error.strerror}") from error
