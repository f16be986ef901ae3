"""Quality thresholds in each source's unit: a Myo (counts) gets movement, lift-off and mains
flags; µV sources keep exactly the thresholds they had (recordings replay to the same bits)."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pytest

from engine.dsp import Pipeline, PipelineConfig
from engine.dsp.quality import QualityConfig
from engine.dsp.quality_units import NOMINAL_FULL_SCALE_UV, quality_for_source, units_per_uv
from engine.errors import ConfigError
from engine.messages import QualityFlag, SampleFrame, SourceInfo
from sensors.ble.diy import DiyInfo, DiyProfile
from sensors.ble.ganglion import UV_PER_COUNT, GanglionProfile
from sensors.ble.myo import MyoProfile
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient

MYO = MyoProfile().info("myo-1", "Myo")
RATE = MYO.rate_hz
ARTEFACT_AT_S = 3.0
MOVEMENT, LIFT_OFF, MAINS, CLEAN = 0, 1, 2, 3


def myo_counts(seed: int) -> npt.NDArray[np.int8]:
    """Eight channels of resting Myo-like counts (noise of ~2 counts) with one artefact each on
    channels 0–2: an electrode offset step of 30 counts for 0.3 s (movement), one of 100 counts
    for 0.5 s (lift-off), and 50 Hz pickup of 12 counts amplitude from 2 s on (mains)."""
    n = int(6 * RATE)
    x = np.random.default_rng(seed).normal(0.0, 2.0, (n, MYO.n_channels))
    start = int(ARTEFACT_AT_S * RATE)
    x[start : start + int(0.3 * RATE), MOVEMENT] += 30.0
    x[start : start + int(0.5 * RATE), LIFT_OFF] += 100.0
    t = np.arange(n) / RATE
    x[int(2 * RATE) :, MAINS] += 12.0 * np.sin(2 * np.pi * 50.0 * t[int(2 * RATE) :] + 0.8)
    return np.clip(np.rint(x), -127, 126).astype(np.int8)


def flags(quality: QualityConfig, seed: int) -> npt.NDArray[np.uint8]:
    config = PipelineConfig.for_source(MYO, mains_hz=50.0, quality=quality)
    frame = SampleFrame(MYO.source_id, 0, 0, 0, myo_counts(seed))
    return np.asarray(Pipeline(config).process(frame).quality)


def first_after(quality: npt.NDArray[np.uint8], channel: int, flag: QualityFlag,
                from_s: float) -> float:
    hits = np.flatnonzero(quality[:, channel] & flag)
    hits = hits[hits >= from_s * RATE]
    assert hits.size, f"{flag.name} never flagged on channel {channel}"
    return float(hits[0] / RATE - from_s)


def test_the_myo_reports_counts_without_a_made_up_scale() -> None:
    assert (MYO.unit, MYO.scale, MYO.dtype) == ("counts", 1.0, "|i1")
    assert units_per_uv(MYO) == pytest.approx(128 / NOMINAL_FULL_SCALE_UV)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_myo_gets_movement_lift_off_and_mains_flags(seed: int) -> None:
    quality = flags(quality_for_source(MYO), seed)
    assert first_after(quality, MOVEMENT, QualityFlag.MOVEMENT, ARTEFACT_AT_S) <= 0.1
    assert first_after(quality, LIFT_OFF, QualityFlag.LIFT_OFF, ARTEFACT_AT_S) <= 0.1
    assert first_after(quality, MAINS, QualityFlag.MAINS, 2.0) <= 0.8
    assert not quality[:, CLEAN].any()
    assert not (quality[: int(2 * RATE)]).any()


def test_with_thresholds_in_uv_a_myo_could_never_be_flagged() -> None:
    """The defect this module fixes: µV limits beyond anything an int8 can reach."""
    rails_only = dataclasses.replace(QualityConfig(), rails_uv=(-128.0, 127.0))
    quality = flags(rails_only, 0)
    reachable = QualityFlag.MOVEMENT | QualityFlag.LIFT_OFF | QualityFlag.MAINS
    assert not (quality & reachable).any()


def _uv_sources() -> list[SourceInfo]:
    diy = DiyProfile()
    diy.device_info = DiyInfo(2, 1000, 0.195, ("a", "b"))
    simulated = SimulatedSource(VirtualPatient(PatientConfig(), seed=0)).info
    return [simulated, GanglionProfile().info("g", "Ganglion"), diy.info("d", "DIY")]


@pytest.mark.parametrize("info", _uv_sources(), ids=lambda info: info.kind)
def test_uv_sources_keep_their_thresholds_bit_for_bit(info: SourceInfo) -> None:
    assert info.unit == "uV"
    assert units_per_uv(info) == 1.0
    assert quality_for_source(info) == PipelineConfig.for_source(info).quality


def test_the_ganglion_scale_is_openbcis() -> None:
    assert GanglionProfile().info("g", "Ganglion").scale == UV_PER_COUNT
    assert pytest.approx(1.2e6 / (2**23 - 1) / 1.5 / 51) == UV_PER_COUNT


def test_a_unit_without_a_conversion_is_one_clear_error() -> None:
    odd = dataclasses.replace(MYO, unit="furlongs")
    with pytest.raises(ConfigError, match=r"source 'myo-1': no quality thresholds for samples in "
                       r"'furlongs'.*allowed: V, mV, uV, or 'counts'"):
        quality_for_source(odd)
    float_counts = dataclasses.replace(MYO, dtype="<f4")
    with pytest.raises(ConfigError, match="integer sample type"):
        quality_for_source(float_counts)
