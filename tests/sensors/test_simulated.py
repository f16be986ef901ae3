"""The virtual patient: deterministic, chunking-independent, paced by Trio's clock."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.messages import Gap, SampleFrame, Side
from sensors.simulated import SimulatedSource
from sensors.source import Source
from sensors.virtual_patient import CoActivation, PatientConfig, VirtualPatient
from sensors.virtual_patient import script as s


def _patient(seed: int = 3, **config) -> VirtualPatient:
    script = s.compliant_quad_sets(reps=2).with_artefacts(s.Artefact("movement", 3.0, 0.3))
    return VirtualPatient(PatientConfig(**config), script, seed=seed)


def test_default_patient_has_four_sided_channels():
    patient = _patient()
    labels = [(c.label, c.muscle, c.side) for c in patient.channels]
    assert labels == [
        ("L-quad", "quadriceps", Side.LEFT),
        ("R-quad", "quadriceps", Side.RIGHT),
        ("L-ham", "hamstrings", Side.LEFT),
        ("R-ham", "hamstrings", Side.RIGHT),
    ]


def test_output_does_not_depend_on_chunking_and_repeats_with_the_seed():
    whole = _patient().render(0, 9000)
    patient = _patient()
    cuts = [(0, 37), (37, 4001), (4001, 4002), (4002, 9000)]
    parts = [patient.render(a, b - a) for a, b in cuts]
    np.testing.assert_array_equal(np.concatenate([p.counts for p in parts]), whole.counts)
    np.testing.assert_array_equal(patient.render(100, 50).counts, whole.counts[100:150])
    assert not np.array_equal(_patient(seed=4).render(0, 9000).counts, whole.counts)


def test_activation_follows_the_script_with_deficit_and_coactivation():
    config = PatientConfig(
        deficit={"L-quad": 0.4}, coactivation=(CoActivation("R-quad", "R-ham", 0.5),)
    )
    patient = VirtualPatient(config, s.rest(1.0) + s.hold(0.5, 2.0, ramp_s=0.0), seed=0)
    a = patient.true_activation(0, 6000)
    assert a[2000:].min(axis=0) == pytest.approx([0.3, 0.5, 0.0, 0.25])
    assert (a[:2000] == 0).all()
    assert patient.true_onsets(0) == [2000]


def test_maximal_efforts_ignore_the_task_deficit():
    patient = VirtualPatient(PatientConfig(deficit={"L-quad": 0.4}), s.mvc_trials(1), seed=0)
    assert patient.true_activation(0, 20000)[:, 0].max() == pytest.approx(1.0)


def test_a_live_maximal_effort_ignores_the_deficit_and_a_sub_maximal_one_does_not():
    patient = VirtualPatient(PatientConfig(deficit={"L-quad": 0.4}), seed=0)
    patient.set_activation("quadriceps", 1.0, at_index=0)
    patient.set_activation("quadriceps", 0.5, at_index=1000)
    a = patient.true_activation(0, 2000)
    assert a[:1000, :2] == pytest.approx(1.0)  # both sides reach their maximum
    assert a[1000:, 0] == pytest.approx(0.3)  # the inhibited left side falls short
    assert a[1000:, 1] == pytest.approx(0.5)


def test_emg_amplitude_follows_activation_and_snr():
    patient = VirtualPatient(
        PatientConfig(snr_db=20, mains_uv=0, wander_uv=0, offset_uv=0),
        s.rest(2.0) + s.hold(1.0, 4.0, ramp_s=0.0),
        seed=1,
    )
    uv = patient.render(0, 12000).counts * patient.config.adc_scale_uv
    rest_rms = uv[:4000, 0].std()
    active_rms = uv[5000:, 0].std()
    assert 20 * np.log10(active_rms / rest_rms) == pytest.approx(20, abs=1.0)
    assert np.abs(uv[5000:, 0]).mean() == pytest.approx(300.0, rel=0.05)


def _median_frequency(x: np.ndarray, rate: float) -> float:
    spectrum = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(x.size))) ** 2
    cumulative = np.cumsum(spectrum)
    return float(np.fft.rfftfreq(x.size, 1 / rate)[np.searchsorted(cumulative, cumulative[-1] / 2)])


def test_fatigue_lowers_the_median_frequency():
    patient = VirtualPatient(
        PatientConfig(fatigue_pct_per_s=1.0, snr_db=40, mains_uv=0), s.hold(0.6, 30.0), seed=2
    )
    chunk = patient.render(0, 60000)
    uv = chunk.counts[:, 0].astype(float)
    early = _median_frequency(uv[2000:6000], 2000)
    late = _median_frequency(uv[54000:58000], 2000)
    expected = chunk.mdf_factor[56000, 0] / chunk.mdf_factor[4000, 0]
    assert late / early == pytest.approx(expected, abs=0.1)
    assert chunk.mdf_factor[56000, 0] == pytest.approx(1 - 0.01 * 28, abs=0.02)


def test_saturation_rails_the_int16_output():
    script = s.rest(1.0).with_artefacts(s.Artefact("saturation", 0.5, 0.1, ("R-ham",)))
    chunk = VirtualPatient(PatientConfig(), script, seed=0).render(0, 2000)
    assert (chunk.counts[1000:1200, 3] == 32767).all()
    assert (chunk.artefacts[1000:1200, 3] != 0).all()


@pytest.mark.parametrize("rate", [200.0, 1000.0])
def test_low_rates_work(rate):
    patient = VirtualPatient(PatientConfig(rate_hz=rate), s.hold(0.5, 1.0), seed=0)
    chunk = patient.render(0, int(rate))
    assert chunk.counts.shape == (int(rate), 4)


async def test_source_streams_in_real_time_under_the_mock_clock(autojump_clock):
    source = SimulatedSource(_patient(), frame_s=0.02)
    assert isinstance(source, Source)
    assert source.info.dtype == "<i2"
    assert source.info.scale == 0.25
    start = trio.current_time()
    frames = [f async for f in source.stream()]
    duration = source.patient.script.duration_s
    assert trio.current_time() - start == pytest.approx(duration)
    assert all(isinstance(f, SampleFrame) for f in frames)
    assert [f.seq for f in frames] == list(range(len(frames)))
    assert frames[-1].first_index + frames[-1].n_samples == round(duration * 2000)
    data = np.concatenate([f.data for f in frames])
    np.testing.assert_array_equal(data, _patient().render(0, data.shape[0]).counts)
    await source.aclose()


async def test_packet_loss_comes_out_as_gaps():
    patient = VirtualPatient(
        PatientConfig(packet_loss=0.05), s.rest(4.0).with_losses(s.PacketLoss(1.0, 0.1)), seed=5
    )
    items = [i async for i in SimulatedSource(patient, realtime=False).stream()]
    gaps = [i for i in items if isinstance(i, Gap)]
    assert any(g.first_index == 2000 and g.n_missing >= 200 for g in gaps)
    covered = sum(i.n_samples if isinstance(i, SampleFrame) else i.n_missing for i in items)
    assert covered == 8000
    index = 0
    for item in items:
        assert item.first_index == index
        index += item.n_samples if isinstance(item, SampleFrame) else item.n_missing


async def test_live_commands_change_activation_from_the_next_frame():
    patient = VirtualPatient(PatientConfig(), seed=0)
    source = SimulatedSource(patient, realtime=False, duration_s=1.0)
    seen = 0
    async for _frame in source.stream():
        seen += 1
        if seen == 10:
            source.set_activation("quadriceps", 0.7)
    a = patient.true_activation(0, 2000)
    assert (a[:400] == 0).all()
    assert a[400:, :2] == pytest.approx(0.7)
    assert (a[:, 2:] == 0).all()


async def test_reconnecting_continues_the_timeline_and_reports_the_outage(autojump_clock):
    patient = VirtualPatient(PatientConfig(), s.rest(5.0), seed=0)
    source = SimulatedSource(patient, frame_s=0.02)
    first = []
    async for item in source.stream():
        first.append(item)
        if len(first) == 25:
            break
    await trio.sleep(1.0)
    second = []
    async for item in source.stream():
        second.append(item)
        if len(second) == 3:
            break
    gap = second[0]
    assert isinstance(gap, Gap)
    assert gap.first_index == 25 * 40
    assert gap.n_missing == 2000
    assert second[1].first_index == 25 * 40 + 2000
    assert second[1].seq == 25
    await source.aclose()
    assert [i async for i in source.stream()] == []


async def test_a_consumer_that_stops_at_a_gap_still_gets_the_frame_after_it(autojump_clock):
    patient = VirtualPatient(PatientConfig(), s.rest(5.0), seed=0)
    source = SimulatedSource(patient, frame_s=0.02)
    async for _ in source.stream():
        break  # frame 0
    await trio.sleep(1.0)
    async for item in source.stream():
        assert isinstance(item, Gap)
        break  # a crash right after taking the gap: the frame behind it is already made
    await trio.sleep(0.5)
    items = []
    async for item in source.stream():
        items.append(item)
        if len(items) == 3:
            break
    assert isinstance(items[0], SampleFrame)
    assert items[0].first_index == 40 + 2000, "the frame behind the first gap"
    assert isinstance(items[1], Gap)
    assert items[1].first_index == items[0].first_index + 40
    assert items[2].first_index == items[1].first_index + items[1].n_missing
    await source.aclose()


def test_live_command_inside_a_generated_block_keeps_what_was_delivered():
    patient = VirtualPatient(PatientConfig(), seed=9)
    delivered = patient.render(0, 130).counts  # blocks of 100: samples up to 199 exist
    patient.set_activation("R-quad", 0.8, at_index=130)
    after = patient.render(130, 200)
    assert (after.activation[:, 1] == 0.8).all()
    fresh = VirtualPatient(PatientConfig(), seed=9)
    fresh.set_activation("R-quad", 0.8, at_index=130)
    np.testing.assert_array_equal(fresh.render(0, 130).counts, delivered)
    np.testing.assert_array_equal(fresh.render(130, 200).counts, after.counts)
    with pytest.raises(ValueError, match="already generated"):
        patient.set_activation("R-quad", 0.1, at_index=10)


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=2999), max_size=12))
def test_any_chunking_renders_the_same_samples(cuts):
    script = s.hold(0.5, 1.5).with_artefacts(s.Artefact("lift_off", 0.4, 0.2, ("L-ham",)))
    whole = VirtualPatient(PatientConfig(), script, seed=8).render(0, 3000)
    patient = VirtualPatient(PatientConfig(), script, seed=8)
    bounds = [0, *sorted(set(cuts)), 3000]
    parts = [patient.render(a, b - a) for a, b in itertools.pairwise(bounds)]
    np.testing.assert_array_equal(np.concatenate([p.counts for p in parts]), whole.counts)
    np.testing.assert_array_equal(np.concatenate([p.artefacts for p in parts]), whole.artefacts)
