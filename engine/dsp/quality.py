"""Per-sample signal-quality flags, so feedback is gated on quality instead of rewarding noise.

Two kinds of check:

- per sample, at once: non-finite samples (NaN/inf), samples at the converter's rails,
  samples beyond the amplitude limit and jumps faster than any muscle can move the signal. Such
  a sample flags the rest of its window too, so a flagged span only ever ends on a window
  boundary (where the pipeline restarts its filters);
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
from engine.dsp.mains_pickup import MAINS_SPAN_S, BoolArray, MainsPickupDetector
from engine.errors import ConfigError
from engine.messages import QualityFlag

FlagArray = npt.NDArray[np.uint8]

_SATURATED = np.uint8(QualityFlag.SATURATED)
_FLAT = np.uint8(QualityFlag.FLAT)
_MAINS = np.uint8(QualityFlag.MAINS)
_LIFT_OFF = np.uint8(QualityFlag.LIFT_OFF)
_MOVEMENT = np.uint8(QualityFlag.MOVEMENT)
# The same as plain ints, for deciding in Python.
_FLAT_BIT = int(QualityFlag.FLAT)
_MAINS_BIT = int(QualityFlag.MAINS)
_LIFT_OFF_BIT = int(QualityFlag.LIFT_OFF)
_MOVEMENT_BIT = int(QualityFlag.MOVEMENT)


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Thresholds of the quality checks, written in µV;
    :func:`~engine.dsp.quality_units.quality_for_source` converts them to a source's own unit.

    The defaults suit surface EMG with a skin-prepared bipolar electrode: resting noise of a few
    µV, mains pickup of a few tens of µV, physiological amplitudes below about 2 mV.
    """

    window_s: float = 0.05
    hold_s: float = 0.2
    rails_uv: tuple[float, float] | None = None
    """Lowest and highest value the converter can report; None when unknown (float sources)."""
    slew_limit_uv_per_s: float = 5e6
    """A step between consecutive samples faster than this (5 mV per ms) is no muscle. The
    fastest step in the real recordings of ``tests/data`` and the UCI lower-limb set (rectus
    femoris to semitendinosus, gait and knee exercises, amplitudes up to 1.8 mV) is 0.6 mV per
    ms; the limit leaves eight times that. Such a jump is the electrode (LIFT_OFF), flagged on
    the sample at once rather than when its window closes (up to 50 ms later, when its first
    samples would already have reached the rules); at 2 kHz that is any step beyond 2.5 mV."""
    limit_uv: float = 500_000.0
    """A sample further than this from zero is beyond what the device or the physiology allows
    and is flagged SATURATED. Surface EMG stays below about 10 mV; the rest of the headroom is
    for the electrode offset a DC-coupled front end passes through (a few hundred mV at most,
    e.g. ±187.5 mV is the whole range of an OpenBCI Cyton at gain 24). The pipeline holds the
    last good value over such samples, so a wild value (10³⁰⁰ µV) never reaches a filter."""
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
        self._mains = MainsPickupDetector(
            rate_hz, n_channels, self.window_n, max(1, round(MAINS_SPAN_S / config.window_s)),
            mains_freqs_hz, config.mains_limit_uv,
        )
        self._n_channels = n_channels
        self._buffer = np.empty((n_channels, self.window_n))
        self._fill = 0
        self._window_hits = np.zeros(n_channels, dtype=np.uint8)
        self._hits_pending = False
        """Whether ``_window_hits`` has a bit set (checked per block, so kept as a bool)."""
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
        self._inv_n = 1.0 / self.window_n

    def restart(self) -> None:
        """Start windows afresh (after a gap): the partial window and the offset memory go."""
        self._fill = 0
        self._window_hits.fill(0)
        self._hits_pending = False
        self._previous_mean = None
        self._mains.restart()

    def assess(
        self, raw_uv: FloatArray, replaced: FlagArray | None, extremes: tuple[float, float]
    ) -> FlagArray:
        """Flags for ``raw_uv`` (channels, samples); ``replaced`` holds the flags of samples the
        caller replaced before filtering (NaN/inf, beyond the limit: see
        :meth:`beyond_limit`) and ``extremes`` are ``raw_uv``'s lowest and highest values.

        Returns a (channels, samples) uint8 array of :class:`QualityFlag` bits.
        """
        n = raw_uv.shape[1]
        w = self.window_n
        immediate = self._immediate(raw_uv, replaced, extremes)
        if immediate is None and self._hits_pending:
            # A hit earlier in the open window flags the rest of it (see _spread).
            immediate = np.zeros(raw_uv.shape, dtype=np.uint8)
        spread = None if immediate is None else self._spread(immediate)
        flags = np.empty((self._n_channels, n), dtype=np.uint8)
        head = w - self._fill  # samples that complete the open window
        if n < head:
            flags[:] = self._active[:, None]
            self._buffer[:, self._fill : self._fill + n] = raw_uv
            if immediate is not None:
                self._window_hits |= np.bitwise_or.reduce(immediate, axis=1)
                self._hits_pending = bool(self._window_hits.any())
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
            self._hits_pending = immediate is not None and bool(self._window_hits.any())
        if spread is not None:
            flags |= spread
        return flags

    def beyond_limit(self, extremes: tuple[float, float]) -> bool:
        """Whether a block with these lowest and highest values has a sample beyond
        :attr:`QualityConfig.limit_uv`."""
        limit = self.config.limit_uv
        return extremes[0] < -limit or extremes[1] > limit

    def _immediate(
        self, raw_uv: FloatArray, replaced: FlagArray | None, extremes: tuple[float, float]
    ) -> FlagArray | None:
        rails = self.config.rails_uv
        railed = rails is not None and (extremes[0] <= rails[0] or extremes[1] >= rails[1])
        if not railed:
            return replaced
        out = np.zeros(raw_uv.shape, dtype=np.uint8) if replaced is None else replaced.copy()
        if rails is not None:
            out[(raw_uv <= rails[0]) | (raw_uv >= rails[1])] |= _SATURATED
        return out

    def _spread(self, immediate: FlagArray) -> FlagArray:
        """``immediate`` with each sample's flags carried to the end of its window.

        A window's verdict holds its samples' flags for ``hold_s`` after it closes; carrying
        them to the window's end as well means a flagged span can only end on a window
        boundary. The pipeline restarts its filters where a span ends, so this bounds the
        restarts to one per window however the flags flicker.
        """
        n = immediate.shape[1]
        w = self.window_n
        out = np.empty_like(immediate)
        head = min(w - self._fill, n)
        np.bitwise_or.accumulate(immediate[:, :head], axis=1, out=out[:, :head])
        out[:, :head] |= self._window_hits[:, None]
        whole = (n - head) // w
        stop = head + whole * w
        if whole:
            windows = immediate[:, head:stop].reshape(self._n_channels, whole, w)
            out[:, head:stop] = np.bitwise_or.accumulate(windows, axis=2).reshape(
                self._n_channels, whole * w
            )
        if stop < n:
            np.bitwise_or.accumulate(immediate[:, stop:], axis=1, out=out[:, stop:])
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
        mains = self._mains.judge(windows)
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


def describe(mask: int) -> str:
    """Name the problems in a :class:`QualityFlag` mask for a user ("good" when none)."""
    if not mask:
        return "good"
    names = ((flag.name or "").lower().replace("_", "-") for flag in QualityFlag if flag & mask)
    return ", ".join(names)
