"""A scripted patient at the envelope level: builds ProcessedBlocks for rules tests.

The patient reacts to the exercise view (closed loop, like a person following the cues) with a
per-channel desired %MVC; the envelope follows it through a first-order lag (time constant
``lag_s``), so the levels ramp like a real linear envelope. Everything is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy import signal

from engine.clock import sample_offset_ns
from engine.messages import ChannelInfo, ProcessedBlock, RuleEvent, Side
from engine.rules import RulesEngine
from engine.view import ExerciseView

LEGS = (
    ChannelInfo("quad-L", "quadriceps", Side.LEFT),
    ChannelInfo("quad-R", "quadriceps", Side.RIGHT),
    ChannelInfo("ham-L", "hamstrings", Side.LEFT),
    ChannelInfo("ham-R", "hamstrings", Side.RIGHT),
)
BRIDGE = (
    ChannelInfo("glute-L", "gluteus maximus", Side.LEFT),
    ChannelInfo("glute-R", "Gluteus-Maximus", Side.RIGHT),
    ChannelInfo("ham-L", "hamstrings", Side.LEFT),
    ChannelInfo("ham-R", "hamstrings", Side.RIGHT),
)
UV_PER_PCT = 5.0
"""Envelope µV per %MVC in these scripts (an MVC envelope of 500 µV)."""

Intent = Callable[[ExerciseView, float], Sequence[float]]
"""What the patient wants each channel at, in %MVC, given the view and the time in s."""
QualityScript = Callable[[float], Sequence[int]]


def make_block(
    pct: np.ndarray,
    first_index: int,
    rate_hz: float,
    quality: np.ndarray | None = None,
    calibrated: bool = True,
) -> ProcessedBlock:
    """A processed block of the given %MVC rows, timed from sample 0 at t = 0."""
    return ProcessedBlock(
        source_id="scripted",
        first_index=first_index,
        t_ns=sample_offset_ns(first_index, rate_hz),
        rate_hz=rate_hz,
        envelope_uv=pct * UV_PER_PCT,
        pct_mvc=pct if calibrated else None,
        quality=np.zeros(pct.shape, np.uint8) if quality is None else quality,
    )


def chunked(
    pct: np.ndarray,
    sizes: Iterable[int],
    rate_hz: float,
    quality: np.ndarray | None = None,
    first_index: int = 0,
) -> list[ProcessedBlock]:
    """Split whole-session arrays into consecutive blocks of the given sizes."""
    blocks = []
    start = 0
    for size in sizes:
        stop = min(start + size, len(pct))
        q = None if quality is None else quality[start:stop]
        blocks.append(make_block(pct[start:stop], first_index + start, rate_hz, q))
        start = stop
        if start >= len(pct):
            break
    if start < len(pct):
        q = None if quality is None else quality[start:]
        blocks.append(make_block(pct[start:], first_index + start, rate_hz, q))
    return blocks


def run_patient(
    engine: RulesEngine,
    intent: Intent,
    duration_s: float,
    *,
    rate_hz: float = 1000.0,
    block_s: float = 0.05,
    lag_s: float = 0.15,
    quality: QualityScript | None = None,
) -> list[RuleEvent]:
    """Run a closed-loop session and return every event."""
    n_channels = len(engine.channels)
    block = round(block_s * rate_hz)
    alpha = 1.0 - np.exp(-1.0 / (lag_s * rate_hz))
    b, a = [alpha], [1.0, alpha - 1.0]
    state = np.zeros((1, n_channels))
    events: list[RuleEvent] = []
    index = 0
    while index < duration_s * rate_hz:
        t_s = index / rate_hz
        wanted = np.asarray(intent(engine.view(), t_s), dtype=np.float64)
        drive = np.broadcast_to(wanted, (block, n_channels))
        pct, state = signal.lfilter(b, a, drive, axis=0, zi=state)
        q = None
        if quality is not None:
            q = np.broadcast_to(np.asarray(quality(t_s), np.uint8), (block, n_channels)).copy()
        events.extend(engine.step(make_block(pct, index, rate_hz, q)))
        index += block
    return events


def kinds(events: Iterable[RuleEvent]) -> list[str]:
    return [e.kind for e in events]


def follows_cues(level_pct: float, rest_pct: float = 2.0) -> Intent:
    """A compliant patient: ``level_pct`` on every channel while asked to contract."""

    def intent(view: ExerciseView, t_s: float) -> Sequence[float]:
        wanted = level_pct if view.phase == "contract" else rest_pct
        return [wanted] * 4

    return intent
