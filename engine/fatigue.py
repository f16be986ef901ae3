"""Muscle fatigue from the EMG spectrum: median frequency on sliding windows and its trend.

During a sustained contraction (25–100 % MVC) conduction velocity falls and the whole spectrum
compresses, so the median frequency (MDF) falls roughly linearly. MDF is preferred to mean
frequency: it is less sensitive to noise below 10 dB SNR. The trend is reported as a slope in %
of the starting value per second, so muscles and people with different fresh spectra compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import fft

from engine.dsp.filters import FloatArray
from engine.errors import SignalError
from engine.portable_trig import sin_cos_turns

#: Welch segment length: 0.25 s gives 4 Hz resolution, fine enough for MDFs of 50–150 Hz.
SEGMENT_S = 0.25


def median_frequency_hz(
    band_uv: FloatArray, rate_hz: float, band_hz: tuple[float, float], segment_s: float = SEGMENT_S
) -> FloatArray:
    """Median frequency per channel of ``band_uv`` (samples, channels), within ``band_hz``.

    Welch's method (Hann, 50 % overlap); the median is interpolated between frequency bins.
    """
    n = band_uv.shape[0]
    nperseg = min(n, round(segment_s * rate_hz))
    if nperseg < 16:
        raise SignalError(f"{n} samples are too few for a spectrum")
    freqs, psd = _welch(band_uv, rate_hz, nperseg)
    inside = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    freqs, psd = freqs[inside], psd[inside]
    # Each bin's power spreads over its width: the cumulative power is known at bin edges.
    step = freqs[1] - freqs[0]
    edges = np.concatenate([[freqs[0] - step / 2], freqs + step / 2])
    cumulative = np.concatenate([np.zeros((1, psd.shape[1])), np.cumsum(psd, axis=0)])
    half = cumulative[-1] / 2
    out = np.empty(band_uv.shape[1])
    for c in range(band_uv.shape[1]):
        out[c] = np.interp(half[c], cumulative[:, c], edges)
    return out


def _welch(x: FloatArray, rate_hz: float, nperseg: int) -> tuple[FloatArray, FloatArray]:
    """Welch's power spectral density of ``x`` (samples, channels): periodic Hann window, 50 %
    overlap, each segment's mean removed, one-sided density in µV²/Hz, as ``scipy.signal.welch``
    computes it, but with the window from :mod:`engine.portable_trig` and |X|² as separate
    products (numpy's cosine and its complex multiply round by the CPU's SIMD level)."""
    step = nperseg - nperseg // 2
    starts = range(0, x.shape[0] - nperseg + 1, step)
    window = 0.5 - 0.5 * sin_cos_turns(np.arange(nperseg) / nperseg)[1]
    scale = 1.0 / (rate_hz * float(np.add.reduce(window * window)))
    total = np.zeros((nperseg // 2 + 1, x.shape[1]))
    for start in starts:
        segment = x[start : start + nperseg]
        segment = (segment - np.add.reduce(segment, axis=0) / nperseg) * window[:, None]
        spectrum = fft.rfft(segment, axis=0)
        total += spectrum.real * spectrum.real + spectrum.imag * spectrum.imag
    psd: FloatArray = total * (scale / len(starts))
    # One-sided: every bin but DC (and Nyquist for an even length) carries both halves.
    psd[1 : nperseg // 2 + (nperseg % 2)] *= 2.0
    freqs = np.arange(nperseg // 2 + 1, dtype=np.float64) * (rate_hz / nperseg)
    return freqs, psd


@dataclass(frozen=True, slots=True)
class FatigueTrend:
    """A least-squares line through MDF against time."""

    slope_pct_per_s: float
    """Slope in % of the fitted starting MDF per second (negative when fatiguing)."""
    start_hz: float
    slope_hz_per_s: float
    n_points: int


def fatigue_trend(times_s: npt.ArrayLike, mdf_hz: npt.ArrayLike) -> FatigueTrend:
    """Fit MDF = start + slope·(t − t₀); at least 3 points over ≥ 20 s are advisable."""
    t = np.asarray(times_s, dtype=np.float64)
    f = np.asarray(mdf_hz, dtype=np.float64)
    if t.shape != f.shape or t.size < 3:
        raise SignalError("a fatigue trend needs at least three (time, MDF) points")
    # Ordinary least squares in closed form, sums in numpy's fixed pairwise order (polyfit's
    # solver goes through LAPACK, whose rounding depends on the BLAS kernel).
    dt = t - t[0]
    dt_centred = dt - np.add.reduce(dt) / dt.size
    f_mean = np.add.reduce(f) / f.size
    slope = np.add.reduce(dt_centred * (f - f_mean)) / np.add.reduce(dt_centred * dt_centred)
    start = f_mean - slope * (np.add.reduce(dt) / dt.size)
    return FatigueTrend(float(100 * slope / start), float(start), float(slope), int(t.size))


@dataclass(frozen=True, slots=True)
class MdfPoint:
    channel: int
    centre_index: int
    """Sample index at the window's centre."""
    mdf_hz: float


class FatigueTracker:
    """Median frequency on sliding windows of a stream, only where the muscle is active.

    Windows of ``window_s`` every ``hop_s`` are counted from sample 0 of the stream (chunking
    never moves them). A channel's window counts only if every sample in it is marked active
    (e.g. ``pct_mvc >= 25`` and quality good); rest and artefacts would drag MDF around.
    """

    def __init__(
        self,
        rate_hz: float,
        n_channels: int,
        band_hz: tuple[float, float],
        window_s: float = 1.0,
        hop_s: float = 0.5,
    ) -> None:
        self.rate_hz = rate_hz
        self.band_hz = band_hz
        self._window_n = round(window_s * rate_hz)
        self._hop_n = round(hop_s * rate_hz)
        if not 0 < self._hop_n <= self._window_n:
            raise SignalError("the hop must be positive and no longer than the window")
        self._signal = np.zeros((0, n_channels))
        self._active = np.zeros((0, n_channels), dtype=bool)
        self._buffer_start = 0
        self._next_end = self._window_n
        self.points: list[MdfPoint] = []

    def process(
        self, band_uv: FloatArray, active: npt.NDArray[np.bool_], first_index: int
    ) -> list[MdfPoint]:
        """Take the next (samples, channels) chunk; returns the MDF points it completed."""
        if first_index != self._buffer_start + self._signal.shape[0]:
            raise SignalError(
                f"fatigue tracker expected sample {self._buffer_start + self._signal.shape[0]}, "
                f"got {first_index}"
            )
        self._signal = np.concatenate([self._signal, band_uv])
        self._active = np.concatenate([self._active, active])
        new: list[MdfPoint] = []
        end_of_data = self._buffer_start + self._signal.shape[0]
        while self._next_end <= end_of_data:
            lo = self._next_end - self._window_n - self._buffer_start
            window = self._signal[lo : lo + self._window_n]
            usable = self._active[lo : lo + self._window_n].all(axis=0)
            if usable.any():
                mdf = median_frequency_hz(window, self.rate_hz, self.band_hz)
                centre = self._next_end - self._window_n // 2
                new += [MdfPoint(int(c), centre, float(mdf[c])) for c in np.flatnonzero(usable)]
            self._next_end += self._hop_n
        keep_from = self._next_end - self._window_n - self._buffer_start
        if keep_from > 0:
            self._signal = self._signal[keep_from:]
            self._active = self._active[keep_from:]
            self._buffer_start += keep_from
        self.points += new
        return new

    def trend(self, channel: int) -> FatigueTrend:
        """The MDF trend of ``channel`` over every active window so far."""
        mine = [p for p in self.points if p.channel == channel]
        return fatigue_trend(
            [p.centre_index / self.rate_hz for p in mine], [p.mdf_hz for p in mine]
        )
