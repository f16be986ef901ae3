"""Run a virtual patient through the pipeline, for tests that score the pipeline against truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.dsp import Pipeline, PipelineConfig
from engine.messages import ProcessedBlock, SampleFrame
from sensors.simulated import SimulatedSource
from sensors.virtual_patient import PatientConfig, VirtualPatient
from sensors.virtual_patient.script import Script


@dataclass
class Session:
    patient: VirtualPatient
    pipeline: Pipeline
    blocks: list[ProcessedBlock]
    band_uv: np.ndarray

    @property
    def envelope_uv(self) -> np.ndarray:
        return np.concatenate([b.envelope_uv for b in self.blocks])

    @property
    def quality(self) -> np.ndarray:
        return np.concatenate([b.quality for b in self.blocks])


def run_session(
    script: Script, *, seed: int = 0, chunk: int = 40, config: PatientConfig | None = None
) -> Session:
    patient = VirtualPatient(config or PatientConfig(snr_db=20), script, seed=seed)
    pipeline = Pipeline(PipelineConfig.for_source(SimulatedSource(patient).info))
    n = round(script.duration_s * patient.config.rate_hz)
    counts = patient.render(0, n).counts
    blocks, bands = [], []
    for seq, i in enumerate(range(0, n, chunk)):
        blocks.append(pipeline.process(SampleFrame("sim", seq, i, 0, counts[i : i + chunk])))
        bands.append(pipeline.last_band_uv.copy())
    return Session(patient, pipeline, blocks, np.concatenate(bands))
