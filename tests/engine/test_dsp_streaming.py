"""Streaming equals one-shot causal filtering, whatever the chunking."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from engine.dsp import Pipeline, PipelineConfig, filters
from engine.errors import ConfigError, SignalError
from engine.messages import ChannelInfo, Gap, QualityFlag, SampleFrame, SourceInfo

RATE = 2000.0
N = 3000


def _info(rate_hz: float = RATE, channels: int = 3, dtype: str = "<f4") -> SourceInfo:
    return SourceInfo(
        "dev", "test", "test", rate_hz,
        tuple(ChannelInfo(f"ch{i}", "quadriceps") for i in range(channels)), dtype=dtype,
    )


def _signal(n: int = N, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None] / RATE
    burst = (np.sin(2 * np.pi * 0.7 * t) > 0) * 200.0
    noise = rng.standard_normal((n, channels)) * (10 + burst)
    return (noise + 800.0 + 40 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def _stream(pipeline: Pipeline, data: np.ndarray, cuts: list[int]):
    bounds = [0, *sorted(set(cuts)), data.shape[0]]
    blocks = []
    for seq, (a, b) in enumerate(itertools.pairwise(bounds)):
        blocks.append(pipeline.process(SampleFrame("dev", seq, a, 0, data[a:b])))
    return blocks


def _one_shot(pipeline: Pipeline, data: np.ndarray) -> np.ndarray:
    x = data.astype(np.float64)
    sos = pipeline.band_sos
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    band, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    envelope = signal.sosfilt(pipeline.envelope_sos, np.abs(band), axis=0)
    return np.maximum(envelope, 0.0)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=N - 1), max_size=30))
def test_any_chunking_equals_one_shot_filtering(cuts):
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    data = _signal()
    blocks = _stream(pipeline, data, cuts)
    envelope = np.concatenate([b.envelope_uv for b in blocks])
    np.testing.assert_allclose(envelope, _one_shot(Pipeline(pipeline.config), data), atol=1e-9)
    assert [b.first_index for b in blocks] == [0, *sorted(set(cuts))][: len(blocks)]


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=N - 1), max_size=20),
    envelope=st.sampled_from(["linear", "rms"]),
)
def test_quality_and_rms_envelope_do_not_depend_on_chunking(cuts, envelope):
    config = PipelineConfig.for_source(_info(), envelope=envelope)
    data = _signal(seed=3)
    data[1200:1500, 1] = 5000.0  # a flat stretch
    data[2000:2010, 2] = np.nan
    t = np.arange(N) / RATE
    data[:1600, 0] += (400 * np.sin(2 * np.pi * 50 * t[:1600])).astype(np.float32)  # mains
    data[2400:, 0] += 2500.0  # the electrode offset jumps: lift-off
    data[1700:1900, 2] += 400.0  # a smaller jump and back: movement
    whole = Pipeline(config).process(SampleFrame("dev", 0, 0, 0, data))
    seen = np.bitwise_or.reduce(whole.quality, axis=None)
    for flag in (QualityFlag.MAINS, QualityFlag.LIFT_OFF, QualityFlag.MOVEMENT, QualityFlag.FLAT,
                 QualityFlag.NONFINITE):
        assert seen & flag, flag
    parts = _stream(Pipeline(config), data, cuts)
    np.testing.assert_array_equal(np.concatenate([b.quality for b in parts]), whole.quality)
    np.testing.assert_allclose(
        np.concatenate([b.envelope_uv for b in parts]), whole.envelope_uv, atol=1e-9
    )


def test_moving_rms_matches_offline_boxcar():
    config = PipelineConfig.for_source(_info(), envelope="rms", rms_window_s=0.05)
    pipeline = Pipeline(config)
    data = _signal()
    out = np.concatenate([b.envelope_uv for b in _stream(pipeline, data, [7, 333, 1000])])
    x = data.astype(np.float64)
    zi = signal.sosfilt_zi(pipeline.band_sos)[:, :, None] * x[0][None, None, :]
    band, _ = signal.sosfilt(pipeline.band_sos, x, axis=0, zi=zi)
    window = 100
    sq = np.concatenate([np.zeros((window - 1, 3)), band**2])
    expected = np.sqrt(np.stack([sq[i : i + window].mean(axis=0) for i in range(N)]))
    np.testing.assert_allclose(out, expected, atol=1e-9)
    assert pipeline.group_delay_s == pytest.approx(99 / 2 / RATE, abs=0.003)


@pytest.mark.parametrize("rate", [200.0, 500.0, 1000.0, 2000.0])
def test_upper_corner_stays_below_nyquist(rate):
    config = PipelineConfig.for_source(_info(rate))
    low, high = config.band_hz
    assert low == 20.0
    assert high <= 0.45 * rate
    assert all(f < high * 1.05 for f in config.notch_hz)
    pipeline = Pipeline(config)
    x = np.random.default_rng(1).standard_normal((int(rate), 3)).astype(np.float32)
    block = pipeline.process(SampleFrame("dev", 0, 0, 0, x))
    assert np.isfinite(block.envelope_uv).all()


def test_default_envelope_delay_suits_biofeedback():
    for rate in (1000.0, 2000.0):
        delay = Pipeline(PipelineConfig.for_source(_info(rate))).group_delay_s
        assert 0.015 < delay < 0.035


def test_measured_delay_matches_reported_group_delay():
    """A burst's envelope centre of mass lags the burst's by the reported delay."""
    pipeline = Pipeline(PipelineConfig.for_source(_info(channels=1)))
    rng = np.random.default_rng(4)
    n = 8000
    t = np.arange(n) / RATE
    shape = np.exp(-0.5 * ((t - 2.0) / 0.3) ** 2)
    x = (shape * rng.standard_normal(n) * 300)[:, None].astype(np.float32)
    env = pipeline.process(SampleFrame("dev", 0, 0, 0, x)).envelope_uv[:, 0]
    lag = (env * t).sum() / env.sum() - 2.0
    assert lag == pytest.approx(pipeline.group_delay_s, abs=0.006)


def test_mains_is_notched_out():
    pipeline = Pipeline(PipelineConfig.for_source(_info(channels=1), mains_hz=60.0))
    t = np.arange(20000) / RATE
    hum = (100 * np.sin(2 * np.pi * 60 * t) + 30 * np.sin(2 * np.pi * 180 * t))[:, None]
    env = pipeline.process(SampleFrame("dev", 0, 0, 0, hum.astype(np.float32))).envelope_uv
    assert env[10000:].max() < 2.0


def test_nan_samples_are_flagged_and_never_reach_the_envelope():
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    data = _signal()
    data[100:130, 0] = np.nan
    data[500, 1] = np.inf
    block = pipeline.process(SampleFrame("dev", 0, 0, 0, data))
    assert np.isfinite(block.envelope_uv).all()
    assert (block.quality[100:130, 0] & QualityFlag.NONFINITE).all()
    assert block.quality[500, 1] & QualityFlag.NONFINITE
    assert not (block.quality[:, 2] & QualityFlag.NONFINITE).any()


def test_gap_returns_held_values_flagged_and_keeps_the_timeline():
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    data = _signal()
    first = pipeline.process(SampleFrame("dev", 0, 0, 0, data[:1000]))
    gap = pipeline.gap(Gap("dev", 1000, 40, 500_000_000, 20_000_000, "lost"))
    assert gap.first_index == 1000
    assert gap.n_samples == 40
    assert (gap.quality == QualityFlag.GAP).all()
    np.testing.assert_array_equal(gap.envelope_uv[0], first.envelope_uv[-1])
    after = pipeline.process(SampleFrame("dev", 1, 1040, 520_000_000, data[1040:]))
    settle = pipeline.settle_n
    assert (after.quality[:settle] & QualityFlag.GAP).all()
    assert not (after.quality[settle:] & QualityFlag.GAP).any()


def test_a_frame_after_a_silent_hole_is_flagged_not_joined():
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    data = _signal()
    pipeline.process(SampleFrame("dev", 0, 0, 0, data[:1000]))
    after = pipeline.process(SampleFrame("dev", 1, 1100, 0, data[1100:]))
    assert (after.quality[:10] & QualityFlag.GAP).all()
    with pytest.raises(SignalError, match="before sample"):
        pipeline.process(SampleFrame("dev", 2, 1500, 0, data[:10]))


def test_long_gap_restarts_filters_without_a_transient():
    pipeline = Pipeline(PipelineConfig.for_source(_info(channels=1)))
    quiet = np.full((4000, 1), 500.0, dtype=np.float32)
    pipeline.process(SampleFrame("dev", 0, 0, 0, quiet))
    pipeline.gap(Gap("dev", 4000, 4000, 0, 0, "reconnect"))
    shifted = np.full((4000, 1), -2500.0, dtype=np.float32)  # the offset moved meanwhile
    after = pipeline.process(SampleFrame("dev", 1, 8000, 0, shifted))
    assert after.envelope_uv.max() < 1e-6


def test_wrong_input_is_refused_with_a_clear_error():
    pipeline = Pipeline(PipelineConfig.for_source(_info()))
    with pytest.raises(SignalError, match="channels"):
        pipeline.process(SampleFrame("dev", 0, 0, 0, np.zeros((10, 2), np.float32)))
    with pytest.raises(SignalError, match="fed to"):
        pipeline.process(SampleFrame("other", 0, 0, 0, np.zeros((10, 3), np.float32)))
    with pytest.raises(ConfigError, match="no band"):
        PipelineConfig.for_source(_info(30.0))
    with pytest.raises(ConfigError, match="mains"):
        PipelineConfig.for_source(_info(), mains_hz=55.0)


def test_integer_sources_are_scaled_and_rail_checked():
    info = SourceInfo(
        "dev", "adc", "test", RATE, (ChannelInfo("a", "quadriceps"),), dtype="<i2", scale=0.5
    )
    config = PipelineConfig.for_source(info)
    assert config.quality.rails_uv == (-16384.0, 16383.5)
    data = np.zeros((400, 1), dtype=np.int16)
    data[200:210] = 32767
    block = Pipeline(config).process(SampleFrame("dev", 0, 0, 0, data))
    assert (block.quality[200:210, 0] & QualityFlag.SATURATED).all()
    assert not (block.quality[:200, 0] & QualityFlag.SATURATED).any()


def test_the_public_sosfilt_fallback_gives_the_private_kernels_bits():
    # filters.sosfilt_in_place is scipy's private in-place kernel when scipy has it; if a
    # release drops it, the public sosfilt takes over and must filter identically.
    sos = Pipeline(PipelineConfig.for_source(_info())).band_sos
    x = _signal().T.astype(np.float64).copy()
    zi = np.zeros((x.shape[0], sos.shape[0], 2))
    y_private, zi_private = x.copy(), zi.copy()
    filters.sosfilt_in_place(sos, y_private, zi_private)
    y_public, zi_public = x.copy(), zi.copy()
    filters.sosfilt_public(sos, y_public, zi_public)
    assert y_public.tobytes() == y_private.tobytes()
    assert zi_public.tobytes() == zi_private.tobytes()
    assert not np.array_equal(y_private, x), "the signal was filtered"
