"""Sessions to record and hand-made files for the replay tests (deterministic, in memory)."""

from __future__ import annotations

import io
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from engine.messages import (
    ChannelInfo,
    ConfigChange,
    ErrorReport,
    FrameTick,
    Gap,
    Record,
    RuleEvent,
    SampleFrame,
    Side,
    SourceInfo,
    UserInput,
)
from engine.offline import is_input, is_output
from replays.format import FORMAT_NAME, LIBRARY_VERSIONS_SINCE, SYNC_MARKER, pack
from replays.writer import RecordingWriter

RATE_HZ = 2000.0
FRAME_SAMPLES = 20

SOURCE = SourceInfo(
    source_id="sim",
    name="Virtual patient",
    kind="sim",
    rate_hz=RATE_HZ,
    channels=(
        ChannelInfo("L-quad", "quadriceps", Side.LEFT),
        ChannelInfo("R-quad", "quadriceps", Side.RIGHT),
    ),
    dtype="<i2",
    scale=0.195,
    device_clock="counter",
)


def frame(seq: int, *, source: SourceInfo = SOURCE, samples: int = FRAME_SAMPLES,
          seed: int = 0) -> SampleFrame:
    """Frame ``seq`` of a steady stream: deterministic noise in the source's raw type."""
    rng = np.random.default_rng([seed, seq])
    first = seq * samples
    data = rng.integers(-2000, 2000, size=(samples, source.n_channels)).astype(source.dtype)
    t_ns = round(first * 1e9 / source.rate_hz)
    return SampleFrame(source.source_id, seq, first, t_ns, data, device_t_ns=t_ns + 7)


def session(n_frames: int, *, seed: int = 0) -> Iterator[Record]:
    """A session touching every message type: frames with a gap, inputs, config, ticks, events."""
    yield SOURCE
    yield ConfigChange(0, "protocol", {"name": "quad sets", "band_pct_mvc": [20.0, 40.0]})
    yield ConfigChange(0, "calibration", {"mvc_uv": {"L-quad": 410.5, "R-quad": 388.0}})
    for seq in range(n_frames):
        if seq == n_frames // 2 and seq > 0:
            lost = frame(seq, seed=seed)
            yield Gap("sim", lost.first_index, FRAME_SAMPLES, lost.t_ns, 10_000_000, "radio")
            continue
        current = frame(seq, seed=seed)
        yield current
        if seq % 5 == 0:
            yield FrameTick(current.t_ns, seq // 5)
        if seq % 17 == 3:
            yield UserInput(current.t_ns, "key", {"key": "space"})
        if seq % 23 == 11:
            yield RuleEvent(current.t_ns, "hold_started", "L-quad", {"pct_mvc": 31.5})
    yield ErrorReport(round(n_frames * FRAME_SAMPLES * 1e9 / RATE_HZ), "render", "slow frame")


#: The library versions the files written here store: fixed, so their bytes are the same on
#: every machine.
LIBRARY_VERSIONS = {"python": "3.11.7", "numpy": "2.4.6", "scipy": "1.17.1"}


def record(records: Sequence[Record] | Iterator[Record], *, summary: dict[str, Any] | None = None,
           **options: Any) -> bytes:
    """The bytes a writer produces for ``records`` (closed with ``summary``)."""
    buffer = io.BytesIO()
    options = {"library_versions": LIBRARY_VERSIONS, **options}
    writer = RecordingWriter(buffer, seed=7, config={"mains_hz": 50}, fsync=False, **options)
    for item in records:
        writer.write(item)
    writer.close(summary=summary if summary is not None else {"holds": 3})
    return buffer.getvalue()


def craft(bodies: Sequence[list[Any]], *, version: tuple[int, int] = (1, 0),
          end: bool = True, samples_t_ns: int = 0) -> bytes:
    """A file with arbitrary record bodies and correct syncs: tests the checks beyond the CRC.

    Writes the header (with no library versions from format 1.1 on), each body, one sync, then
    an end record whose counts match.
    """
    out = bytearray()
    crc = 0
    counts: Counter[str] = Counter()
    samples: dict[str, int] = {}
    header = [FORMAT_NAME, version[0], version[1], "test", None, {}]
    if version >= LIBRARY_VERSIONS_SINCE:
        header.append({})
    parts = [header, *bodies]
    for index, body in enumerate(parts):
        data = pack(body)
        out += data
        crc = zlib.crc32(data, crc)
        if index:
            counts[str(body[0])] += 1
        if body[0] == "source":
            samples[body[1]] = 0
        if body[0] == "frame":
            samples[body[1]] = samples.get(body[1], 0) + body[6][1]
    out += pack(["sync", SYNC_MARKER, len(parts), crc, samples_t_ns])
    counts["sync"] += 1
    if end:
        out += pack(["end", len(parts) + 1, 0, samples_t_ns, dict(counts), samples])
    return bytes(out)


#: An 8-channel, 2 kHz device with 16-bit samples: the size the acceptance figures are about.
EIGHT_CHANNELS = SourceInfo(
    source_id="emg",
    name="Eight-channel band",
    kind="sim",
    rate_hz=RATE_HZ,
    channels=tuple(ChannelInfo(f"ch{i}", "forearm") for i in range(8)),
    dtype="<i2",
    scale=0.5,
)


def split_recording(records: Iterable[Record]) -> tuple[
    SourceInfo, list[SampleFrame | Gap], list[UserInput | ConfigChange], list[Record]
]:
    """Sort a short recording's records into (source, samples, inputs, recorded outputs)."""
    source: SourceInfo | None = None
    samples: list[SampleFrame | Gap] = []
    inputs: list[UserInput | ConfigChange] = []
    outputs: list[Record] = []
    for record in records:
        if isinstance(record, SourceInfo):
            assert source is None or record.source_id == source.source_id, "one source only"
            source = record
        elif isinstance(record, SampleFrame | Gap):
            samples.append(record)
        elif is_output(record):
            outputs.append(record)
        elif is_input(record):
            assert isinstance(record, UserInput | ConfigChange)
            inputs.append(record)
    assert source is not None, "the recording describes no source"
    return source, samples, inputs, outputs
