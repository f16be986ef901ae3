"""Excessive mains pickup, judged over spans of whole quality windows.

A span's mains power is its correlation with cos and sin at the mains frequency and each
harmonic in the band, compared with the same measure at neighbouring frequencies: a strong
contraction puts EMG power at 50/60 Hz too, so pickup is a line standing well above the
spectrum beside it, and above an absolute limit. It must persist for two spans in a row (it is
not an emergency, and one burst of EMG should not flag a channel).

Every number here is the same on every machine: the probes are DFT bins of one real FFT per
span when they fall on whole cycles (the usual case), otherwise element-wise products with a
table from :mod:`engine.portable_trig` summed in numpy's fixed pairwise order; never a BLAS
matrix product, whose rounding follows the CPU's kernel and thread count.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import fft

from engine.dsp.filters import FloatArray
from engine.portable_trig import sin_cos_turns

BoolArray = npt.NDArray[np.bool_]

#: Mains pickup is measured over this span: whole cycles of 50 and 60 Hz (so an electrode
#: offset does not leak in) and long enough that EMG near mains averages out.
MAINS_SPAN_S = 0.2
#: Offsets of the frequencies (whole cycles over MAINS_SPAN_S) that measure the EMG beside each
#: mains line.
MAINS_NEIGHBOURS_HZ = (-20.0, -10.0, 10.0, 20.0)
#: Mains power must exceed its neighbours' by this factor to count as pickup.
MAINS_LINE_RATIO = 10.0


class MainsPickupDetector:
    """Per window, whether mains pickup is excessive once that window is in, for windows of
    ``window_n`` samples arriving in order on ``n_channels`` channels (µV)."""

    def __init__(
        self,
        rate_hz: float,
        n_channels: int,
        window_n: int,
        windows_per_span: int,
        mains_freqs_hz: tuple[float, ...],
        limit_uv: float,
    ) -> None:
        lines = tuple(f for f in mains_freqs_hz if f < rate_hz / 2)
        probes = [(f, *(f + d for d in MAINS_NEIGHBOURS_HZ)) for f in lines]
        freqs = np.asarray([p for p in probes if max(p) < rate_hz / 2], dtype=np.float64).ravel()
        self._probes_per_line = 1 + len(MAINS_NEIGHBOURS_HZ)
        self._n_probes = freqs.size
        self._window_n = window_n
        self._per_span = windows_per_span
        span_n = windows_per_span * window_n
        self._span_n = span_n
        self._limit = limit_uv * limit_uv  # x * x: Python's float ** is the C library's pow
        cycles = freqs * span_n / rate_hz
        self._fft_bins: npt.NDArray[np.intp] | None = None
        self._basis = np.empty((0, span_n))
        if all(float(c).is_integer() for c in cycles):
            self._fft_bins = cycles.astype(np.intp)
        else:
            # One row per probe (cosines, then sines), one column per sample of a span.
            turns = freqs.reshape(-1, 1) * np.arange(span_n) / rate_hz
            sin_rows, cos_rows = sin_cos_turns(turns)
            self._basis = np.ascontiguousarray(np.vstack([cos_rows, sin_rows]))
        self._span = np.empty((n_channels, span_n))  # the windows of the current span
        self._span_fill = 0
        self._bad = np.zeros(n_channels, dtype=bool)
        self._suspect = np.zeros(n_channels, dtype=bool)

    def restart(self) -> None:
        """Start spans afresh (after a gap); a flag in force stays until the next span ends."""
        self._span_fill = 0
        self._suspect.fill(False)

    def judge(self, windows: FloatArray) -> BoolArray:
        """Per window (windows, channels) of ``windows`` (windows, channels, samples)."""
        count, channels, w = windows.shape
        bad = np.empty((count, channels), dtype=bool)
        if not self._n_probes:
            bad[:] = self._bad
            return bad
        per_span, fill = self._per_span, self._span_fill
        closing = per_span - fill - 1  # the first of these windows to complete a span
        if closing >= count:
            self._span[:, fill * w : (fill + count) * w] = _channel_major(windows)
            self._span_fill += count
            bad[:] = self._bad
            return bad
        spans_n = 1 + (count - closing - 1) // per_span
        used = closing + 1 + (spans_n - 1) * per_span
        series = np.empty((spans_n, channels, per_span * w))
        series[0, :, : fill * w] = self._span[:, : fill * w]
        series[0, :, fill * w :] = _channel_major(windows[: closing + 1])
        if spans_n > 1:
            full = windows[closing + 1 : used].reshape(spans_n - 1, per_span, channels, w)
            series[1:] = full.transpose(0, 2, 1, 3).reshape(spans_n - 1, channels, -1)
        self._span_fill = count - used
        self._span[:, : self._span_fill * w] = _channel_major(windows[used:])
        excessive = self._excessive(series)
        # Pickup must persist: a span counts when the one before it was excessive too.
        suspect = np.concatenate([self._suspect[None], excessive[:-1]])
        span_bad = excessive & suspect
        bad[:closing] = self._bad
        bad[closing:] = np.repeat(span_bad, per_span, axis=0)[: count - closing]
        self._bad = span_bad[-1]
        self._suspect = excessive[-1]
        return bad

    def _excessive(self, series: FloatArray) -> BoolArray:
        """Per span and channel: too much mains power, from ``series`` (spans, channels,
        samples), always a fresh C-ordered stack so that each span's sums come out the same
        however the stream was chunked."""
        cos_sums, sin_sums = self._correlations(series)
        # Amplitude² of each probe: (2/N)² (C² + S²), halved for the RMS of a sinusoid.
        scale = 2.0 / (self._span_n * self._span_n)
        power = scale * (cos_sums * cos_sums + sin_sums * sin_sums)
        n_spans, channels = series.shape[:2]
        power = power.reshape(n_spans, channels, -1, self._probes_per_line)
        mains_power = np.add.reduce(power[..., 0], axis=2)
        neighbours = power.shape[3] - 1
        neighbour_power = np.add.reduce(np.add.reduce(power[..., 1:], axis=3) / neighbours, axis=2)
        excessive: BoolArray = (mains_power > self._limit) & (
            mains_power > MAINS_LINE_RATIO * neighbour_power
        )
        return excessive

    def _correlations(self, series: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Σ x·cos and Σ x·sin over each span (spans, channels, probes)."""
        n_spans, channels, samples = series.shape
        if self._fft_bins is not None:
            # One span (all channels) per call: the FFT's batching of rows into SIMD lanes then
            # never depends on how many spans a block happened to close.
            spectrum = np.empty((n_spans, channels, self._n_probes), dtype=np.complex128)
            for i in range(n_spans):
                spectrum[i] = fft.rfft(series[i], axis=1)[:, self._fft_bins]
            return spectrum.real, spectrum.imag
        probes = self._basis.shape[0]
        products = np.empty((n_spans, channels, probes, samples))
        np.multiply(series[:, :, None, :], self._basis[None, None, :, :], out=products)
        sums = np.add.reduce(products, axis=3)
        return sums[:, :, : self._n_probes], sums[:, :, self._n_probes :]


def _channel_major(windows: FloatArray) -> FloatArray:
    """(windows, channels, samples) as consecutive samples per channel (channels, samples)."""
    return windows.swapaxes(0, 1).reshape(windows.shape[1], -1)
