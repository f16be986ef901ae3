"""Events depend only on samples and their timestamps, never on how the samples were chunked."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calibration import Normalisation
from engine.clock import sample_offset_ns
from engine.messages import ConfigChange, ProcessedBlock, QualityFlag, RuleEvent
from engine.protocol import Protocol, protocol_from_plain
from engine.rules import RulesEngine
from tests.engine.rules.scripted_patient import BRIDGE, chunked

EVERYTHING: dict[str, object] = {
    "id": "everything",
    "name": "Every rule at once",
    "target": {"muscle": "gluteus_maximus", "side": "both", "low_pct": 25.0, "high_pct": 55.0,
               "dwell_s": 0.1},
    "timing": {"ready_s": 0.5, "hold_s": 1.0, "contract_s": 2.0, "rest_s": 0.5, "reps": 3,
               "sets": 2, "set_rest_s": 1.0, "dip_tolerance_s": 0.2},
    "symmetry": {"metric": "lsi", "threshold_pct": 90.0, "window_s": 0.3,
                 "min_duration_s": 0.2},
    "compensation": {"numerator": "hamstrings", "denominator": "gluteus_maximus",
                     "limit": 0.8, "hysteresis": 0.1, "window_s": 0.2, "min_duration_s": 0.3,
                     "cooldown_s": 0.5},
    "quality": {"resume_after_s": 0.3},
    "progression": {"min_peak_pct": 40.0, "min_symmetry_pct": 80.0, "last_reps": 2},
    "adaptive": {"window_reps": 2, "step_pct": 3.0, "hold_step_s": 0.2, "low_min_pct": 15.0,
                 "low_max_pct": 40.0, "hold_max_s": 1.6, "hold_min_s": 0.6},
    "feedback": {"mode": "faded", "fade_stages": [1.0, 0.5, 0.0]},
}
PROTOCOL: Protocol = protocol_from_plain(EVERYTHING, "test")


def session(seed: int, rate_hz: float, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Random steps and ramps of %MVC on four channels, with bursts of bad quality."""
    rng = np.random.default_rng(seed)
    n = round(duration_s * rate_hz)
    knots = rng.uniform(0.0, 70.0, size=(max(2, n // round(rate_hz * 0.4)), 4))
    x = np.linspace(0, len(knots) - 1, n)
    pct = np.stack([np.interp(x, np.arange(len(knots)), knots[:, c]) for c in range(4)], axis=1)
    pct += rng.normal(0.0, 1.5, size=pct.shape)
    quality = np.zeros(pct.shape, np.uint8)
    for _ in range(rng.integers(0, 3)):
        start = int(rng.integers(0, n))
        stop = start + int(rng.integers(1, rate_hz // 2))
        quality[start:stop, rng.integers(0, 4)] |= np.uint8(QualityFlag.LIFT_OFF)
    return pct, quality


def run(
    blocks: list[ProcessedBlock], change: ConfigChange | None = None
) -> tuple[list[RuleEvent], object, object]:
    """Step every block; ``change`` is applied just before the block that reaches its time."""
    engine = RulesEngine(PROTOCOL, BRIDGE, np.random.default_rng(7))
    events = []
    for block in blocks:
        end_ns = block.t_ns + sample_offset_ns(block.n_samples, block.rate_hz)
        if change is not None and end_ns > change.t_ns:
            engine.apply(change)
            change = None
        events += engine.step(block)
    return events, engine.view(), engine.summary().to_plain()


def sizes_from(cuts: list[int], n: int) -> list[int]:
    edges = sorted({0, n, *(c % n for c in cuts)})
    return [b - a for a, b in itertools.pairwise(edges) if b > a]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rate_hz=st.sampled_from([200.0, 512.0, 1000.0, 2000.0]),
    cuts=st.lists(st.integers(0, 10**9), max_size=60),
    gap=st.integers(0, 3000),
    change_s=st.floats(0.0, 13.0),
)
def test_any_chunking_gives_identical_events(
    seed: int, rate_hz: float, cuts: list[int], gap: int, change_s: float
) -> None:
    pct, quality = session(seed, rate_hz, duration_s=14.0)
    n = len(pct)
    half = n // 2
    whole = chunked(pct[:half], [half], rate_hz, quality[:half]) + chunked(
        pct[half:], [n - half], rate_hz, quality[half:], first_index=half + gap
    )
    first = sizes_from(cuts, half)
    second = sizes_from([c * 7 for c in cuts], n - half)
    pieces = chunked(pct[:half], first, rate_hz, quality[:half]) + chunked(
        pct[half:], second, rate_hz, quality[half:], first_index=half + gap
    )
    change = ConfigChange(round(change_s * 1e9), "rules.target_band_pct", [20.0, 50.0])
    events, view, summary = run(whole, change)
    events_chunked, view_chunked, summary_chunked = run(pieces, change)
    assert any(e.data.get("reason") == "config" for e in events  # type: ignore[union-attr]
               if e.kind == "target_adjusted")
    assert [e.to_list() for e in events_chunked] == [e.to_list() for e in events]
    assert view_chunked == view
    assert summary_chunked == summary
    times = [e.t_ns for e in events]
    assert times == sorted(times)


def test_sample_by_sample_equals_one_block() -> None:
    pct, quality = session(3, 200.0, duration_s=14.0)
    events, _, summary = run(chunked(pct, [len(pct)], 200.0, quality))
    events_single, _, summary_single = run(chunked(pct, [1] * len(pct), 200.0, quality))
    assert len(events) > 20
    assert events_single == events
    assert summary_single == summary


def test_normalising_at_the_ticks_equals_normalising_every_sample() -> None:
    pct, quality = session(5, 2000.0, duration_s=14.0)
    raw_uv = pct * 3.0 + 4.0  # some raw envelope, above a 4 µV noise floor
    normalisation = Normalisation(np.full(4, 4.0), np.full(4, 1 / 3.0))
    above, full_pct = normalisation.apply(raw_uv)
    sizes = sizes_from(list(range(0, 10**6, 997)), len(pct))
    normalised = [
        dataclasses.replace(b, envelope_uv=above[b.first_index : b.first_index + b.n_samples],
                            pct_mvc=full_pct[b.first_index : b.first_index + b.n_samples])
        for b in chunked(pct, sizes, 2000.0, quality)
    ]
    raw = [
        dataclasses.replace(b, envelope_uv=raw_uv[b.first_index : b.first_index + b.n_samples],
                            pct_mvc=None)
        for b in chunked(pct, sizes, 2000.0, quality)
    ]
    expected, _, _ = run(normalised)
    engine = RulesEngine(PROTOCOL, BRIDGE, np.random.default_rng(7))
    events = [e for block in raw for e in engine.step(block, normalisation)]
    assert len(expected) > 20
    assert [e.to_list() for e in events] == [e.to_list() for e in expected]
