"""Device-to-host clock mapping and the source timeline (pure, seeded randomness)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.messages import Gap, SampleFrame
from sensors.ble.device_clock import DeviceClock
from sensors.ble.profile import Chunk
from sensors.ble.timeline import Timeline


def test_fit_recovers_offset_and_drift_under_one_sided_latency():
    rng = np.random.default_rng(7)
    true_offset_ns, drift = 3_000_000_000, 50e-6  # device clock 50 ppm slow
    nominal = 5_000_000.0  # 200 Hz
    clock = DeviceClock(nominal)
    for index in range(0, 20_000, 2):
        latency = rng.exponential(8e6) + (60e6 if rng.random() < 0.02 else 0.0)  # + stalls
        clock.observe(index, true_offset_ns + index * nominal * (1 + drift) + latency)
    assert clock.ns_per_unit == pytest.approx(nominal * (1 + drift), rel=25e-6)
    truth = true_offset_ns + 20_000 * nominal * (1 + drift)
    # The nominal rate alone would be 5 ms off after these 100 s; the fit is within 1 ms.
    assert abs(true_offset_ns + 20_000 * nominal - truth) >= 5e6
    assert abs(clock.predict(20_000) - truth) < 1e6
    assert clock.units_at(truth) == pytest.approx(20_000, abs=0.2)


def test_fit_uses_the_nominal_rate_until_it_has_data():
    clock = DeviceClock(5e6)
    clock.observe(10, 1e9)
    assert clock.predict(12) == pytest.approx(1e9 + 1e7)


def _chunk(n, arrival_ns, lost=0, exact=True):
    return Chunk(np.zeros((n, 1), dtype=np.int16), arrival_ns, lost, exact=exact)


def test_timeline_counts_exact_and_estimated_losses_and_outages():
    timeline = Timeline("s", 100.0)
    out = timeline.add(_chunk(10, 100_000_000, lost=None))
    assert isinstance(out[0], SampleFrame)
    assert out[0].first_index == 0
    for k in range(1, 40):
        timeline.add(_chunk(10, 100_000_000 + k * 100_000_000))
    gap, frame = timeline.add(_chunk(10, 4_100_000_000, lost=10))
    assert isinstance(gap, Gap)
    assert (gap.first_index, gap.n_missing, gap.duration_ns) == (400, 10, 100_000_000)
    assert frame.first_index == 410
    timeline.link_lost(4_150_000_000, "Bluetooth link lost to the thing")
    # Back 2 s later; the device restarted its counter: the outage is estimated from time.
    gap, frame = timeline.add(_chunk(10, 6_200_000_000, lost=None))
    assert gap.n_missing == -1
    assert gap.first_index == 420
    assert "reconnected after 2.05 s" in gap.reason
    assert frame.first_index == 420 + 200
    assert gap.duration_ns == 2_000_000_000
    assert timeline.samples_lost == 10
    assert timeline.samples_estimated_lost == 200


def test_timeline_times_never_run_backwards():
    timeline = Timeline("s", 100.0)
    times = []
    rng = np.random.default_rng(1)
    for k in range(300):
        for record in timeline.add(_chunk(1, 10_000_000 * k + int(rng.exponential(3e7)))):
            times.append(record.t_ns)
    assert times == sorted(times)
