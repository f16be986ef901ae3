"""Run in a child process by ``test_replay_cross_environment.py``: what numeric environment this
process got, and the digests of what the engine computes in it.

Prints one JSON object: the OpenBLAS cores and thread counts actually in use (asked of the
loaded libraries, so a setting that did not take effect shows), numpy's CPU features, the
SHA-256 of the golden session's replayed outputs, of the virtual patient's samples (which the
tests compare exactly), of the DSP pipeline's envelopes and quality flags at several rates, and
of mains flags on the edge of their threshold.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from engine.dsp import Pipeline, PipelineConfig
from engine.dsp.quality import QualityConfig, QualityMonitor
from engine.messages import SampleFrame, SourceInfo
from engine.portable_trig import sin_cos_turns
from engine.training import TrainingConfig
from replays.format import pack
from replays.headless import replay_headless
from sensors.virtual_patient import script as s
from sensors.virtual_patient.patient import PatientConfig, VirtualPatient

SESSION = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"


def _openblas() -> list[dict[str, object]]:
    """Core name and thread count of every OpenBLAS library mapped into this process."""
    libraries = []
    maps = Path("/proc/self/maps")
    paths = sorted({line.split()[-1] for line in maps.read_text().splitlines()
                    if "openblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        lib = ctypes.CDLL(path)
        found: dict[str, object] = {"library": Path(path).name}
        for what, names in (
            ("core", ("openblas_get_corename", "scipy_openblas_get_corename64_",
                      "scipy_openblas_get_corename")),
            ("threads", ("openblas_get_num_threads", "scipy_openblas_get_num_threads64_",
                         "scipy_openblas_get_num_threads")),
        ):
            for name in names:
                function = getattr(lib, name, None)
                if function is None:
                    continue
                if what == "core":
                    function.restype = ctypes.c_char_p
                    found[what] = function().decode()
                else:
                    found[what] = int(function())
                break
        libraries.append(found)
    return libraries


def _replay_digest() -> str:
    done = replay_headless(
        SESSION, lambda config: TrainingConfig.from_plain(config["training"], str(SESSION)),
        read_ahead=False,
    )
    return hashlib.sha256(b"".join(pack(r.to_list()) for r in done.outputs)).hexdigest()


def _patient_digest() -> str:
    """Samples, true activation and flags of a scripted virtual patient with every artefact."""
    script = (s.rest(1.0) + s.mvc_trials(efforts=1) + s.quad_sets(reps=1)).with_artefacts(
        s.Artefact("movement", 3.0, 0.3), s.Artefact("lift_off", 4.0, 0.2),
        s.Artefact("mains", 6.0, 0.5), s.Artefact("saturation", 7.0, 0.1),
    )
    patient = VirtualPatient(PatientConfig(fatigue_pct_per_s=0.5), script, seed=7)
    chunk = patient.render(0, round(script.duration_s * 2000))
    digest = hashlib.sha256()
    for part in (chunk.counts, chunk.activation, chunk.mdf_factor, chunk.artefacts):
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()


def _pipeline_digest() -> str:
    """Envelopes and quality flags of the virtual patient's samples through the DSP pipeline at
    the rates of the sensors myoplay supports (200 and 250 Hz take the quality monitor's direct
    mains correlation, 2 kHz its FFT), with both envelope kinds."""
    script = (s.rest(1.0) + s.quad_sets(reps=1, hold_s=2.0, rest_s=1.0)).with_artefacts(
        s.Artefact("mains", 1.5, 0.8), s.Artefact("movement", 3.0, 0.3),
    )
    digest = hashlib.sha256()
    for rate_hz, envelope in ((200.0, "linear"), (250.0, "rms"), (2000.0, "linear"),
                              (2000.0, "rms")):
        patient = VirtualPatient(PatientConfig(rate_hz=rate_hz, mains_uv=60.0), script, seed=3)
        chunk = patient.render(0, round(script.duration_s * rate_hz))
        info = SourceInfo("sim", "virtual patient", "sim", rate_hz, patient.channels,
                          dtype="<i2", scale=patient.config.adc_scale_uv)
        pipeline = Pipeline(PipelineConfig.for_source(info, envelope=envelope))
        block = pipeline.process(SampleFrame("sim", 0, 0, 0, chunk.counts))
        digest.update(block.envelope_uv.tobytes())
        digest.update(block.quality.tobytes())
    return digest.hexdigest()


def _boundary_digest() -> str:
    """Mains flags of channels whose pickup sits on the threshold to within a few units in the
    last place: which of them are flagged depends on every rounding of the mains correlation,
    so a last-bit difference anywhere in it shows here, where on real signals it rarely would.
    """
    rate_hz, channels = 2000.0, 512
    config = QualityConfig()
    monitor = QualityMonitor(config, rate_hz, channels, (50.0, 100.0, 150.0))
    t = np.arange(round(0.6 * rate_hz)) / rate_hz
    # A tone of amplitude √2·limit has an RMS of exactly the limit.
    ulps = np.arange(channels) % 17 - 8
    amplitude = config.mains_limit_uv * np.sqrt(2.0) * (1.0 + ulps * np.finfo(np.float64).eps)
    phase_turns = np.random.default_rng(11).uniform(0, 1, channels)
    sin_t = sin_cos_turns(50.0 * t[None, :] + phase_turns[:, None])[0]
    flags = monitor.assess(np.ascontiguousarray(amplitude[:, None] * sin_t), None, (0.0, 0.0))
    return hashlib.sha256(flags.tobytes()).hexdigest()


def main() -> None:
    features = np._core._multiarray_umath.__cpu_features__
    print(json.dumps({
        "openblas": _openblas(),
        "numpy_features_on": sorted(k for k, v in features.items() if v),
        "replay_sha256": _replay_digest(),
        "patient_sha256": _patient_digest(),
        "pipeline_sha256": _pipeline_digest(),
        "boundary_sha256": _boundary_digest(),
    }))


if __name__ == "__main__":
    sys.exit(main())
