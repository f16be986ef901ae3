"""Streaming pipeline cost: 8 channels × 2 kHz in 10, 20 and 50 ms chunks, per second of signal.

Beside each figure: scipy's one-shot causal filtering of the same data (band-pass + notches,
rectification, envelope low-pass, one ``sosfilt`` call each over the whole array), the floor
no streaming implementation can beat. CPU time is ``time.process_time``; each figure is the
best of several repeats (the machine is shared).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import signal

from bench import Result
from engine.dsp import Pipeline, PipelineConfig
from engine.messages import ChannelInfo, SampleFrame, SourceInfo

RATE_HZ = 2000.0
CHANNELS = 8
SECONDS = 20
REPEATS = 5


def _data() -> np.ndarray:
    rng = np.random.default_rng(0)
    n = int(RATE_HZ * SECONDS)
    t = np.arange(n)[:, None] / RATE_HZ
    emg = rng.standard_normal((n, CHANNELS)) * (20 + 200 * (np.sin(2 * np.pi * 0.2 * t) > 0))
    return (emg + 500 + 30 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def _info() -> SourceInfo:
    return SourceInfo(
        "bench", "bench", "bench", RATE_HZ,
        tuple(ChannelInfo(f"ch{i}", "quadriceps") for i in range(CHANNELS)),
    )


def _floor_ms_per_s(data: np.ndarray, pipeline: Pipeline) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.process_time()
        x = data.astype(np.float64)
        band = signal.sosfilt(pipeline.band_sos, x, axis=0)
        signal.sosfilt(pipeline.envelope_sos, np.abs(band), axis=0)
        best = min(best, time.process_time() - start)
    return best * 1000 / SECONDS


def _streamed_ms_per_s(data: np.ndarray, chunk_s: float) -> float:
    chunk = round(chunk_s * RATE_HZ)
    frames = [
        SampleFrame("bench", k, i, 0, data[i : i + chunk])
        for k, i in enumerate(range(0, data.shape[0], chunk))
    ]
    best = float("inf")
    for _ in range(REPEATS):
        pipeline = Pipeline(PipelineConfig.for_source(_info()))
        start = time.process_time()
        for frame in frames:
            pipeline.process(frame)
        best = min(best, time.process_time() - start)
    return best * 1000 / SECONDS


def run() -> list[Result]:
    data = _data()
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    floor = _floor_ms_per_s(data, pipeline)
    targets = {10: None, 20: 2.0, 50: 4 * floor}
    results = [
        Result(
            f"pipeline 8ch×2kHz, {ms} ms chunks",
            _streamed_ms_per_s(data, ms / 1000),
            "ms CPU/s",
            reference=floor,
            reference_name="scipy one-shot",
            target=target,
        )
        for ms, target in targets.items()
    ]
    results.append(Result("pipeline group delay", pipeline.group_delay_s * 1000, "ms", target=50.0))
    return results
