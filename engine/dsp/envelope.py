"""Amplitude envelopes of band-passed EMG: the linear envelope and the moving RMS.

Both are streaming: state is carried between calls, so chunking never changes the result.
Their delay is what the player feels, so the defaults favour latency (see
:class:`~engine.dsp.pipeline.PipelineConfig`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import signal

from engine.dsp.filters import FloatArray, SosCascade, design_lowpass, group_delay_s
from engine.dsp.settling import lowpass_settling_samples
from engine.errors import ConfigError

#: Frequency at which an envelope's delay is quoted: the envelope of a held contraction moves
#: slowly, so its low-frequency group delay is the lag a player sees.
ENVELOPE_DELAY_FREQ_HZ = 1.0

_FIR_DENOMINATOR = np.array([1.0, 0.0])


class LinearEnvelope:
    """Full-wave rectification followed by a Butterworth low-pass (the "linear envelope")."""

    def __init__(self, rate_hz: float, cutoff_hz: float, order: int, n_channels: int) -> None:
        self._lowpass = SosCascade(design_lowpass(rate_hz, cutoff_hz, order), n_channels)
        self._rate_hz = rate_hz
        self.delay_s = group_delay_s(self._lowpass.sos, ENVELOPE_DELAY_FREQ_HZ, rate_hz)

    @property
    def sos(self) -> FloatArray:
        return self._lowpass.sos

    def reset(self) -> None:
        self._lowpass.reset()

    def restart(self, channels: npt.NDArray[np.bool_]) -> None:
        """Forget the past of the ``channels`` marked True (their envelope starts from zero)."""
        self._lowpass.restart(channels, np.zeros(channels.shape))

    @property
    def settling_n(self) -> int:
        """Samples until the envelope, restarted from zero, follows its input (within 2 %)."""
        return lowpass_settling_samples(self._lowpass.sos, self._rate_hz)

    def process(self, band_uv: FloatArray) -> FloatArray:
        """Envelope of ``band_uv`` (channels, samples) in µV, as a new array."""
        out = np.abs(band_uv)
        self._lowpass.process(out)
        return out


class MovingRms:
    """Root of the mean square over the last ``window_n`` samples (a causal boxcar)."""

    def __init__(self, rate_hz: float, window_s: float, n_channels: int) -> None:
        self.window_n = round(window_s * rate_hz)
        if self.window_n < 2:
            raise ConfigError(f"an RMS window of {window_s:g} s is under two samples")
        self.taps: FloatArray = np.full(self.window_n, 1.0 / self.window_n)
        self._zi: FloatArray = np.zeros((n_channels, self.window_n - 1))
        self.delay_s = (self.window_n - 1) / 2 / rate_hz

    def reset(self) -> None:
        self._zi.fill(0.0)

    def restart(self, channels: npt.NDArray[np.bool_]) -> None:
        """Forget the past of the ``channels`` marked True (their window starts empty)."""
        self._zi[channels] = 0.0

    @property
    def settling_n(self) -> int:
        """Samples until the RMS, restarted empty, covers a whole window again."""
        return self.window_n

    def process(self, band_uv: FloatArray) -> FloatArray:
        """Moving RMS of ``band_uv`` (channels, samples) in µV, as a new array."""
        # A denominator of [1, 0] rather than [1] keeps scipy on its compiled direct-form loop:
        # with a one-term denominator lfilter convolves through numpy, whose dot product is the
        # BLAS kernel's and rounds differently from machine to machine.
        mean_square, self._zi = signal.lfilter(
            self.taps, _FIR_DENOMINATOR, band_uv * band_uv, axis=1, zi=self._zi
        )
        # The boxcar of non-negative values can round to a hair below zero.
        rms: FloatArray = np.sqrt(np.maximum(mean_square, 0.0))
        return rms


Envelope = LinearEnvelope | MovingRms
