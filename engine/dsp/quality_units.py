"""Quality thresholds in the unit each source reports, so the checks can fire on every device.

:class:`~engine.dsp.quality.QualityConfig`'s defaults are written in µV. A source says what its
samples are in (:attr:`SourceInfo.unit`, after multiplying by :attr:`SourceInfo.scale`):

- ``"uV"`` when the device's conversion to volts is published: the OpenBCI Ganglion (OpenBCI's
  scale, 1.2 V / (2²³ − 1) / 1.5 / gain 51), a DIY device (it declares its own µV per count),
  the simulated sensor and imported CSV. Thresholds are used as written (``"mV"`` and ``"V"``
  are converted exactly).
- ``"counts"`` when no conversion is published: the Myo armband's raw EMG is signed 8-bit and
  Thalmic Labs never published a µV (or gain) figure for it. Comparing such counts with µV
  thresholds meant a Myo could never reach the movement (300), lift-off (1,000/1,500) or mains
  (100) limits at all: its samples never exceed 128 in size.

For a source in counts the thresholds are converted with a *nominal* scale derived from its
converter: the full scale of its integer sample type is taken to span ±:data:`NOMINAL_FULL_SCALE_UV`
(2.5 mV), the assumption being that the front end is sized for surface EMG, whose physiological
amplitudes stay below about 2 mV (what ``QualityConfig``'s defaults assume too). For the Myo's
int8 that is 2,500 / 128 ≈ 19.5 µV per count: movement at 15.4 counts, lift-off at 51.2 (burst)
and 76.8 (step), mains at 5.1 counts RMS. The assumption only places the quality thresholds;
samples, envelopes and exports stay in counts, labelled as counts, and %MVC is a ratio of counts
to counts, so nothing shown as µV depends on it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.dsp.quality import QualityConfig
from engine.errors import ConfigError
from engine.messages import SourceInfo

UNITS_PER_UV = {"uV": 1.0, "mV": 1e-3, "V": 1e-6}
"""Exact conversions from µV for sources in a unit of volts."""
COUNTS = "counts"
"""The unit of a source whose samples have no published conversion to volts."""
NOMINAL_FULL_SCALE_UV = 2500.0
"""What the full scale of a counts source's converter is assumed to span (see the module)."""


def units_per_uv(info: SourceInfo) -> float:
    """How many of ``info``'s units (after scaling) make one µV, exact or nominal (counts)."""
    if info.unit in UNITS_PER_UV:
        return UNITS_PER_UV[info.unit]
    kind = np.dtype(info.dtype)
    if info.unit == COUNTS and kind.kind == "i":
        full_scale = -float(np.iinfo(kind).min) * info.scale
        return full_scale / NOMINAL_FULL_SCALE_UV
    allowed = ", ".join(sorted(UNITS_PER_UV)) + f", or {COUNTS!r} with an integer sample type"
    raise ConfigError(
        f"source {info.source_id!r}: no quality thresholds for samples in {info.unit!r} "
        f"({info.dtype}); allowed: {allowed}",
        hint="give the source a unit of volts, or counts from an integer converter",
    )


def quality_for_source(info: SourceInfo) -> QualityConfig:
    """The default quality checks for ``info``: thresholds in its unit, and for integer samples
    the converter's rails (its lowest and highest value, scaled)."""
    config = QualityConfig()
    per_uv = units_per_uv(info)
    if per_uv != 1.0:  # µV sources keep the written thresholds bit for bit
        config = replace(
            config,
            flat_rms_uv=config.flat_rms_uv * per_uv,
            mains_limit_uv=config.mains_limit_uv * per_uv,
            lift_off_broadband_uv=config.lift_off_broadband_uv * per_uv,
            lift_off_step_uv=config.lift_off_step_uv * per_uv,
            movement_step_uv=config.movement_step_uv * per_uv,
            slew_limit_uv_per_s=config.slew_limit_uv_per_s * per_uv,
            limit_uv=config.limit_uv * per_uv,
        )
    kind = np.dtype(info.dtype)
    if kind.kind == "i":
        limits = np.iinfo(kind)
        low, high = sorted((limits.min * info.scale, limits.max * info.scale))
        config = replace(config, rails_uv=(float(low), float(high)))
    return config
