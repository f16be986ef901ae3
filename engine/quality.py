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
from scipy import fft

from engine.dsp.filters import FloatArray
from engine.errors import ConfigError
from engine.messages import QualityFlag
from engine.portable_trig import sin_cos_turns

BoolArray = npt.NDArray[np.bool_]
FlagArray = npt.NDArray[np.uint8]

_SATURATED = np.uint8(QualityFlag.SATURATED)
_FLAT = np.uint8(QualityFlag.FLAT)
_MAINS = np.uint8(QualityFlag.MAINS)
_LIFT_OFF = np.uint8(QualityFlag.LIFT_OFF)
_NONFINITE = np.uint8(QualityFlag.NONFINITE)
_MOVEMENT = np.uint8(QualityFlag.MOVEMENT)
# The same as plain ints, for deciding in Python.
_FLAT_BIT = int(QualityFlag.FLAT)
_MAINS_BIT = int(QualityFlag.MAINS)
_LIFT_OFF_BIT = int(QualityFlag.LIFT_OFF)
_MOVEMENT_BIT = int(QualityFlag.MOVEMENT)


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


#: Blocks that close at most this many windows are judged in plain Python (see
#: ``QualityMonitor._close_windows``).
_DECIDE_IN_PYTHON = 4

#: Mains pickup is measured over this span: whole cycles of 50 and 60 Hz (so an electrode
#: offset does not leak in) and long enough that EMG near mains averages out.
MAINS_SPAN_S = 0.2
#: Offsets of the frequencies (whole cycles over MAINS_SPAN_S) that measure the EMG beside each
#: mains line.
MAINS_NEIGHBOURS_HZ = (-20.0, -10.0, 10.0, 20.0)
#: Mains power must exceed its neighbours' by this factor to count as pickup.
MAINS_LINE_RATIO = 10.0


class QualityMonitor:
    """Streaming quality flags for raw µV samples laid out (channels, samples).

    A window's numbers (step energy, mean, mains sums) come from the same vectorised code
    whether it closes alone or among many in one block: its samples are always copied into a
    C-ordered stack first, because numpy's sums depend on memory layout. The verdicts on those
    numbers are exact comparisons, made in Python for a window or two (a live stream) and with
    numpy for many (a replay). So the flags are bit-for-bit the same however the stream is
    chunked, and a long block costs a few numpy calls rather than a Python loop per window.
    """

    def __init__(
        self,
        config: QualityConfig,
        rate_hz: float,
        n_channels: int,
        mains_freqs_hz: tuple[float, ...],
    ) -> None:
        self.config = config
        self.window_n = max(4, round(config.window_s * rate_hz))
        if config.mains_limit_uv <= 0 or config.lift_off_step_uv <= config.movement_step_uv:
            raise ConfigError(
                "quality thresholds must be positive and lift-off step above movement step"
            )
        # Mains is measured by correlating each span of MAINS_SPAN_S (whole windows) with
        # cos/sin at each mains frequency and at its neighbours (MAINS_NEIGHBOURS_HZ away).
        mains = tuple(f for f in mains_freqs_hz if f < rate_hz / 2)
        probes = [(f, *(f + d for d in MAINS_NEIGHBOURS_HZ)) for f in mains]
        freqs = np.asarray([p for p in probes if max(p) < rate_hz / 2], dtype=np.float64)
        self._probes_per_line = 1 + len(MAINS_NEIGHBOURS_HZ)
        self._span_windows = max(1, round(MAINS_SPAN_S / config.window_s))
        span_n = self._span_windows * self.window_n
        # Mains power at each probe is the span's correlation with cos and sin at that
        # frequency. When every probe is a whole number of cycles per span (the usual case:
        # 0.2 s spans put 50/60 Hz and their neighbours on 5 Hz bins), those are DFT bins, and
        # one real FFT per span gives them all at a fraction of the cost of the products.
        # Either way the numbers are the same on every machine (no BLAS, no numpy sin/cos).
        cycles = freqs.reshape(-1) * span_n / rate_hz
        self._span_n = span_n
        self._fft_bins: npt.NDArray[np.intp] | None = None
        self._mains_basis = np.empty((0, span_n))
        if all(float(c).is_integer() for c in cycles):
            self._fft_bins = cycles.astype(np.intp)
        else:
            # One row per probe (cosines, then sines), one column per sample of a span.
            turns = freqs.reshape(-1, 1) * np.arange(span_n) / rate_hz
            sin_rows, cos_rows = sin_cos_turns(turns)
            self._mains_basis = np.ascontiguousarray(np.vstack([cos_rows, sin_rows]))
        self._n_probes = freqs.size
        self._span = np.empty((n_channels, span_n))  # the windows of the current span
        self._span_fill = 0
        self._mains_bad = np.zeros(n_channels, dtype=bool)
        self._mains_suspect = np.zeros(n_channels, dtype=bool)
        self._n_channels = n_channels
        self._buffer = np.empty((n_channels, self.window_n))
        self._fill = 0
        self._window_hits = np.zeros(n_channels, dtype=np.uint8)
        self._previous_mean: FloatArray | None = None
        hold_windows = max(1, round(config.hold_s / config.window_s))
        # The verdicts of the windows before the last one, oldest first: the active flags are
        # the last ``hold_windows`` verdicts ORed together.
        self._held = [[0] * n_channels for _ in range(hold_windows - 1)]
        self._active = np.zeros(n_channels, dtype=np.uint8)
        # Thresholds on sums, so scoring needs no square roots or divisions.
        steps = self.window_n - 1
        # (x * x, not x**2: Python's float power is the C library's pow.)
        self._flat_limit = 2 * steps * config.flat_rms_uv * config.flat_rms_uv
        broadband = config.lift_off_broadband_uv
        self._broadband_limit = 2 * steps * broadband * broadband
        self._mains_limit = config.mains_limit_uv * config.mains_limit_uv
        self._inv_n = 1.0 / self.window_n

    def restart(self) -> None:
        """Start windows afresh (after a gap): the partial window and the offset memory go."""
        self._fill = 0
        self._window_hits.fill(0)
        self._previous_mean = None
        self._span_fill = 0
        self._mains_suspect.fill(False)

    def assess(
        self, raw_uv: FloatArray, nonfinite: BoolArray | None, extremes: tuple[float, float]
    ) -> FlagArray:
        """Flags for ``raw_uv`` (channels, samples); ``nonfinite`` marks samples that were NaN/inf
        and ``extremes`` are ``raw_uv``'s lowest and highest values (the caller has them).

        Returns a (channels, samples) uint8 array of :class:`QualityFlag` bits.
        """
        n = raw_uv.shape[1]
        w = self.window_n
        immediate = self._immediate(raw_uv, nonfinite, extremes)
        flags = np.empty((self._n_channels, n), dtype=np.uint8)
        head = w - self._fill  # samples that complete the open window
        if n < head:
            flags[:] = self._active[:, None]
            self._buffer[:, self._fill : self._fill + n] = raw_uv
            if immediate is not None:
                self._window_hits |= np.bitwise_or.reduce(immediate, axis=1)
            self._fill += n
        else:
            count = 1 + (n - head) // w
            stop = head + (count - 1) * w
            windows = np.empty((count, self._n_channels, w))
            windows[0, :, : self._fill] = self._buffer[:, : self._fill]
            windows[0, :, self._fill :] = raw_uv[:, :head]
            if count > 1:
                whole = raw_uv[:, head:stop].reshape(self._n_channels, count - 1, w)
                windows[1:] = whole.swapaxes(0, 1)
            hits = np.empty((count, self._n_channels), dtype=np.uint8)
            if immediate is None:
                hits[1:] = 0
                hits[0] = self._window_hits
            else:
                hits[0] = self._window_hits | np.bitwise_or.reduce(immediate[:, :head], axis=1)
                hits[1:] = np.bitwise_or.reduce(
                    immediate[:, head:stop].reshape(self._n_channels, count - 1, w), axis=2
                ).T
            after = self._close_windows(windows, hits)
            flags[:, :head] = self._active[:, None]
            if count > 1:
                flags[:, head:stop] = np.repeat(after[:-1].T, w, axis=1)
            self._active = after[-1]
            flags[:, stop:] = self._active[:, None]
            self._fill = n - stop
            self._buffer[:, : self._fill] = raw_uv[:, stop:]
            self._window_hits = (
                np.bitwise_or.reduce(immediate[:, stop:], axis=1)
                if immediate is not None and self._fill
                else np.zeros(self._n_channels, dtype=np.uint8)
            )
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

    def _close_windows(self, windows: FloatArray, hits: FlagArray) -> FlagArray:
        """Judge whole windows (windows, channels, samples) whose per-sample flags were ``hits``
        (windows, channels); returns the held flags in force after each window."""
        # Sample-to-sample steps along the whole stack at once (one long row is several times
        # faster than a short row per window); each window's last slot, the step into the next
        # window, is zeroed and so adds nothing to its sum.
        steps = np.empty(windows.shape)
        np.subtract(windows.reshape(-1)[1:], windows.reshape(-1)[:-1],
                    out=steps.reshape(-1)[:-1])
        steps[:, :, -1] = 0.0
        np.multiply(steps, steps, out=steps)
        energy = np.add.reduce(steps, axis=2)
        means = np.add.reduce(windows, axis=2) * self._inv_n
        mains = self._mains_over(windows)
        # The same decisions either way, on the same numbers: a live stream closes one window
        # at a time, where a dozen small numpy calls cost more than deciding in Python.
        if windows.shape[0] <= _DECIDE_IN_PYTHON:
            after = self._decide_each(energy, means, mains, hits)
        else:
            after = self._decide_all(energy, means, mains, hits)
        self._previous_mean = means[-1].copy()
        return after

    def _decide_all(
        self, energy: FloatArray, means: FloatArray, mains: BoolArray, hits: FlagArray
    ) -> FlagArray:
        """Each window's verdict from its step energy and mean, then the held flags after it."""
        cfg = self.config
        jumps = np.empty_like(means)
        np.subtract(means[1:], means[:-1], out=jumps[1:])
        jumped = np.ones(means.shape, dtype=bool)
        if self._previous_mean is None:
            jumps[0] = 0.0
            jumped[0] = False
        else:
            np.subtract(means[0], self._previous_mean, out=jumps[0])
        np.abs(jumps, out=jumps)
        lift_off = (energy > self._broadband_limit) | (jumped & (jumps > cfg.lift_off_step_uv))
        movement = jumped & (jumps > cfg.movement_step_uv) & ~lift_off
        verdict = hits.copy()
        np.bitwise_or(verdict, _FLAT, out=verdict, where=energy <= self._flat_limit)
        np.bitwise_or(verdict, _LIFT_OFF, out=verdict, where=lift_off)
        np.bitwise_or(verdict, _MOVEMENT, out=verdict, where=movement)
        np.bitwise_or(verdict, _MAINS, out=verdict, where=mains)

        earlier = len(self._held)
        history = np.concatenate([np.array(self._held, dtype=np.uint8).reshape(earlier, -1),
                                  verdict])
        after = verdict.copy()
        for back in range(1, earlier + 1):
            after |= history[earlier - back : earlier - back + verdict.shape[0]]
        self._held = history[history.shape[0] - earlier :].tolist()
        return after

    def _decide_each(
        self, energy: FloatArray, means: FloatArray, mains: BoolArray, hits: FlagArray
    ) -> FlagArray:
        """:meth:`_decide_all` window by window in plain Python."""
        flat_limit, broadband_limit = self._flat_limit, self._broadband_limit
        lift_off_step, movement_step = self.config.lift_off_step_uv, self.config.movement_step_uv
        previous = None if self._previous_mean is None else self._previous_mean.tolist()
        held = self._held
        afters = []
        for energies, window_means, pickup, verdict in zip(
            energy.tolist(), means.tolist(), mains.tolist(), hits.tolist(), strict=True
        ):
            for c, step_energy in enumerate(energies):
                flags = verdict[c]
                if step_energy <= flat_limit:
                    flags |= _FLAT_BIT
                lift_off = step_energy > broadband_limit
                if previous is not None:
                    jump = abs(window_means[c] - previous[c])
                    if jump > lift_off_step:
                        lift_off = True
                    elif jump > movement_step and not lift_off:
                        flags |= _MOVEMENT_BIT
                if lift_off:
                    flags |= _LIFT_OFF_BIT
                if pickup[c]:
                    flags |= _MAINS_BIT
                verdict[c] = flags
            after = verdict
            for past in held:
                after = [a | p for a, p in zip(after, past, strict=True)]
            afters.append(after)
            if held:
                held = [*held[1:], verdict]
            previous = window_means
        self._held = held
        return np.array(afters, dtype=np.uint8)

    def _mains_over(self, windows: FloatArray) -> BoolArray:
        """Per window (windows, channels): is mains pickup excessive once that window is in."""
        count, channels, w = windows.shape
        bad = np.empty((count, channels), dtype=bool)
        if not self._n_probes:
            bad[:] = self._mains_bad
            return bad
        per_span, fill = self._span_windows, self._span_fill
        closing = per_span - fill - 1  # the first of these windows to complete a span
        if closing >= count:
            self._span[:, fill * w : (fill + count) * w] = _channel_major(windows)
            self._span_fill += count
            bad[:] = self._mains_bad
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
        excessive = self._excessive_mains(series)
        # Pickup must persist: a span counts when the one before it was excessive too.
        suspect = np.concatenate([self._mains_suspect[None], excessive[:-1]])
        span_bad = excessive & suspect
        bad[:closing] = self._mains_bad
        bad[closing:] = np.repeat(span_bad, per_span, axis=0)[: count - closing]
        self._mains_bad = span_bad[-1]
        self._mains_suspect = excessive[-1]
        return bad

    def _excessive_mains(self, series: FloatArray) -> BoolArray:
        """Per span and channel: too much mains power, from ``series`` (spans, channels,
        samples), always a fresh C-ordered stack so that each span's sums come out the same
        however the stream was chunked."""
        n_spans, channels, samples = series.shape
        if self._fft_bins is not None:
            # One span (all channels) per call: the FFT's batching of rows into SIMD lanes then
            # never depends on how many spans a block happened to close.
            spectrum = np.empty((n_spans, channels, self._n_probes), dtype=np.complex128)
            for i in range(n_spans):
                spectrum[i] = fft.rfft(series[i], axis=1)[:, self._fft_bins]
            cos_sums, sin_sums = spectrum.real, spectrum.imag
        else:
            # Products summed along each row in numpy's fixed pairwise order: the same bits
            # on any machine, where a matrix product's depend on the BLAS kernel and threads.
            probes = self._mains_basis.shape[0]
            products = np.empty((n_spans, channels, probes, samples))
            np.multiply(series[:, :, None, :], self._mains_basis[None, None, :, :], out=products)
            sums = np.add.reduce(products, axis=3)
            cos_sums, sin_sums = sums[:, :, : self._n_probes], sums[:, :, self._n_probes :]
        # Amplitude² of each probe: (2/N)² (C² + S²), halved for the RMS of a sinusoid.
        scale = 2.0 / (self._span_n * self._span_n)
        power = scale * (cos_sums * cos_sums + sin_sums * sin_sums)
        power = power.reshape(n_spans, channels, -1, self._probes_per_line)
        mains_power = np.add.reduce(power[..., 0], axis=2)
        neighbours = power.shape[3] - 1
        neighbour_power = np.add.reduce(np.add.reduce(power[..., 1:], axis=3) / neighbours, axis=2)
        # A strong contraction puts EMG power at mains frequencies too; pickup is a line
        # standing well above the spectrum beside it.
        excessive: BoolArray = (mains_power > self._mains_limit) & (
            mains_power > MAINS_LINE_RATIO * neighbour_power
        )
        return excessive


def _channel_major(windows: FloatArray) -> FloatArray:
    """(windows, channels, samples) as consecutive samples per channel (channels, samples)."""
    return windows.swapaxes(0, 1).reshape(windows.shape[1], -1)


def describe(mask: int) -> str:
    """Name the problems in a :class:`QualityFlag` mask for a user ("good" when none)."""
    if not mask:
        return "good"
    names = ((flag.name or "").lower().replace("_", "-") for flag in QualityFlag if flag & mask)
    return ", ".join(names)
