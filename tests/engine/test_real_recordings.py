"""Real recordings through the pipeline: plausible envelopes, and timing that holds up."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from engine.dsp import Pipeline, PipelineConfig
from engine.dsp.quality import QualityConfig
from engine.messages import ChannelInfo, SampleFrame, Side, SourceInfo
from tests.data_folder import TEST_DATA

UCI_CHANNELS = (
    ChannelInfo("RF", "rectus femoris", Side.RIGHT),
    ChannelInfo("BF", "biceps femoris", Side.RIGHT),
    ChannelInfo("VM", "vastus medialis", Side.RIGHT),
    ChannelInfo("ST", "semitendinosus", Side.RIGHT),
)
QUADS, HAMSTRINGS = (0, 2), (1, 3)


def _uci() -> tuple[np.ndarray, np.ndarray]:
    rows = []
    text = (TEST_DATA / "uci_5Nsen_first7s.txt").read_text(encoding="latin-1")
    for line in text.splitlines()[7:]:
        fields = line.split("\t")
        if len(fields) >= 5 and fields[0].strip():
            rows.append([float(v) for v in fields[:5]])
    table = np.asarray(rows)
    return table[:, :4].astype(np.float32), table[:, 4]


def _stream(pipeline: Pipeline, data: np.ndarray, chunk: int) -> np.ndarray:
    blocks = [
        pipeline.process(SampleFrame(pipeline.config.source_id, k, i, 0, data[i : i + chunk]))
        for k, i in enumerate(range(0, data.shape[0], chunk))
    ]
    assert all(not b.quality.any() for b in blocks)
    return np.concatenate([b.envelope_uv for b in blocks])


@pytest.fixture(scope="module")
def uci_envelope() -> tuple[np.ndarray, np.ndarray, Pipeline]:
    mv, angle = _uci()
    info = SourceInfo("uci", "UCI 5Nsen", "file", 1000.0, UCI_CHANNELS, dtype="<f4", scale=1000.0)
    pipeline = Pipeline(PipelineConfig.for_source(info, mains_hz=50))
    return _stream(pipeline, mv, 20), angle, pipeline


def _rise(envelope: np.ndarray, threshold: float, lo: int, hi: int, quiet: int = 100) -> int:
    """First sample in [lo, hi) above ``threshold`` after ``quiet`` samples below it."""
    above = envelope > threshold
    for i in range(lo, hi):
        if above[i] and not above[i - quiet : i].any():
            return i
    raise AssertionError("no rise found")


def test_uci_envelopes_rise_during_extension_and_return_at_rest(uci_envelope):
    envelope, angle, _ = uci_envelope
    extended = angle < 20
    rest = envelope[6300:7000].mean(axis=0)
    during = envelope[extended].mean(axis=0)
    assert (during[list(QUADS)] > 4 * rest[list(QUADS)]).all()
    assert (during > 1.5 * rest).all()
    # Between the repetitions (knee flexed, 3.4–3.9 s) the quadriceps are back near rest.
    between = envelope[3400:3900].mean(axis=0)
    assert (between[list(QUADS)] < 2 * rest[list(QUADS)]).all()
    # The agonist dominates: quadriceps well above hamstrings while extended.
    assert during[list(QUADS)].min() > 1.5 * during[list(HAMSTRINGS)].max()


def test_uci_quadriceps_envelope_leads_the_hamstrings(uci_envelope):
    """Each repetition: the first quadriceps envelope to rise clearly above rest (mean + 3 SD
    of the final rest) does so ≥ 100 ms before the first hamstring."""
    envelope, _, _ = uci_envelope
    rest = envelope[6300:7000]
    threshold = rest.mean(axis=0) + 3 * rest.std(axis=0)
    for lo, hi in [(300, 3300), (3600, 6300)]:
        quad = min(_rise(envelope[:, c], threshold[c], lo, hi) for c in QUADS)
        hamstring = min(
            (_rise(envelope[:, c], threshold[c], lo, hi) for c in HAMSTRINGS if
             (envelope[lo:hi, c] > threshold[c]).any()),
        )
        assert hamstring - quad >= 100, (lo, quad, hamstring)


def test_uci_causal_timing_matches_zero_phase_after_the_reported_delay(uci_envelope):
    """The causal envelope's bursts (centre of mass) lag the offline zero-phase envelope's by
    the reported delay."""
    envelope, _, pipeline = uci_envelope
    mv, _ = _uci()
    x = mv.astype(np.float64) * 1000.0
    band = signal.sosfiltfilt(pipeline.band_sos, x - x[0], axis=0)
    offline = signal.sosfiltfilt(pipeline.envelope_sos, np.abs(band), axis=0)
    for c in QUADS:
        lags = []
        for lo, hi in [(500, 3000), (4000, 6000)]:
            t = np.arange(lo, hi)
            causal_ms = (t * envelope[lo:hi, c]).sum() / envelope[lo:hi, c].sum()
            offline_ms = (t * offline[lo:hi, c]).sum() / offline[lo:hi, c].sum()
            lags.append(causal_ms - offline_ms)
        # The low-pass delays a 1–3 Hz burst a little more than its quoted 1 Hz group delay.
        assert np.mean(lags) / 1000 == pytest.approx(pipeline.group_delay_s, abs=0.01)


def test_biosppy_contraction_rises_and_returns_to_baseline():
    lines = (TEST_DATA / "biosppy_emg_1_12-22s.txt").read_text().splitlines()
    counts = np.array([int(v) for v in lines if not v.startswith("#")], dtype=np.int16)[:, None]
    info = SourceInfo(
        "bio", "BioSPPy", "file", 1000.0, (ChannelInfo("EMG", "unknown"),), dtype="<i2", scale=1.0
    )
    # A 12-bit converter: its rails are 0 and 4095 counts, not int16's.
    config = PipelineConfig.for_source(info, quality=QualityConfig(rails_uv=(0.0, 4095.0)))
    envelope = _stream(Pipeline(config), counts, 50)[:, 0]
    before, after = envelope[1000:3500].mean(), envelope[7500:10000].mean()
    burst = envelope[3500:5500]
    assert burst.max() > 15 * before
    assert after < 2 * before
    onset = np.argmax(envelope > before * 5) / 1000
    assert 3.5 < onset < 4.5
