"""A recording with a gap of 5×10⁷ samples replays headless in bounded memory and time (it
used to cost about 25 bytes a missing sample: 1.3 GB and 24 s)."""

from __future__ import annotations

import dataclasses
import time
import tracemalloc
from pathlib import Path

import pytest

from engine.calibration import Calibration
from engine.clock import sample_offset_ns
from engine.dsp import PipelineConfig
from engine.messages import Gap, RuleEvent, Side
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from replays.headless import replay_headless
from tests.replays.replay_fixtures import RATE_HZ, SOURCE, frame, record

MISSING = 50_000_000
FRAMES = 4_000  # 40 s of samples on either side of the gap


def _training(_config: object) -> TrainingConfig:
    calibration = Calibration(
        SOURCE.labels, (2.0, 3.0), (0.5, 0.6), (250.0, 300.0),
        PipelineConfig.for_source(SOURCE, mains_hz=50.0).signature(),
    )
    return TrainingConfig(builtin_protocol("quad_set"), calibration=calibration,
                          involved_side=Side.LEFT)


def _with_long_gap():
    yield SOURCE
    for seq in range(FRAMES):
        yield frame(seq)
    lost = frame(FRAMES)
    shift_ns = sample_offset_ns(MISSING, RATE_HZ)
    yield Gap(SOURCE.source_id, lost.first_index, MISSING, lost.t_ns, shift_ns, "radio")
    for seq in range(FRAMES, 2 * FRAMES):
        moved = frame(seq)
        yield dataclasses.replace(moved, first_index=moved.first_index + MISSING,
                                  t_ns=moved.t_ns + shift_ns)


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_gap_of_fifty_million_samples_replays_in_bounded_memory_and_time(
        tmp_path: Path, read_ahead: bool):
    path = tmp_path / "long_gap.myoplay"
    path.write_bytes(record(_with_long_gap(), summary={}))
    tracemalloc.start()
    started = time.perf_counter()
    result = replay_headless(path, _training, read_ahead=read_ahead)
    elapsed_s = time.perf_counter() - started
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert peak_mb < 50, peak_mb  # 5×10⁷ missing samples held 1.3 GB
    assert elapsed_s < 10, elapsed_s  # and took 24 s
    kinds = [r.kind for r in result.outputs if isinstance(r, RuleEvent)]
    # The gap pauses the exercise once, and the clean signal after it resumes it.
    assert kinds.count("quality_paused") == 1
    assert "quality_resumed" in kinds[kinds.index("quality_paused"):]
