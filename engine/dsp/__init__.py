"""Streaming EMG signal processing: filters, envelopes and the pipeline that chains them.

Typical use::

    pipeline = Pipeline(PipelineConfig.for_source(source.info, mains_hz=50))
    block = pipeline.process(frame)        # -> ProcessedBlock (envelope_uv, pct_mvc, quality)
    block = pipeline.gap(gap)              # missing samples, flagged GAP
    pipeline.set_calibration(calibration)  # %MVC from the next sample on
"""

from engine.dsp.envelope import LinearEnvelope, MovingRms
from engine.dsp.filters import SosCascade, band_edges_hz, design_bandpass, design_notches
from engine.dsp.pipeline import Pipeline, PipelineConfig

__all__ = [
    "LinearEnvelope",
    "MovingRms",
    "Pipeline",
    "PipelineConfig",
    "SosCascade",
    "band_edges_hz",
    "design_bandpass",
    "design_notches",
]
