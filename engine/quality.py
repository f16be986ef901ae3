"""Per-sample signal-quality flags, so feedback is gated on quality instead of rewarding noise.

Two kinds of check:

- per sample, at once: non-finite samples (NaN/inf) and samples at the converter's rails;
- per window of ``window_s`` (windows counted in samples from the stream's first sample, so
  chunking never changes them): flat line, mains power, electrode lift-off (a broadband burst or
  a jump of the electrode offset) and movement (a smaller offset jump).

A window's verdict is applied from the sample after it ends and is held for ``hold_s``: the
envelope needs that long to forget an artefact, and holding stops flags flickering. Detection
latency is therefore at most two windows (100 ms at the default 50 ms). Mains pickup is judged
over 0.2 s spans and must persist for two of them (it is not an emergency, and strong EMG puts
power at mains frequencies too).
"""

from __future__ import annotations

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
    flat_rms_uv: float = 0.0
    """A window whose sample-to-sample change has at most this RMS is a flat line (a dead or
    railed channel); 0 means exactly constant."""
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


#: Mains pickup is measured over this span: whole cycles of 50 and 60 Hz (so an electrode
#: offset does not leak in) and long enough that EMG near mains averages out.
MAINS_SPAN_S = 0.2
#: Offsets of the frequencies (whole cycles over MAINS_SPAN_S) that measure the EMG beside each
#: mains line.
MAINS_NEIGHBOURS_HZ = (-20.0, -10.0, 10.0, 20.0)
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
        # Mains is measured by correlating with cos/sin at each mains frequency and at its
        # neighbours (MAINS_NEIGHBOURS_HZ away) over consecutive spans of MAINS_SPAN_S (whole
        # windows); each window adds its share, so no span is ever buffered.
        probes = [(f, *(f + d for d in MAINS_NEIGHBOURS_HZ)) for f in mains]
        freqs = np.asarray([p for p in probes if max(p) < rate_hz / 2], dtype=np.float64)
        self._probes_per_line = 1 + len(MAINS_NEIGHBOURS_HZ)
        self._span_windows = max(1, round(MAINS_SPAN_S / config.window_s))
        span_n = self._span_windows * self.window_n
        phase = 2 * np.pi * np.outer(np.arange(span_n), freqs.reshape(-1)) / rate_hz
        self._mains_basis = np.ascontiguousarray(
            np.hstack([np.cos(phase), np.sin(phase)]) * (2 / span_n)
        )
        self._mains_sum = np.zeros((n_channels, self._mains_basis.shape[1]))
        self._mains_bad = np.zeros(n_channels, dtype=bool)
        self._mains_suspect = np.zeros(n_channels, dtype=bool)
        self._span_index = 0
        self._n_channels = n_channels
        self._buffer = np.empty((n_channels, self.window_n))
        self._fill = 0
        self._window_hits = np.zeros(n_channels, dtype=np.uint8)
        self._previous_mean: list[float] | None = None
        self._recent: list[list[int]] = [[0] * n_channels for _ in range(hold_windows)]
        self._recent_next = 0
        self._active = np.zeros(n_channels, dtype=np.uint8)
        # Thresholds on sums, so a window costs no square roots or divisions.
        steps = self.window_n - 1
        self._flat_limit = 2 * steps * config.flat_rms_uv**2
        self._broadband_limit = 2 * steps * config.lift_off_broadband_uv**2
        self._inv_n = 1.0 / self.window_n

    def restart(self) -> None:
        """Start windows afresh (after a gap): the partial window and the offset memory go."""
        self._fill = 0
        self._window_hits.fill(0)
        self._previous_mean = None
        self._mains_sum.fill(0.0)
        self._span_index = 0
        self._mains_suspect.fill(False)

    def assess(
        self, raw_uv: FloatArray, nonfinite: BoolArray | None, extremes: tuple[float, float]
    ) -> FlagArray:
        """Flags for ``raw_uv`` (channels, samples); ``nonfinite`` marks samples that were NaN/inf
        and ``extremes`` are ``raw_uv``'s lowest and highest values (the caller has them).

        Returns a (channels, samples) uint8 array of :class:`QualityFlag` bits.
        """
        n = raw_uv.shape[1]
        flags = np.empty((self._n_channels, n), dtype=np.uint8)
        immediate = self._immediate(raw_uv, nonfinite, extremes)
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

    def _immediate(
        self, raw_uv: FloatArray, nonfinite: BoolArray | None, extremes: tuple[float, float]
    ) -> FlagArray | None:
        rails = self.config.rails_uv
        railed = rails is not None and (extremes[0] <= rails[0] or extremes[1] >= rails[1])
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
        step = window[:, 1:] - window[:, :-1]
        energies = np.einsum("ij,ij->i", step, step).tolist()
        means = (np.add.reduce(window, axis=1) * self._inv_n).tolist()
        if self._mains_basis.shape[1]:
            self._update_mains(window)
        # A handful of channels: plain Python decides faster than a dozen tiny numpy calls.
        previous = self._previous_mean
        mains_bad = self._mains_bad.tolist()
        verdict = self._window_hits.tolist()
        for c, energy in enumerate(energies):
            flags = verdict[c]
            if energy <= self._flat_limit:
                flags |= QualityFlag.FLAT
            lift_off = energy > self._broadband_limit
            if previous is not None:
                jump = abs(means[c] - previous[c])
                if jump > cfg.lift_off_step_uv:
                    lift_off = True
                elif jump > cfg.movement_step_uv and not lift_off:
                    flags |= QualityFlag.MOVEMENT
            if lift_off:
                flags |= QualityFlag.LIFT_OFF
            if mains_bad[c]:
                flags |= QualityFlag.MAINS
            verdict[c] = flags
        self._previous_mean = means
        self._recent[self._recent_next] = verdict
        self._recent_next = (self._recent_next + 1) % len(self._recent)
        held = [0] * len(verdict)
        for past in self._recent:
            held = [h | v for h, v in zip(held, past, strict=True)]
        self._active = np.array(held, dtype=np.uint8)
        self._window_hits.fill(0)
        self._fill = 0

    def _update_mains(self, window: FloatArray) -> None:
        rows = slice(self._span_index * self.window_n, (self._span_index + 1) * self.window_n)
        self._mains_sum += window @ self._mains_basis[rows]
        self._span_index += 1
        if self._span_index < self._span_windows:
            return
        half = self._mains_sum.shape[1] // 2
        power = 0.5 * (self._mains_sum[:, :half] ** 2 + self._mains_sum[:, half:] ** 2)
        power = power.reshape(power.shape[0], -1, self._probes_per_line)
        mains_power = power[:, :, 0].sum(axis=1)
        neighbour_power = power[:, :, 1:].mean(axis=2).sum(axis=1)
        # A strong contraction puts EMG power at mains frequencies too; pickup is a line
        # standing well above the spectrum beside it, span after span.
        excessive = (mains_power > self.config.mains_limit_uv**2) & (
            mains_power > MAINS_LINE_RATIO * neighbour_power
        )
        self._mains_bad = excessive & self._mains_suspect
        self._mains_suspect = excessive
        self._mains_sum.fill(0.0)
        self._span_index = 0


def describe(mask: int) -> str:
    """Name the problems in a :class:`QualityFlag` mask for a user ("good" when none)."""
    if not mask:
        return "good"
    names = ((flag.name or "").lower().replace("_", "-") for flag in QualityFlag if flag & mask)
    return ", ".join(names)
