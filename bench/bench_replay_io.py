"""Replay file I/O for an 8-channel 2 kHz int16 device: write and read speed, and the memory a
one-hour recording needs to read (target: within 200 MB, measured with tracemalloc).

Writing uses the live settings (10 ms frames, a flushed and fsynced sync point every 0.5 s of
samples), and once without the fsync calls to show the encoding cost alone; reading checks every
CRC and rebuilds every record.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench import Result
from engine.clock import sample_offset_ns
from engine.messages import ChannelInfo, SampleFrame, SourceInfo
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

RATE_HZ = 2000.0
SOURCE = SourceInfo(
    source_id="emg",
    name="bench band",
    kind="sim",
    rate_hz=RATE_HZ,
    channels=tuple(ChannelInfo(f"ch{i}", "forearm") for i in range(8)),
    dtype="<i2",
    scale=0.5,
)
SPEED_S = 120.0
HOUR_S = 3600.0


def _frames(duration_s: float, frame_samples: int) -> Iterator[SampleFrame]:
    rng = np.random.default_rng(1)
    blocks = [rng.integers(-3000, 3000, size=(frame_samples, 8)).astype("<i2") for _ in range(16)]
    for seq in range(round(duration_s * RATE_HZ / frame_samples)):
        first = seq * frame_samples
        yield SampleFrame("emg", seq, first, sample_offset_ns(first, RATE_HZ), blocks[seq % 16])


def _write(path: Path, duration_s: float, frame_samples: int, *, fsync: bool = True) -> float:
    """Write a recording; return the wall time spent in the writer (s)."""
    frames = list(_frames(duration_s, frame_samples))
    start = time.perf_counter()
    with RecordingWriter(path, seed=1, sources=[SOURCE], fsync=fsync, overwrite=True) as writer:
        for frame in frames:
            writer.write(frame)
    return time.perf_counter() - start


def _read(path: Path) -> tuple[float, int]:
    """Read every record; return the time taken (s) and the samples read."""
    start = time.perf_counter()
    samples = 0
    with ReplayReader(path) as reader:
        for record in reader:
            if isinstance(record, SampleFrame):
                samples += record.n_samples
    return time.perf_counter() - start, samples


def _read_peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        _read(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        speed_file = Path(tmp) / "speed.myoplay"
        encode_s = _write(speed_file, SPEED_S, 20, fsync=False)
        write_s = _write(speed_file, SPEED_S, 20)
        read_s, samples = _read(speed_file)
        assert samples == SPEED_S * RATE_HZ
        size_mb = speed_file.stat().st_size / 1e6
        speed_file.unlink()
        hour_file = Path(tmp) / "hour.myoplay"
        _write(hour_file, HOUR_S, 40)
        hour_mb = hour_file.stat().st_size / 1e6
        peak_mb = _read_peak_bytes(hour_file) / 1e6
    return [
        Result("replay write, 8 ch × 2 kHz int16, 10 ms frames", SPEED_S / write_s,
               "× real time"),
        Result("replay write throughput", size_mb / write_s, "MB/s"),
        Result("replay write without fsync (encoding cost)", SPEED_S / encode_s, "× real time"),
        Result("replay read (CRC-checked), 8 ch × 2 kHz", SPEED_S / read_s, "× real time"),
        Result("replay read throughput", size_mb / read_s, "MB/s"),
        Result("one-hour 8 ch × 2 kHz recording size", hour_mb, "MB"),
        Result("peak memory reading a one-hour recording", peak_mb, "MB", target=200.0),
    ]
