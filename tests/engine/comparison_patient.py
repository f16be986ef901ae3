"""Exercise comparisons on the virtual patient, with known true activation per variation.

Each variation is a block of reps: the target ramps up, works, ramps down, then rests. Reps
vary in level around the variation's true mean (a real client does not repeat a rep exactly),
drawn from a seeded generator, so the true value an interval must cover is the variation's
mean level. %MVC is the pipeline's envelope over its mean during a long maximal effort of the
same patient (:func:`pipeline_mvc_uv`): a calibration without the sampling error of a short
effort, so what is tested is the cutting and the statistics.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.dsp import Pipeline, PipelineConfig
from engine.messages import ChannelInfo, SampleFrame, Side
from sensors.simulated import SimulatedSource
from sensors.virtual_patient import PatientConfig, Script, Segment, VirtualPatient

GLUTE_CHANNELS = (
    ChannelInfo("L-glute", "gluteus_maximus", Side.LEFT),
    ChannelInfo("R-glute", "gluteus_maximus", Side.RIGHT),
    ChannelInfo("L-ham", "hamstrings", Side.LEFT),
    ChannelInfo("R-ham", "hamstrings", Side.RIGHT),
)
RATE_HZ = 1000.0
RAMP_S = 0.1
MVC_S = 20.0


@dataclass(frozen=True)
class VariationTruth:
    """A variation's true mean target level (fraction of MVC) and its reps' spread."""

    name: str
    level: float
    hamstring_level: float = 0.15
    reps: int = 6
    rep_sd: float = 0.04
    hamstring_lead_s: float = 0.0
    """The hamstrings switch on this long before the glutes (0: together)."""


@dataclass
class ComparisonRecording:
    """Pipeline outputs of a scripted comparison, (samples, channels), and its truth."""

    band_uv: np.ndarray
    envelope_uv: np.ndarray
    pct_mvc: np.ndarray
    quality: np.ndarray
    spans: dict[str, tuple[int, int]]
    """Variation name -> (first sample, end sample) of its block."""
    rep_onsets: list[int]
    """True onset sample of the glutes in every rep, in order."""
    patient: VirtualPatient
    rate_hz: float = RATE_HZ
    channels: tuple[ChannelInfo, ...] = GLUTE_CHANNELS


def comparison_script(variations: Sequence[VariationTruth], seed: int, *, work_s: float = 2.0,
                      rest_s: float = 3.0, lead_in_s: float = 2.0
                      ) -> tuple[Script, dict[str, tuple[float, float]]]:
    """The script and each variation's (start s, end s)."""
    rng = np.random.default_rng(seed)
    segments = [Segment(lead_in_s)]
    spans: dict[str, tuple[float, float]] = {}
    t = lead_in_s
    for v in variations:
        start = t
        for _ in range(v.reps):
            level = float(np.clip(v.level + v.rep_sd * rng.standard_normal(), 0.02, 1.4))
            ham = {"hamstrings": v.hamstring_level}
            if v.hamstring_lead_s > 0:
                segments.append(Segment(v.hamstring_lead_s, ham, ramp_s=min(RAMP_S,
                                                                           v.hamstring_lead_s)))
                t += v.hamstring_lead_s
            segments.append(Segment(work_s, {"gluteus_maximus": level, **ham}, ramp_s=RAMP_S))
            segments.append(Segment(rest_s, {}, ramp_s=RAMP_S))
            t += work_s + rest_s
        # The marker comes a moment before the first rep, as a clinician's would.
        spans[v.name] = (start - rest_s / 2, t - rest_s / 2)
    return Script(tuple(segments)), spans


def record_comparison(variations: Sequence[VariationTruth], seed: int, *, snr_db: float = 30.0,
                      chunk: int = 100, lead_in_s: float = 2.0, **timing: float
                      ) -> ComparisonRecording:
    script, spans_s = comparison_script(variations, seed, lead_in_s=lead_in_s, **timing)
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=GLUTE_CHANNELS,
                                           snr_db=snr_db), script, seed=seed)
    band_uv, envelope_uv, quality = _through_pipeline(patient, script.duration_s, chunk)
    pct = envelope_uv / pipeline_mvc_uv(snr_db) * 100.0
    rate = RATE_HZ
    return ComparisonRecording(
        band_uv, envelope_uv, pct, quality,
        {name: (round(a * rate), round(b * rate)) for name, (a, b) in spans_s.items()},
        patient.true_onsets(0), patient)


def levels_pct(variations: Sequence[VariationTruth]) -> Mapping[str, float]:
    return {v.name: v.level * 100 for v in variations}


def _through_pipeline(patient: VirtualPatient, duration_s: float, chunk: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(band-passed µV, envelope µV, quality) of the patient's samples."""
    pipeline = Pipeline(PipelineConfig.for_source(SimulatedSource(patient).info))
    n = round(duration_s * patient.config.rate_hz)
    counts = patient.render(0, n).counts
    envelope, quality, band = [], [], []
    for seq, i in enumerate(range(0, n, chunk)):
        block = pipeline.process(SampleFrame("sim", seq, i, 0, counts[i:i + chunk]))
        envelope.append(block.envelope_uv)
        quality.append(block.quality)
        band.append(pipeline.last_band_uv.copy())
    return np.concatenate(band), np.concatenate(envelope), np.concatenate(quality)


@functools.cache
def pipeline_mvc_uv(snr_db: float) -> np.ndarray:
    """The pipeline's mean envelope per channel over a long maximal effort (µV)."""
    script = Script.of(Segment(MVC_S, {"gluteus_maximus": 1.0, "hamstrings": 1.0},
                               maximal=True))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=GLUTE_CHANNELS,
                                           snr_db=snr_db), script, seed=12345)
    _, envelope, _ = _through_pipeline(patient, MVC_S, 1000)
    return envelope[round(RATE_HZ):].mean(axis=0)
