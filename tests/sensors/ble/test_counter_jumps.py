"""A device count that jumps beyond what the arrival times allow is a discontinuity, not billions
of missing samples: on the timeline, and in a live session over bleak in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.messages import Gap, SampleFrame
from sensors.ble.elapsed_bound import (
    ARRIVAL_SLACK_S,
    DISCONTINUITY,
    RATE_MARGIN,
    most_samples_between,
)
from sensors.ble.profile import Chunk
from sensors.ble.timeline import Timeline
from tests.sensors.ble.counter_jump_session import JUMP_SAMPLES

RATE_HZ = 200.0
PACKET = 10
PERIOD_NS = 50_000_000  # ten samples at 200 Hz


def _chunk(k: int, lost: int | None = 0, *, arrival_ns: int | None = None) -> Chunk:
    samples = np.full((PACKET, 2), k, dtype=np.int16)
    return Chunk(samples, arrival_ns if arrival_ns is not None else k * PERIOD_NS, lost,
                 reason="packets lost (counted from the DIY EMG sample counter)")


def _steady(timeline: Timeline, packets: int) -> None:
    for k in range(packets):
        timeline.add(_chunk(k))


def test_the_bound_allows_the_time_that_passed_with_its_margins():
    period_ns = 1e9 / RATE_HZ
    one_second = most_samples_between(1_000_000_000, period_ns)
    expected = (1.0 + ARRIVAL_SLACK_S) * (1 + RATE_MARGIN) * RATE_HZ
    assert expected <= one_second <= expected + 1  # rounded up
    assert most_samples_between(-5, period_ns) == most_samples_between(0, period_ns)


def test_loss_the_arrival_times_allow_stays_an_exact_gap():
    timeline = Timeline("diy", RATE_HZ)
    _steady(timeline, 100)
    # 30 samples lost: three packets' worth, arriving when the fourth is due.
    records = timeline.add(_chunk(103, lost=30))
    gap, frame = records
    assert isinstance(gap, Gap)
    assert isinstance(frame, SampleFrame)
    assert (gap.n_missing, gap.first_index, frame.first_index) == (30, 1000, 1030)
    assert not gap.reason.startswith(DISCONTINUITY)
    assert timeline.discontinuities == 0


def test_a_counter_jump_of_two_to_the_31_is_one_discontinuity_of_plausible_size():
    timeline = Timeline("diy", RATE_HZ)
    _steady(timeline, 100)
    records = timeline.add(_chunk(100, lost=JUMP_SAMPLES))
    gap, frame = records
    assert isinstance(gap, Gap)
    assert gap.reason.startswith(DISCONTINUITY)
    assert str(JUMP_SAMPLES) in gap.reason
    # On time: nothing is plausibly missing, and the index runs on as if nothing jumped.
    assert (gap.n_missing, gap.duration_ns) == (-1, 0)
    assert frame.first_index == 1000
    assert timeline.discontinuities == 1
    assert timeline.samples_lost == 0
    # The packets after it are consecutive on the new count: no more gaps.
    assert [len(timeline.add(_chunk(k))) for k in range(101, 110)] == [1] * 9


def test_a_jump_after_a_silence_keeps_the_samples_the_silence_explains():
    timeline = Timeline("diy", RATE_HZ)
    _steady(timeline, 100)
    # Thirty seconds of silence, then a counter six thousand samples ahead plus a leap.
    arrival_ns = 99 * PERIOD_NS + 30_000_000_000
    gap, frame = timeline.add(_chunk(0, lost=6_000 + 10**9, arrival_ns=arrival_ns))
    assert gap.reason.startswith(DISCONTINUITY)
    assert abs(frame.first_index - 1000 - 6_000) <= 20
    assert gap.duration_ns == pytest.approx(30e9, rel=0.01)


def test_a_live_session_with_a_counter_jump_stays_small_and_records_one_discontinuity(
        tmp_path: Path):
    """The acceptance figure: bumble peripheral → bleak → the supervised session → recording,
    in its own process, so that its peak memory is its own."""
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-m", "tests.sensors.ble.counter_jump_session",
         str(tmp_path / "jump.myoplay")],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["peak_mb"] < 300
    assert result["source_discontinuities"] == 1
    gaps = result["gaps"]
    assert [g[6].startswith(DISCONTINUITY) for g in gaps] == [True]
    assert str(JUMP_SAMPLES) in gaps[0][6]
    assert result["reason"] == "duration reached"
