"""Per-sample signal-quality flags, so feedback is gated on quality instead of rewarding noise.

Two kinds of check:

- per sample, at once: non-finite samples (NaN/inf) and samples at the converter's rails;
- per window of ``window_s`` (windows counted in samples from the stream's first sample, so
  chunking never changes them): flat line, mains power, electrode lift-off (a broadband burst or
  a jump of the electrode offset) and movement (a smaller offset jump).

A window's verdict is applied from the sample after it ends and is held for ``hold_s``: the
envelope needs that long to forget an artefact, and holding stops flags flickering. Detection
latency is therefore at most two windows (100 ms at the default 50 ms).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.dsp.filters import FloatArray
from engine.errors import ConfigError
from engine.messages import QualityFlag

BoolArray = npt.NDArray[np.bool_]
FlagArray = npt.NDArray[np.uint8]

_SATURATED = np.uint8(QualityFlag.SATURATED)
_FLAT = np.uint8(QualityFlag.FLAT)
_MAINS = np.uint8(QualityFlag.MAINS)
_LIFT_OFF = np.uint8(QualityFlag.LIFT_OFF)
_NONFINITE = np.uint8(QualityFlag.NONFINITE)
_MOVEMENT = np.uint8(QualityFlag.MOVEMENT)


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Thresholds of the quality checks (µV refer to the raw signal after scaling).

    The defaults suit surface EMG with a skin-prepared bipolar electrode: resting noise of a few
    µV, mains pickup of a few tens of µV, physiological amplitudes below about 2 mV.
    """

    window_s: float = 0.05
    hold_s: float = 0.2
    rails_uv: tuple[float, float] | None = None
    """Lowest and highest value the converter can report; None when unknown (float sources)."""
    flat_range_uv: float = 0.0
    """A window whose peak-to-peak range is at most this is a flat line (dead channel)."""
    mains_limit_uv: float = 100.0
    """RMS of the mains component (fundamental + harmonics, measured over 0.2 s) above which
    pickup is excessive: the notches remove a few tens of µV cleanly, hundreds leak and often
    come with a loose electrode."""
    lift_off_broadband_uv: float = 1000.0
    """RMS of the first difference / √2 above which a window is a broadband burst."""
    lift_off_step_uv: float = 1500.0
    """A jump of the window mean beyond this is the electrode offset moving: lift-off."""
    movement_step_uv: float = 300.0
    """A smaller jump of the window mean beyond this is a movement artefact."""

    def to_plain(self) -> dict[str, object]:
        return {
            "window_s": self.window_s,
            "hold_s": self.hold_s,
            "rails_uv": list(self.rails_uv) if self.rails_uv is not None else None,
            "flat_range_uv": self.flat_range_uv,
            "mains_limit_uv": self.mains_limit_uv,
            "lift_off_broadband_uv": self.lift_off_broadband_uv,
            "lift_off_step_uv": self.lift_off_step_uv,
            "movement_step_uv": self.movement_step_uv,
        }


#: Mains pickup is measured over this span: whole cycles of 50 and 60 Hz (so an electrode
#: offset does not leak in) and long enough that EMG near mains averages out.
MAINS_SPAN_S = 0.2
#: Neighbouring frequencies (whole cycles over MAINS_SPAN_S) that measure the EMG beside mains.
MAINS_NEIGHBOUR_HZ = 10.0
#: Mains power must exceed its neighbours' by this factor to count as pickup.
MAINS_LINE_RATIO = 10.0


class QualityMonitor:
    """Streaming quality flags for raw µV samples laid out (channels, samples)."""

    def __init__(
        self,
        config: QualityConfig,
        rate_hz: float,
        n_channels: int,
        mains_freqs_hz: tuple[float, ...],
    ) -> None:
        self.config = config
        self.window_n = max(4, round(config.window_s * rate_hz))
        hold_windows = max(1, round(config.hold_s / config.window_s))
        mains = tuple(f for f in mains_freqs_hz if f < rate_hz / 2)
        if config.mains_limit_uv <= 0 or config.lift_off_step_uv <= config.movement_step_uv:
            raise ConfigError(
                "quality thresholds must be positive and lift-off step above movement step"
            )
        # Correlation with e^{-iωn} per window at each mains frequency and at its neighbours
        # ±MAINS_NEIGHBOUR_HZ; windows' sums combine over MAINS_SPAN_S.
        probes = [(f, f - MAINS_NEIGHBOUR_HZ, f + MAINS_NEIGHBOUR_HZ) for f in mains]
        probes = [p for p in probes if p[2] < rate_hz / 2]
        self._mains_omega = 2 * np.pi * np.asarray(probes, dtype=np.float64).reshape(-1) / rate_hz
        self._mains_basis = np.exp(-1j * np.outer(np.arange(self.window_n), self._mains_omega))
        self._mains_recent: deque[npt.NDArray[np.complex128]] = deque(
            maxlen=max(1, round(MAINS_SPAN_S / config.window_s))
        )
        self._window_start = 0
        self._n_channels = n_channels
        self._buffer = np.empty((n_channels, self.window_n))
        self._fill = 0
        self._window_hits = np.zeros(n_channels, dtype=np.uint8)
        self._previous_mean: FloatArray | None = None
        self._recent: deque[FlagArray] = deque(maxlen=hold_windows)
        self._active = np.zeros(n_channels, dtype=np.uint8)

    def restart(self) -> None:
        """Start windows afresh (after a gap): the partial window and the offset memory go."""
        self._fill = 0
        self._window_hits.fill(0)
        self._previous_mean = None
        self._mains_recent.clear()

    def assess(self, raw_uv: FloatArray, nonfinite: BoolArray | None) -> FlagArray:
        """Flags for ``raw_uv`` (channels, samples); ``nonfinite`` marks samples that were NaN/inf.

        Returns a (channels, samples) uint8 array of :class:`QualityFlag` bits.
        """
        n = raw_uv.shape[1]
        flags = np.empty((self._n_channels, n), dtype=np.uint8)
        immediate = self._immediate(raw_uv, nonfinite)
        pos = 0
        while pos < n:
            take = min(n - pos, self.window_n - self._fill)
            stop = pos + take
            flags[:, pos:stop] = self._active[:, None]
            self._buffer[:, self._fill : self._fill + take] = raw_uv[:, pos:stop]
            if immediate is not None:
                self._window_hits |= np.bitwise_or.reduce(immediate[:, pos:stop], axis=1)
            self._fill += take
            pos = stop
            if self._fill == self.window_n:
                self._close_window()
        if immediate is not None:
            flags |= immediate
        return flags

    def _immediate(self, raw_uv: FloatArray, nonfinite: BoolArray | None) -> FlagArray | None:
        rails = self.config.rails_uv
        railed = rails is not None and (raw_uv.min() <= rails[0] or raw_uv.max() >= rails[1])
        if not railed and nonfinite is None:
            return None
        out = np.zeros(raw_uv.shape, dtype=np.uint8)
        if railed and rails is not None:
            out[(raw_uv <= rails[0]) | (raw_uv >= rails[1])] = _SATURATED
        if nonfinite is not None:
            out[nonfinite] |= _NONFINITE
        return out

    def _close_window(self) -> None:
        cfg = self.config
        window = self._buffer
        verdict = self._window_hits.copy()
        mean = window.mean(axis=1)
        verdict[window.max(axis=1) - window.min(axis=1) <= cfg.flat_range_uv] |= _FLAT
        if self._mains_omega.size:
            phase = np.exp(-1j * self._mains_omega * self._window_start)
            self._mains_recent.append((window @ self._mains_basis) * phase)
            if len(self._mains_recent) == self._mains_recent.maxlen:
                n_span = self.window_n * len(self._mains_recent)
                amplitude = 2 * np.abs(np.sum(self._mains_recent, axis=0)) / n_span
                power = (0.5 * amplitude**2).reshape(amplitude.shape[0], -1, 3)
                mains_power = power[:, :, 0].sum(axis=1)
                neighbour_power = 0.5 * power[:, :, 1:].sum(axis=(1, 2))
                # A strong contraction puts EMG power at mains frequencies too; pickup is a line
                # standing well above the spectrum beside it.
                excessive = (mains_power > cfg.mains_limit_uv**2) & (
                    mains_power > MAINS_LINE_RATIO * neighbour_power
                )
                verdict[excessive] |= _MAINS
        step = np.diff(window, axis=1)
        broadband = np.sqrt(0.5 * np.einsum("ij,ij->i", step, step) / step.shape[1])
        lift_off = broadband > cfg.lift_off_broadband_uv
        if self._previous_mean is not None:
            jump = np.abs(mean - self._previous_mean)
            lift_off |= jump > cfg.lift_off_step_uv
            verdict[(jump > cfg.movement_step_uv) & ~lift_off] |= _MOVEMENT
        verdict[lift_off] |= _LIFT_OFF
        self._previous_mean = mean
        self._recent.append(verdict)
        self._active = np.bitwise_or.reduce(np.stack(self._recent), axis=0)
        self._window_hits.fill(0)
        self._fill = 0
        self._window_start += self.window_n


def describe(mask: int) -> str:
    """Name the problems in a :class:`QualityFlag` mask for a user ("good" when none)."""
    if not mask:
        return "good"
    names = ((flag.name or "").lower().replace("_", "-") for flag in QualityFlag if flag & mask)
    return ", ".join(names)
