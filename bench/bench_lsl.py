"""LSL outlet → inlet latency on loopback, as a session publishes: 20 ms frames of 1 kHz EMG.

An outlet described as a session's raw EMG stream pushes a 20-sample chunk every 20 ms,
stamped with the LSL clock when pushed; an inlet in another thread pulls and notes, for each
chunk, how long after its stamp it arrived (same process, same clock). The target is the
issue's: p99 ≤ 5 ms on loopback. The reference is the same inlet pulling one sample pushed at
a time, liblsl's own best case. Discovery stays on 127.0.0.1 (:mod:`sensors.lsl_loopback`).
"""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np

from bench import Result
from sensors.lsl_loopback import use_loopback

RATE_HZ = 1000.0
FRAME = 20
FRAMES = 250
CHANNELS = 4
TARGET_P99_MS = 5.0


def _latencies_ms(chunk: int) -> list[float]:
    import pylsl

    from actors.lsl_outlet_actor import stream_info
    from actors.lsl_streams import session_streams
    from engine.messages import ChannelInfo, Side, SourceInfo

    station = f"bench-{uuid.uuid4().hex[:8]}"
    source = SourceInfo("bench", "bench", "bench", RATE_HZ,
                        tuple(ChannelInfo(f"ch{i}", "quadriceps", Side.LEFT)
                              for i in range(CHANNELS)))
    spec = session_streams(station, source)[0]
    outlet = pylsl.StreamOutlet(stream_info(spec))
    found = pylsl.resolve_byprop("source_id", spec.source_id, 1, 10.0)
    inlet = pylsl.StreamInlet(found[0])
    inlet.open_stream(10.0)
    outlet.wait_for_consumers(10.0)
    latencies: list[float] = []
    expected = FRAMES * FRAME

    def pull() -> None:
        received = 0
        while received < expected:
            _, stamps = inlet.pull_chunk(timeout=1.0, max_samples=chunk)
            now = pylsl.local_clock()
            if not stamps:
                return
            received += len(stamps)
            latencies.append((now - stamps[-1]) * 1000.0)

    reader = threading.Thread(target=pull, daemon=True)
    reader.start()
    rows = np.zeros((chunk, CHANNELS), dtype=np.float32)
    period_s = chunk / RATE_HZ
    start = time.perf_counter()
    for k in range(expected // chunk):
        delay = start + k * period_s - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        outlet.push_chunk(rows, pylsl.local_clock())
    reader.join(10.0)
    inlet.close_stream()
    del outlet
    return latencies


def run() -> list[Result]:
    use_loopback()
    frames = _latencies_ms(FRAME)
    samples = _latencies_ms(1)
    return [
        Result("lsl outlet→inlet latency p50 (20 ms frames, loopback)",
               float(np.percentile(frames, 50)), "ms",
               float(np.percentile(samples, 50)), "single samples"),
        Result("lsl outlet→inlet latency p99 (20 ms frames, loopback)",
               float(np.percentile(frames, 99)), "ms",
               float(np.percentile(samples, 99)), "single samples", target=TARGET_P99_MS),
    ]
