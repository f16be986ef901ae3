from __future__ import annotations

import io
import itertools
import tracemalloc

import msgpack
import numpy as np
import pytest

from engine import __version__
from engine.errors import (
    CorruptReplayError,
    ReplayError,
    TruncatedReplayError,
    UnsupportedReplayVersionError,
)
from engine.messages import ChannelInfo, FrameTick, SampleFrame, SourceInfo, UserInput
from engine.versions import running_versions
from replays.format import (
    MAX_RECORD_BYTES,
    MAX_SEGMENT_RECORDS,
    SYNC_EVERY_NS,
    SYNC_MARKER,
    pack,
)
from replays.reader import ReplayReader
from replays.verify import verify
from replays.writer import RecordingWriter
from tests.replays.replay_fixtures import (
    EIGHT_CHANNELS,
    LIBRARY_VERSIONS,
    SOURCE,
    craft,
    frame,
    record,
    session,
)


def read_all(data: bytes, **options: object) -> tuple[ReplayReader, list[object]]:
    reader = ReplayReader(io.BytesIO(data), **options)  # type: ignore[arg-type]
    return reader, list(reader)


def raw_records(data: bytes) -> list[list[object]]:
    return list(msgpack.Unpacker(io.BytesIO(data), raw=False))


def test_round_trip_keeps_every_message_in_order():
    written = list(session(120))
    reader, read = read_all(record(written, summary={"holds": 4, "why": "finished"}))
    assert read == written
    assert reader.status is not None
    assert reader.status.state == "complete"
    assert reader.header.seed == 7
    assert reader.header.config == {"mains_hz": 50}
    assert reader.header.version == (1, 1)
    assert reader.header.library_versions == LIBRARY_VERSIONS
    assert reader.summary == {"holds": 4, "why": "finished"}
    assert reader.sources == {"sim": SOURCE}
    assert reader.end is not None
    assert reader.end.samples == {"sim": 119 * 20}
    assert reader.end.counts["frame"] == 119
    assert reader.end.counts["gap"] == 1


def test_frames_keep_the_device_dtype_and_scale():
    reader, read = read_all(record([SOURCE, frame(0)]))
    frames = [r for r in read if isinstance(r, SampleFrame)]
    assert frames[0].data.dtype == np.dtype("<i2")
    assert reader.sources["sim"].scale == SOURCE.scale


def test_same_records_give_the_same_bytes():
    assert record(session(60)) == record(session(60))


def test_numpy_scalars_and_key_order_do_not_change_bytes():
    first = UserInput(5, "activation", {"b": np.float64(0.5), "a": np.int64(2)})
    second = UserInput(5, "activation", {"a": 2, "b": 0.5})
    assert record([first]) == record([second])


def test_header_config_is_canonical():
    one, two = io.BytesIO(), io.BytesIO()
    RecordingWriter(one, config={"b": np.float32(1.5), "a": (1, 2)}, fsync=False).close()
    RecordingWriter(two, config={"a": [1, 2], "b": 1.5}, fsync=False).close()
    assert one.getvalue() == two.getvalue()


def test_the_header_stores_the_running_library_versions_unless_told_others():
    running, told = io.BytesIO(), io.BytesIO()
    RecordingWriter(running, fsync=False).close()
    RecordingWriter(told, library_versions={"numpy": "1.26.4"}, fsync=False).close()
    assert read_all(running.getvalue())[0].header.library_versions == running_versions()
    assert read_all(told.getvalue())[0].header.library_versions == {"numpy": "1.26.4"}


def test_an_older_minor_version_is_written_without_the_newer_fields():
    old = io.BytesIO()
    RecordingWriter(old, seed=3, format_version=(1, 0), fsync=False).close()
    assert raw_records(old.getvalue())[0] == ["myoplay-replay", 1, 0, __version__, 3, {}]
    assert read_all(old.getvalue())[0].header.library_versions == {}
    with pytest.raises(ValueError, match="cannot store library versions"):
        RecordingWriter(io.BytesIO(), format_version=(1, 0), library_versions={"numpy": "2"})
    with pytest.raises(ValueError, match=r"not 1\.9"):
        RecordingWriter(io.BytesIO(), format_version=(1, 9))


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["myoplay-replay", 1, 1, "0.1.0", None, {}], "needs at least 6"),
        (["myoplay-replay", 1, 1, "0.1.0", None, {}, {"numpy": 2}], "map names to text"),
    ],
)
def test_a_header_without_proper_library_versions_is_corrupt(header, words):
    with pytest.raises(CorruptReplayError, match=words):
        ReplayReader(io.BytesIO(pack(header)))


def test_a_sync_follows_at_most_half_a_second_of_samples():
    data = record(session(400))
    syncs = [r for r in raw_records(data) if r[0] == "sync"]
    times = [r[4] for r in syncs]
    assert len(syncs) >= 400 * 20 / 2000 / 0.5
    frame_ns = 20 * 1_000_000_000 // 2000
    assert max(b - a for a, b in itertools.pairwise(times)) <= SYNC_EVERY_NS + frame_ns
    assert all(r[1] == SYNC_MARKER for r in syncs)


def test_sync_every_n_records_without_frames():
    data = record([FrameTick(i, i) for i in range(100)], sync_every_records=10)
    syncs = [r for r in raw_records(data) if r[0] == "sync"]
    assert len(syncs) >= 10


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (frame(0), "undescribed source"),
        (SampleFrame("sim", 0, 0, 0, np.zeros((4, 2), "<f4")), "declares <i2"),
        (SampleFrame("sim", 0, 0, 0, np.zeros((4, 3), "<i2")), "3 channels"),
        (SourceInfo("sim", "Other", "sim", 1000.0, (ChannelInfo("x", "y"),)), "twice"),
        (SourceInfo("s2", "S", "sim", float("inf"), (ChannelInfo("x", "y"),)), "outside"),
        (SourceInfo("s2", "S", "sim", 1e-300, (ChannelInfo("x", "y"),)), "outside"),
    ],
)
def test_writer_refuses_records_a_reader_could_not_replay(bad, words):
    writer = RecordingWriter(io.BytesIO(), fsync=False)
    if "undescribed" not in words:
        writer.write(SOURCE)
    with pytest.raises(ReplayError, match=words):
        writer.write(bad)


def test_writer_refuses_oversized_records_and_other_objects():
    writer = RecordingWriter(io.BytesIO(), sources=[SOURCE], fsync=False)
    big = SampleFrame("sim", 0, 0, 0, np.zeros((MAX_RECORD_BYTES // 4 + 1, 2), "<i2"))
    with pytest.raises(ReplayError, match="smaller blocks"):
        writer.write(big)
    with pytest.raises(ReplayError, match="engine messages"):
        writer.write("frame")  # type: ignore[arg-type]


def test_writer_refuses_to_overwrite_and_to_write_after_close(tmp_path):
    path = tmp_path / "s.myoplay"
    with RecordingWriter(path, sources=[SOURCE]) as writer:
        writer.write(frame(0))
    with pytest.raises(ReplayError, match="already exists"):
        RecordingWriter(path)
    with pytest.raises(ReplayError, match="closed"):
        writer.write(frame(1))
    assert verify(path).state == "complete"


def test_a_failed_session_leaves_a_truncated_file(tmp_path):
    path = tmp_path / "s.myoplay"

    def crashing_session() -> None:
        with RecordingWriter(path, sources=[SOURCE]) as writer:
            writer.write(frame(0))
            raise RuntimeError("session crashed")

    with pytest.raises(RuntimeError):
        crashing_session()
    status = verify(path)
    assert status.state == "truncated"
    reader = ReplayReader(path, allow_truncated=True)
    assert list(reader) == [SOURCE, frame(0)]


def test_every_truncation_reads_a_verified_prefix_up_to_the_last_sync():
    written = list(session(16))
    data = record(written, sync_every_records=6)
    header_bytes = len(pack(raw_records(data)[0]))
    for cut in range(len(data)):
        reader = (
            ReplayReader(io.BytesIO(data[:cut]), allow_truncated=True)
            if cut >= header_bytes else None
        )
        if reader is None:
            status = verify(io.BytesIO(data[:cut]))
            assert status.state == "truncated", cut
            continue
        read = list(reader)
        assert reader.status is not None
        assert reader.status.state == "truncated", cut
        assert read == written[: len(read)], cut
        assert reader.status.record_index == reader.last_verified_record


def test_truncated_file_raises_after_its_verified_records_unless_allowed():
    data = record(session(200))
    reader = ReplayReader(io.BytesIO(data[: len(data) * 2 // 3]))
    seen = []
    with pytest.raises(TruncatedReplayError) as error:
        seen.extend(reader)
    assert seen
    assert error.value.last_good_record == reader.last_verified_record
    assert f"truncated after record {reader.last_verified_record}" in str(error.value)


def test_flipped_bit_is_corrupt_and_names_the_record():
    data = bytearray(record(session(40)))
    data[len(data) // 2] ^= 0x10
    status = verify(io.BytesIO(bytes(data)))
    assert status.state in {"corrupt", "truncated"}
    if status.state == "corrupt":
        assert status.describe().startswith(f"corrupt at record {status.record_index}: ")


def test_crc_mismatch_names_the_first_record_of_the_bad_span():
    data = bytearray(record([SOURCE, *(FrameTick(i, i) for i in range(20))]))
    tick = msgpack.packb(["tick", 7, 7])
    at = bytes(data).index(tick)
    data[at + len(tick) - 1] = 8  # still a valid tick: only the CRC can tell
    status = verify(io.BytesIO(bytes(data)))
    assert status.state == "corrupt"
    assert status.record_index == 2
    assert "CRC32" in status.reason


def test_unsupported_major_version_is_refused_clearly():
    with pytest.raises(UnsupportedReplayVersionError, match=r"format 2\.0; this myoplay reads"):
        ReplayReader(io.BytesIO(craft([], version=(2, 0))))


def test_newer_minor_version_adds_fields_and_record_types_old_readers_skip():
    source = [*SOURCE.to_list(), "a future field"]
    data = craft([source, ["tick", 1, 2, {"future": True}], ["hologram", 1]], version=(1, 9))
    reader, read = read_all(data)
    assert read == [SOURCE, FrameTick(1, 2)]
    assert reader.status is not None
    assert reader.status.state == "complete"


def test_unknown_record_type_in_a_known_version_is_corrupt():
    status = verify(io.BytesIO(craft([SOURCE.to_list(), ["hologram", 1]])))
    assert (status.state, status.record_index) == ("corrupt", 2)
    assert "unknown record type" in status.reason


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (["tick", "soon", 2], "expected"),
        (["tick", True, 2], "bool"),
        (["frame", "sim", 0, 0, 0, None, ["<f4", 4, 2, b"\x00" * 32]], "declares <i2"),
        (["frame", "sim", 0, 0, 0, None, ["<i2", 4, 2, b"\x00" * 3]], "do not hold"),
        (["frame", "nobody", 0, 0, 0, None, ["<i2", 1, 2, b"\x00" * 4]], "undescribed"),
        (["gap", "nobody", 0, 1, 0, 1, "x"], "undescribed"),
        (["source", "s", "n", "k", 100.0, [1, 2], "<i2", 1.0, "uV", "none"], "malformed"),
        (["input", 1, "key", {"a": [[[[]]]]}], None),
    ],
)
def test_wrong_types_with_a_valid_crc_are_corrupt_at_that_record(body, words):
    data = craft([SOURCE.to_list(), body])
    status = verify(io.BytesIO(data))
    if words is None:
        assert status.state == "complete"
        return
    assert (status.state, status.record_index) == ("corrupt", 2), status
    assert words in status.reason


@pytest.mark.parametrize(
    "tail",
    [
        b"\x92\xa4tick\xc6\xff\xff\xff\xff",  # a 4 GiB bin
        b"\x92\xa4tick\xdd\xff\xff\xff\xff",  # a 4-billion-element array
        b"\x92\xa4tick\xdb\x7f\xff\xff\xff",  # a 2 GiB string
        b"\x92\xa4tick\xdf\x00\x10\x00\x00",  # a million-entry map
    ],
)
def test_huge_declared_lengths_fail_fast_naming_the_record(tail):
    data = craft([SOURCE.to_list()], end=False) + tail + b"\x00" * (3 << 20)
    status = verify(io.BytesIO(data))
    assert (status.state, status.record_index) == ("corrupt", 3), status


def test_declared_length_past_the_end_of_file_is_truncation():
    data = craft([SOURCE.to_list()], end=False) + b"\x92\xa4tick\xc6\x00\x0f\x00\x00" + b"x" * 99
    assert verify(io.BytesIO(data)).state == "truncated"


def test_record_larger_than_the_limit_is_corrupt():
    body = msgpack.packb(["input", 0, "k", ["a" * 1000] * 2000])
    data = craft([SOURCE.to_list()], end=False) + body
    status = verify(io.BytesIO(data))
    assert (status.state, status.record_index) == ("corrupt", 3)
    assert "larger than" in status.reason


def test_missing_sync_records_are_corrupt_not_buffered_forever():
    ticks = b"".join(msgpack.packb(["tick", i, i]) for i in range(MAX_SEGMENT_RECORDS + 10))
    data = craft([], end=False) + ticks
    status = verify(io.BytesIO(data))
    assert status.state == "corrupt"
    assert "no sync record" in status.reason


def test_bytes_after_the_end_record_are_corrupt():
    data = record(session(5)) + b"\x00"
    assert verify(io.BytesIO(data)).state == "corrupt"


def test_wrong_end_totals_are_corrupt():
    data = bytearray(craft([SOURCE.to_list()]))
    end = msgpack.packb({"source": 1, "sync": 1})
    data[bytes(data).rindex(end) + len(end) - 1] = 2
    status = verify(io.BytesIO(bytes(data)))
    assert status.state == "corrupt"
    assert "totals" in status.reason


def test_random_bytes_are_not_a_replay():
    status = verify(io.BytesIO(bytes(range(256)) * 4))
    assert (status.state, status.record_index) == ("corrupt", 0)


def test_missing_file_is_a_replay_error(tmp_path):
    with pytest.raises(ReplayError, match="no such file"):
        verify(tmp_path / "absent.myoplay")


def test_a_file_is_read_once():
    reader, _ = read_all(record(session(3)))
    with pytest.raises(ReplayError, match="once"):
        list(reader)


def test_corrupt_segment_yields_nothing_from_it():
    written = list(session(60))
    data = bytearray(record(written, sync_every_records=10))
    data[-200] ^= 0x01
    reader = ReplayReader(io.BytesIO(bytes(data)))
    seen = []
    with pytest.raises((CorruptReplayError, TruncatedReplayError)):
        seen.extend(reader)
    assert seen == written[: len(seen)]


def test_a_summary_that_cannot_be_stored_leaves_the_writer_open():
    buffer = io.BytesIO()
    writer = RecordingWriter(buffer, sources=[SOURCE], fsync=False)
    writer.write(frame(0))
    with pytest.raises(ReplayError, match="summary"):
        writer.close(summary={"when": object()})
    writer.close(summary={"holds": 1})
    reader, read = read_all(buffer.getvalue())
    assert read == [SOURCE, frame(0)]
    assert reader.summary == {"holds": 1}


def test_a_full_disk_is_a_clear_error_and_the_file_stays_readable(tmp_path):
    class FullDisk(io.BytesIO):
        limit = 1 << 30

        def write(self, data):  # type: ignore[override]
            if self.tell() + len(data) > self.limit:
                raise OSError(28, "No space left on device")
            return super().write(data)

    stream = FullDisk()
    writer = RecordingWriter(stream, sources=[SOURCE], fsync=False)
    stream.limit = len(stream.getvalue()) + 3000

    def record_until_full() -> None:
        for seq in range(1000):
            writer.write(frame(seq))

    with pytest.raises(ReplayError, match="No space left"):
        record_until_full()
    with pytest.raises(ReplayError, match="write error"):
        writer.close()
    status = verify(io.BytesIO(stream.getvalue()))
    assert status.state == "truncated"


def test_reading_streams_with_memory_independent_of_file_length(tmp_path):
    path = tmp_path / "long.myoplay"
    with RecordingWriter(path, sources=[EIGHT_CHANNELS], fsync=False) as writer:
        for seq in range(12_000):  # 120 s of 8 channels at 2 kHz, about 4 MB
            writer.write(frame(seq, source=EIGHT_CHANNELS, seed=seq % 4))
    tracemalloc.start()
    try:
        with ReplayReader(path) as reader:
            count = sum(1 for _ in reader)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 12_001
    assert path.stat().st_size > 4_000_000
    assert peak < 2_000_000
