"""Rules engine cost: CPU time per second of 8-channel 2 kHz input (target ≤ 1 ms).

Runs the glute-bridge protocol (zones, holds, symmetry and compensation all active) over a
scripted 120 s session of smooth %MVC envelopes, fed in 20 ms and 50 ms blocks.
"""

from __future__ import annotations

import time

import numpy as np

from bench import Result
from engine.clock import sample_offset_ns
from engine.messages import ChannelInfo, ProcessedBlock, Side
from engine.protocol import builtin_protocol
from engine.rules import RulesEngine

RATE_HZ = 2000.0
DURATION_S = 120.0
CHANNELS = tuple(
    ChannelInfo(f"{muscle}-{side.value}", muscle, side)
    for muscle in ("gluteus_maximus", "hamstrings", "quadriceps", "erector_spinae")
    for side in (Side.LEFT, Side.RIGHT)
)


def _session() -> tuple[np.ndarray, np.ndarray]:
    """Envelopes that cycle through 5 s holds and rests, hamstrings sometimes taking over."""
    t = np.arange(round(DURATION_S * RATE_HZ)) / RATE_HZ
    hold = (np.sin(2 * np.pi * t / 14.0) > -0.2).astype(np.float64)
    level = 2.0 + 50.0 * hold * (1 + 0.05 * np.sin(2 * np.pi * 1.3 * t))
    pct = np.repeat(level[:, None], len(CHANNELS), axis=1)
    pct[:, 2:4] *= 0.4 + 0.8 * (np.sin(2 * np.pi * t / 37.0) > 0.5)[:, None]
    quality = np.zeros(pct.shape, np.uint8)
    return pct, quality


def _cpu_ms_per_s(block_s: float, pct: np.ndarray, quality: np.ndarray) -> float:
    size = round(block_s * RATE_HZ)
    blocks = [
        ProcessedBlock("bench", start, sample_offset_ns(start, RATE_HZ), RATE_HZ,
                       pct[start:start + size] * 5.0, pct[start:start + size],
                       quality[start:start + size])
        for start in range(0, len(pct), size)
    ]
    best = float("inf")
    for _ in range(3):
        engine = RulesEngine(builtin_protocol("glute_bridge"), CHANNELS)
        start = time.process_time()
        for block in blocks:
            engine.step(block)
        best = min(best, time.process_time() - start)
    return best / DURATION_S * 1000.0


def run() -> list[Result]:
    pct, quality = _session()
    return [
        Result(
            name=f"rules engine, 8 ch x 2 kHz, {round(block_s * 1000)} ms blocks",
            value=_cpu_ms_per_s(block_s, pct, quality),
            unit="ms CPU per s of input",
            target=1.0,
        )
        for block_s in (0.02, 0.05)
    ]
