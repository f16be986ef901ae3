"""Causal muscle onset and offset detection on band-passed EMG.

Conditioning is the rectified signal (default) or the Teager–Kaiser energy operator
ψ[n] = x[n]² − x[n+1]·x[n−1] (evaluated one sample late, so it is causal), followed by a short
low-pass. TKEO weighs amplitude *and* frequency, which is what makes it shine against
low-frequency contamination (ECG, movement; Solnik et al. 2008). Against a white amplifier noise
floor it does the opposite: it lifts the noise, which has more high-frequency power than EMG
(most of it at 50–150 Hz). On the virtual patient at 20 dB SNR (white noise floor), rectified
conditioning with a 20 Hz low-pass gives ~15 ms mean error where TKEO gives ~22 ms at the same
false-onset rate, hence the default; choose TKEO for recordings with ECG or movement artefact.

Detection is a double threshold with hysteresis taken from a resting recording: on above
``mean + on_sd·sd`` for ``min_on_s`` (the confirmation hold), off below ``mean + off_sd·sd`` for
``min_off_s``, and no new onset within ``refractory_s`` of an offset. The reported onset is the
first sample of the confirmed run, moved back by the conditioning delay; it is *known*
``min_on_s`` later (``detected_index``), which is the decision latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from engine.dsp.filters import FloatArray, SosCascade, design_lowpass, group_delay_s
from engine.errors import ConfigError, SignalError

Conditioning = Literal["tkeo", "rectified"]


@dataclass(frozen=True, slots=True)
class OnsetConfig:
    """Detector settings; thresholds are in resting standard deviations above the resting mean."""

    conditioning: Conditioning = "rectified"
    smoothing_hz: float = 20.0
    on_sd: float = 5.0
    off_sd: float = 2.5
    min_on_s: float = 0.025
    min_off_s: float = 0.1
    refractory_s: float = 0.2


@dataclass(frozen=True, slots=True)
class Transition:
    """A muscle switching on or off at sample ``index``, decided at ``detected_index``."""

    channel: int
    kind: Literal["onset", "offset"]
    index: int
    detected_index: int


class _Conditioner:
    """Streaming TKEO (or rectification) and smoothing, state carried between chunks."""

    def __init__(self, config: OnsetConfig, rate_hz: float, n_channels: int) -> None:
        self._tkeo = config.conditioning == "tkeo"
        if config.conditioning not in ("tkeo", "rectified"):
            raise ConfigError(f"unknown onset conditioning {config.conditioning!r}")
        sos = design_lowpass(rate_hz, config.smoothing_hz, 2)
        self._smooth = SosCascade(sos, n_channels)
        self._history = np.zeros((n_channels, 2))
        delay_samples = group_delay_s(sos, 1.0, rate_hz) * rate_hz + (1 if self._tkeo else 0)
        self.delay_samples = round(delay_samples)

    def process(self, band_uv: FloatArray) -> FloatArray:
        """(channels, samples) band-passed µV → conditioned (channels, samples)."""
        if self._tkeo:
            joined = np.concatenate([self._history, band_uv], axis=1)
            # ψ for the sample before each new one: x[n-1]² − x[n]·x[n-2].
            out = np.abs(joined[:, 1:-1] ** 2 - joined[:, 2:] * joined[:, :-2])
            self._history = joined[:, -2:].copy()
        else:
            out = np.abs(band_uv)
        out = np.ascontiguousarray(out)
        self._smooth.process(out)
        return out


def _confirmed_run(
    mask: npt.NDArray[np.bool_], need: int, carried: int
) -> tuple[int | None, int]:
    """First position where a run of True reaches ``need`` (continuing ``carried`` Trues from
    before ``mask``): returns (run start relative to ``mask``, may be negative; run length left
    over at the end)."""
    n = mask.shape[0]
    if n == 0:
        return None, carried
    positions = np.arange(n)
    last_false = np.maximum.accumulate(np.where(mask, -1, positions))
    run = positions - last_false
    run[last_false == -1] += carried
    hits = np.flatnonzero(run >= need)
    if hits.size:
        p = int(hits[0])
        return p - int(run[p]) + 1, 0
    return None, int(run[-1])


class OnsetDetector:
    """Streaming onset/offset detection for every channel of band-passed EMG.

    Build it from a resting recording with :meth:`from_rest`, then feed consecutive chunks of
    band-passed µV (samples, channels) with their first sample index. Chunking never changes
    the result.
    """

    def __init__(
        self,
        rate_hz: float,
        on_threshold: FloatArray,
        off_threshold: FloatArray,
        config: OnsetConfig | None = None,
    ) -> None:
        self.config = config or OnsetConfig()
        self.rate_hz = rate_hz
        n_channels = on_threshold.shape[0]
        self._conditioner = _Conditioner(self.config, rate_hz, n_channels)
        self.on_threshold = on_threshold
        self.off_threshold = off_threshold
        self._min_on = max(1, round(self.config.min_on_s * rate_hz))
        self._min_off = max(1, round(self.config.min_off_s * rate_hz))
        self._refractory = round(self.config.refractory_s * rate_hz)
        self._active = [False] * n_channels
        self._carried = [0] * n_channels
        self._quiet_until = [0] * n_channels
        self._next_index: int | None = None

    @property
    def delay_s(self) -> float:
        """Conditioning delay subtracted from reported onsets."""
        return self._conditioner.delay_samples / self.rate_hz

    @classmethod
    def from_rest(
        cls, rest_band_uv: FloatArray, rate_hz: float, config: OnsetConfig | None = None
    ) -> OnsetDetector:
        """Thresholds from a resting recording (samples, channels) of band-passed µV.

        The first 0.1 s is skipped while the conditioning filter settles.
        """
        config = config or OnsetConfig()
        skip = round(0.1 * rate_hz)
        if rest_band_uv.shape[0] < skip + round(0.5 * rate_hz):
            raise SignalError("onset thresholds need at least 0.6 s of rest")
        conditioner = _Conditioner(config, rate_hz, rest_band_uv.shape[1])
        conditioned = conditioner.process(np.ascontiguousarray(rest_band_uv.T))[:, skip:]
        mean, sd = conditioned.mean(axis=1), conditioned.std(axis=1)
        return cls(rate_hz, mean + config.on_sd * sd, mean + config.off_sd * sd, config)

    def process(self, band_uv: FloatArray, first_index: int) -> list[Transition]:
        """Transitions decided within this chunk of band-passed µV (samples, channels)."""
        if self._next_index is not None and first_index != self._next_index:
            raise SignalError(
                f"onset detector expected sample {self._next_index}, got {first_index}"
            )
        self._next_index = first_index + band_uv.shape[0]
        conditioned = self._conditioner.process(np.ascontiguousarray(band_uv.T))
        delay = self._conditioner.delay_samples
        found: list[Transition] = []
        for c in range(conditioned.shape[0]):
            row = conditioned[c]
            pos = 0
            while pos < row.shape[0]:
                start_abs = first_index + pos
                if self._active[c]:
                    mask = row[pos:] < self.off_threshold[c]
                    need, kind = self._min_off, "offset"
                else:
                    quiet = self._quiet_until[c] - start_abs
                    if quiet > 0:
                        pos += min(quiet, row.shape[0] - pos)
                        continue
                    mask = row[pos:] > self.on_threshold[c]
                    need, kind = self._min_on, "onset"
                run_start, self._carried[c] = _confirmed_run(mask, need, self._carried[c])
                if run_start is None:
                    break
                index = start_abs + run_start
                detected = index + need - 1
                self._active[c] = not self._active[c]
                if kind == "offset":
                    self._quiet_until[c] = index + self._refractory
                found.append(
                    Transition(c, "onset" if kind == "onset" else "offset", index - delay, detected)
                )
                pos = detected - first_index + 1
        found.sort(key=lambda t: (t.detected_index, t.channel))
        return found
