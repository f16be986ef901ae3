"""Gaps cost no memory and no time in proportion to their length, and judge as before.

A gap becomes a held block (one row broadcast over the missing samples). The rules, the
training core and calibration take it whole; these tests compare that with the same block
materialised sample by sample (the path every gap took before), bit for bit, and bound the
cost of gaps of billions of samples.
"""

from __future__ import annotations

import dataclasses
import time
import tracemalloc

import msgpack
import numpy as np
import pytest

from engine.calibration import Calibration, OverMvcMonitor
from engine.calibration_procedure import CalibrationProtocol
from engine.clock import sample_times_ns
from engine.dsp import PipelineConfig
from engine.held_blocks import first_sample_at_or_after, is_held
from engine.messages import (
    ConfigChange,
    Gap,
    ProcessedBlock,
    QualityFlag,
    SampleFrame,
    Side,
    UserInput,
)
from engine.offline import OfflineEngine, rechunk
from engine.protocol import builtin_protocol
from engine.rules.ticks import HeldTicks, Ticks, TickStream
from engine.training import PAUSE_INPUT, TrainingConfig
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
CALIBRATION = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=1.0)


class _Materialised:
    """A pipeline whose gap blocks are copied out sample by sample: the old path."""

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def feed(self, item):
        block = self.pipeline.feed(item)
        if not is_held(block):
            return block
        return dataclasses.replace(
            block,
            envelope_uv=np.array(block.envelope_uv),
            pct_mvc=None if block.pct_mvc is None else np.array(block.pct_mvc),
            quality=np.array(block.quality),
        )


@pytest.fixture(scope="module")
def patient_frames() -> tuple[VirtualPatient, list[SampleFrame]]:
    every = ("L-quad", "R-quad", "L-ham", "R-ham")
    plan = (script.rest(2.0) + script.mvc_trials(2, effort_s=2.0, recover_s=1.0, muscles=every)
            + script.rest(3.5) + script.quad_sets(4, level=0.45, hold_s=6.0, rest_s=5.0))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, snr_db=25.0), plan, seed=11)
    frames = []
    for seq, first in enumerate(range(0, int(plan.duration_s * RATE_HZ), 20)):
        t_ns = round(first * 1e9 / RATE_HZ)
        frames.append(SampleFrame("sim", seq, first, t_ns, patient.render(first, 20).counts))
    return patient, frames


def _training(protocol_name: str, pause_on_gap: bool) -> TrainingConfig:
    protocol = builtin_protocol(protocol_name)
    timing = dataclasses.replace(protocol.timing, reps=4, sets=1)
    quality = protocol.quality
    if not pause_on_gap:
        quality = dataclasses.replace(quality, pause_on=quality.pause_on & ~QualityFlag.GAP)
    protocol = dataclasses.replace(protocol, timing=timing, quality=quality)
    return TrainingConfig(protocol, calibration_protocol=CALIBRATION, involved_side=Side.LEFT,
                          seed=2)


def _with_gaps(frames: list[SampleFrame], gaps: dict[int, int]) -> list[SampleFrame | Gap]:
    """``frames`` with ``gaps[seq]`` missing samples declared before frame ``seq`` (the later
    frames moved on by them, as a device's counter would)."""
    out: list[SampleFrame | Gap] = []
    shift = 0
    for frame in frames:
        if frame.seq in gaps:
            n = gaps[frame.seq]
            start_ns = frame.t_ns + round(shift * 1e9 / RATE_HZ)
            out.append(Gap("sim", frame.first_index + shift, n, start_ns,
                           round(n * 1e9 / RATE_HZ), "radio"))
            shift += n
        out.append(dataclasses.replace(frame, first_index=frame.first_index + shift,
                                       t_ns=frame.t_ns + round(shift * 1e9 / RATE_HZ)))
    return out


def _outputs(patient, items, training, inputs, materialise: bool) -> bytes:
    source = SimulatedSource(patient, realtime=False).info
    engine = OfflineEngine.fresh(source, training, 50.0)
    if materialise:
        engine.pipeline = _Materialised(engine.pipeline)
    records = engine.run(rechunk(items, 400, RATE_HZ), inputs)
    return b"".join(msgpack.packb(r.to_list()) for r in records)


# Gaps in calibration (seq 150: 3 s in), between reps, and inside a hold; short ones spliced
# over, long ones restarting the filters; all shorter than the rules' 60 s of held judging.
GAPS = {150: 40, 700: 1_700, 1_100: 25_000, 1_600: 59_000}


@pytest.mark.parametrize("pause_on_gap", [True, False])
@pytest.mark.parametrize("protocol", ["quad_set", "straight_leg_raise"])
def test_held_gaps_judge_exactly_as_materialised_ones(patient_frames, protocol, pause_on_gap):
    patient, frames = patient_frames
    items = _with_gaps(frames, GAPS)
    gap_starts = [i.t_ns for i in items if isinstance(i, Gap)]
    # Inputs stamped inside gaps: the judging must stop where they are due.
    inputs = [
        UserInput(gap_starts[2] + 3_000_000_000, PAUSE_INPUT),
        UserInput(gap_starts[2] + 9_000_000_123, PAUSE_INPUT),
        ConfigChange(gap_starts[3] + 20_000_000_000, "rules.target_band_pct", [15.0, 60.0]),
    ]
    training = _training(protocol, pause_on_gap)
    held = _outputs(patient, items, training, inputs, materialise=False)
    materialised = _outputs(patient, items, training, inputs, materialise=True)
    assert held == materialised
    assert b"quality_paused" in held or not pause_on_gap


def test_a_gap_of_billions_of_samples_costs_neither_memory_nor_time(patient_frames):
    patient, frames = patient_frames
    items = _with_gaps(frames, {700: 5_000_000_000, 1_100: 3_000_000_000})
    for pause_on_gap in (True, False):
        tracemalloc.start()
        started = time.perf_counter()
        out = _outputs(patient, items, _training("quad_set", pause_on_gap), [], False)
        elapsed_s = time.perf_counter() - started
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        assert peak_mb < 40, peak_mb
        assert elapsed_s < 20, elapsed_s
        assert out


def test_a_gap_during_calibration_fails_it_once_not_once_per_attempt(patient_frames):
    patient, frames = patient_frames
    # 1000 s of gap 0.5 s into a calibration's 2 s rest: the rest it interrupts is rejected,
    # and the next waits for a clean signal instead of failing once per rest inside the gap.
    items = _with_gaps(frames, {25: 1_000_000})
    counts = []
    for materialise in (False, True):
        out = msgpack.Unpacker()
        out.feed(_outputs(patient, items, _training("quad_set", True), [], materialise))
        # Until the attempt the gap runs into has ended (the gap ends at 1000.5 s).
        counts.append(sum(e[0] == "event" and e[2] == "calibration_failed"
                          and e[1] <= 1_001_000_000_000 for e in out))
    held, materialised = counts
    assert held == materialised == 1


@pytest.mark.parametrize("rate_hz", [200.0, 1000.0, 1024.0, 2000.0, 3.0])
def test_bisection_finds_the_sample_searchsorted_finds(rate_hz):
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 3000))
        t0 = int(rng.integers(0, 10**12))
        times = sample_times_ns(t0, n, rate_hz)
        target = int(rng.integers(t0 - 10**6, int(times[-1]) + 10**7))
        start = int(rng.integers(0, n))
        expected = start + int(np.searchsorted(times[start:], target, side="left"))
        assert first_sample_at_or_after(t0, n, rate_hz, target, start) == expected


def _held_block(first: int, n: int, t_ns: int, quality: int, pct: bool) -> ProcessedBlock:
    shape = (n, 2)
    return ProcessedBlock(
        "sim", first, t_ns, 1000.0,
        envelope_uv=np.broadcast_to(np.array([3.5, 7.25]), shape),
        pct_mvc=np.broadcast_to(np.array([12.5, 40.0]), shape) if pct else None,
        quality=np.broadcast_to(np.array([quality, 0], dtype=np.uint8), shape),
    )


def _listed(ticks: Ticks | HeldTicks) -> tuple:
    if isinstance(ticks, Ticks):
        return ticks.t_ns, ticks.pct, ticks.envelope_uv, ticks.quality
    count = ticks.count
    quality = [ticks.quality_at(k) for k in range(count)]
    flat = None if all(q is None for q in quality) else [
        q if q is not None else [0, 0] for q in quality]
    return ([ticks.t_ns(k) for k in range(count)],
            None if ticks.pct is None else [ticks.pct] * count,
            [ticks.envelope_uv] * count, flat)


@pytest.mark.parametrize("quality", [0, int(QualityFlag.GAP)])
@pytest.mark.parametrize(("first", "n"), [(0, 7), (13, 101), (19, 1), (5, 60), (20, 2)])
def test_held_ticks_are_the_ticks_of_the_materialised_block(first, n, quality):
    before = ProcessedBlock("sim", 0, 0, 1000.0, np.zeros((first, 2)), np.zeros((first, 2)),
                            np.full((first, 2), 2, dtype=np.uint8))
    results = []
    for materialise in (False, True):
        stream = TickStream(2)
        if first:
            stream.feed(before, need_pct=True)
        block = _held_block(first, n, round(first * 1e6), quality, pct=True)
        if materialise:
            block = dataclasses.replace(block, envelope_uv=np.array(block.envelope_uv),
                                        pct_mvc=np.array(block.pct_mvc),
                                        quality=np.array(block.quality))
        after = _held_block(first + n, 30, round((first + n) * 1e6), 0, pct=True)
        results.append((_listed(stream.feed(block, need_pct=True)),
                        _listed(stream.feed(dataclasses.replace(
                            after, quality=np.array(after.quality)), need_pct=True))))
    assert results[0] == results[1]


@pytest.mark.parametrize("count", [1, 24, 25, 26, 27, 52, 53, 54, 1000, 1001])
def test_over_mvc_takes_held_samples_as_it_takes_them_one_by_one(count):
    calibration = Calibration(("a", "b"), (1.0, 1.0), (0.1, 0.1), (100.0, 100.0),
                              PipelineConfig("sim", 1000.0, 2).signature())
    rng = np.random.default_rng(count)
    before = rng.uniform(50, 120, size=(37, 2))
    row = np.array([[104.0, 108.0]])
    after = rng.uniform(50, 120, size=(29, 2))
    monitors = [OverMvcMonitor(calibration, 50.0) for _ in range(2)]
    monitors[0].update(before)
    monitors[0].update_held(row, count)
    monitors[1].update(before)
    monitors[1].update(np.repeat(row, count, axis=0))
    for monitor in monitors:
        monitor.update(after)
    assert monitors[0].peak_pct.tobytes() == monitors[1].peak_pct.tobytes()
    assert (monitors[0].over == monitors[1].over).all()


def test_rule_events_come_from_ticks_not_from_the_gap_length(patient_frames):
    """A pausing protocol pauses once for a gap, however long, and resumes after it."""
    patient, frames = patient_frames
    items = _with_gaps(frames, {1_100: 2_000_000_000})
    out = msgpack.Unpacker()
    out.feed(_outputs(patient, items, _training("quad_set", True), [], False))
    kinds = [e[2] for e in out if e[0] == "event"]
    assert kinds.count("quality_paused") >= 1
    assert "quality_resumed" in kinds[kinds.index("quality_paused"):]
