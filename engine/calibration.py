"""Normalisation of envelopes to %MVC: the resting baseline, the reference effort, the record.

The reference is the best of several efforts' amplitudes above the resting noise floor
(:func:`above_noise_floor`); an effort's amplitude is located by the peak of a 0.5 s moving
average and read over up to 3 s around it (:func:`effort_amplitude` says why). It is computed with
the *same* pipeline that will be normalised: a different band or envelope changes the scale, so
the record carries the pipeline's signature and :meth:`engine.dsp.Pipeline.set_calibration`
refuses a mismatch.

Kinds of reference:

- ``"mvc"``: maximal voluntary isometric contractions; ``reference_pct_mvc`` is 100.
- ``"submax"``: a sub-maximal effort for patients who must not push to the maximum (pain, after
  surgery). ``reference_pct_mvc`` is the share of MVC the effort is taken to be; when it is 100
  the output reads "% of the reference effort".
- ``"task_peak"``: the peak of the exercise itself, for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from engine.errors import CalibrationError
from engine.messages import PlainValue, canonical

ReferenceKind = Literal["mvc", "submax", "task_peak"]
REFERENCE_KINDS: tuple[ReferenceKind, ...] = ("mvc", "submax", "task_peak")

#: Moving-average window that locates an effort's peak (0.5–1 s in the literature).
REFERENCE_WINDOW_S = 0.5
#: Span around the peak over which an effort's amplitude is read (see effort_amplitude).
PLATEAU_S = 3.0
#: The over-MVC monitor evaluates its moving average this many times per window.
WINDOW_GROUPS = 25


@dataclass(frozen=True, slots=True)
class Calibration:
    """One session's calibration of every channel of one source."""

    channels: tuple[str, ...]
    baseline_uv: tuple[float, ...]
    """Mean resting envelope per channel (the noise floor subtracted before normalising)."""
    noise_sd_uv: tuple[float, ...]
    """Standard deviation of the resting envelope per channel."""
    reference_uv: tuple[float, ...]
    """Reference amplitude above the noise floor per channel: the best effort's amplitude
    (mean over ``plateau_s`` around its peak ``window_s`` average); 0 for a channel that was
    not calibrated (at least one channel has a reference)."""
    pipeline: Mapping[str, PlainValue]
    """:meth:`~engine.dsp.PipelineConfig.signature` of the pipeline it was made with."""
    kind: ReferenceKind = "mvc"
    reference_pct_mvc: float = 100.0
    window_s: float = REFERENCE_WINDOW_S
    plateau_s: float = PLATEAU_S
    t_ns: int = 0
    """Session time at which the calibration was completed."""

    def __post_init__(self) -> None:
        n = len(self.channels)
        if not n:
            raise CalibrationError("a calibration needs at least one channel")
        for name in ("baseline_uv", "noise_sd_uv", "reference_uv"):
            values = getattr(self, name)
            if len(values) != n:
                raise CalibrationError(
                    f"calibration {name} has {len(values)} values for {n} channels"
                )
            if not all(np.isfinite(v) and v >= 0 for v in values):
                raise CalibrationError(f"calibration {name} must be finite and non-negative")
        if not any(v > 0 for v in self.reference_uv):
            raise CalibrationError(
                f"no contraction above rest on {', '.join(self.channels)}",
                hint="check the electrodes and repeat the effort",
            )
        if self.kind not in REFERENCE_KINDS:
            raise CalibrationError(f"unknown reference kind {self.kind!r}")
        if not 0 < self.reference_pct_mvc <= 100:
            raise CalibrationError("reference_pct_mvc must be in (0, 100]")

    @property
    def calibrated(self) -> tuple[bool, ...]:
        """Per channel: does it have a reference (a channel no protocol muscle uses has none,
        reference 0, and no %MVC)."""
        return tuple(r > 0 for r in self.reference_uv)

    @property
    def gain_pct_per_uv(self) -> tuple[float, ...]:
        """Multiply a baseline-subtracted envelope (µV) by this to get %MVC (0 on a channel
        without a reference: its %MVC is not shown, nothing reads it)."""
        return tuple(self.reference_pct_mvc / r if r > 0 else 0.0 for r in self.reference_uv)

    def to_plain(self) -> dict[str, PlainValue]:
        """Plain data for a config record or a file (canonical: sorted keys, Python scalars)."""
        plain = canonical(
            {
                "channels": list(self.channels),
                "baseline_uv": list(self.baseline_uv),
                "noise_sd_uv": list(self.noise_sd_uv),
                "reference_uv": list(self.reference_uv),
                "pipeline": dict(self.pipeline),
                "kind": self.kind,
                "reference_pct_mvc": self.reference_pct_mvc,
                "window_s": self.window_s,
                "plateau_s": self.plateau_s,
                "t_ns": self.t_ns,
            }
        )
        assert isinstance(plain, dict)
        return plain

    @classmethod
    def from_plain(cls, value: object) -> Calibration:
        """Rebuild from :meth:`to_plain`'s output; :class:`CalibrationError` says what is wrong."""
        if not isinstance(value, Mapping):
            raise CalibrationError(f"a calibration must be a mapping, got {type(value).__name__}")
        try:
            return cls(
                channels=tuple(_strings(value["channels"])),
                baseline_uv=_floats(value["baseline_uv"]),
                noise_sd_uv=_floats(value["noise_sd_uv"]),
                reference_uv=_floats(value["reference_uv"]),
                pipeline=dict(value["pipeline"]),
                kind=value["kind"],
                reference_pct_mvc=float(value["reference_pct_mvc"]),
                window_s=float(value["window_s"]),
                # Absent from records made before the plateau was read separately.
                plateau_s=float(value.get("plateau_s", PLATEAU_S)),
                t_ns=int(value["t_ns"]),
            )
        except KeyError as missing:
            raise CalibrationError(f"calibration lacks the field {missing}") from None
        except (TypeError, ValueError) as bad:
            raise CalibrationError(f"calibration field has a bad value: {bad}") from None


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError("channels must be a list of labels")
    return values


def _floats(values: Any) -> tuple[float, ...]:
    if not isinstance(values, list):
        raise TypeError("expected a list of numbers")
    return tuple(float(v) for v in values)


def above_noise_floor(
    envelope_uv: npt.NDArray[np.float64], baseline_uv: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The envelope with the resting noise floor removed, in µV: √(max(e² − b², 0)).

    Noise and EMG are independent, so they add in power, not amplitude: a linear envelope of
    signal plus noise reads ∝ √(σ_s² + σ_n²). Subtracting the resting level in amplitude would
    under-read a 40 %MVC hold by ~20 % at 20 dB SNR; subtracting in power is exact for the
    RMS envelope and very nearly so for the linear one. ``baseline_uv`` broadcasts against
    ``envelope_uv``.
    """
    out: npt.NDArray[np.float64] = envelope_uv * envelope_uv
    out -= baseline_uv * baseline_uv
    np.maximum(out, 0.0, out=out)
    np.sqrt(out, out=out)
    return out


def resting_baseline(
    envelope_uv: npt.NDArray[np.float64], usable: npt.NDArray[np.bool_] | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Mean and standard deviation per channel of a resting envelope (samples, channels).

    ``usable`` (same shape) excludes flagged samples; a channel with none left is an error.
    """
    envelope_uv = np.ascontiguousarray(envelope_uv)  # the summation order follows the layout
    if usable is None:
        usable = np.ones(envelope_uv.shape, dtype=bool)
    counts = usable.sum(axis=0)
    if envelope_uv.shape[0] == 0 or (counts == 0).any():
        raise CalibrationError(
            "no clean resting signal to measure the noise floor",
            hint="check the electrodes, relax, and repeat the rest period",
        )
    masked = np.where(usable, envelope_uv, 0.0)
    mean = masked.sum(axis=0) / counts
    var = np.where(usable, (envelope_uv - mean) ** 2, 0.0).sum(axis=0) / counts
    return mean, np.sqrt(var)


def _running_sums(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sums of the first 0, 1, … n rows of ``values`` (samples, channels)."""
    return np.concatenate([np.zeros((1, values.shape[1]), values.dtype), np.cumsum(values, axis=0)])


def _window_means(sums: npt.NDArray[Any], n_window: int) -> npt.NDArray[np.float64]:
    """Means over every ``n_window`` consecutive rows, from :func:`_running_sums`."""
    out: npt.NDArray[np.float64] = (sums[n_window:] - sums[:-n_window]) / n_window
    return out


def _moving_averages(
    envelope_uv: npt.NDArray[np.float64], n_window: int, usable: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Moving averages (positions, channels) over ``n_window``; −inf where a window is unclean."""
    averages = _window_means(_running_sums(np.where(usable, envelope_uv, 0.0)), n_window)
    return _unclean_to_minus_inf(averages, usable, n_window)


def _unclean_to_minus_inf(
    averages: npt.NDArray[np.float64], usable: npt.NDArray[np.bool_], n_window: int
) -> npt.NDArray[np.float64]:
    bad = _running_sums(~usable)
    clean = (bad[n_window:] - bad[:-n_window]) == 0
    out: npt.NDArray[np.float64] = np.where(clean, averages, -np.inf)
    return out


def moving_average_peak(
    envelope_uv: npt.NDArray[np.float64],
    rate_hz: float,
    window_s: float = REFERENCE_WINDOW_S,
    usable: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.float64]:
    """Per channel, the highest ``window_s`` moving average of ``envelope_uv`` (samples, channels).

    Windows touching an unusable sample are skipped; 0 when no clean window exists.
    """
    n_window = max(1, round(window_s * rate_hz))
    if envelope_uv.shape[0] < n_window:
        return np.zeros(envelope_uv.shape[1])
    if usable is None:
        usable = np.ones(envelope_uv.shape, dtype=bool)
    peaks = _moving_averages(envelope_uv, n_window, usable).max(axis=0)
    out: npt.NDArray[np.float64] = np.where(np.isfinite(peaks), peaks, 0.0)
    return out


def effort_amplitude(
    envelope_uv: npt.NDArray[np.float64],
    rate_hz: float,
    usable: npt.NDArray[np.bool_] | None = None,
    window_s: float = REFERENCE_WINDOW_S,
    plateau_s: float = PLATEAU_S,
) -> npt.NDArray[np.float64]:
    """Per channel, the amplitude of one effort (samples, channels): the highest mean over
    ``plateau_s`` that contains the peak ``window_s`` moving average (clean samples only).

    The 0.5 s peak finds the strongest moment, as the literature does; the reference is then
    read over 3 s around it, because the peak of a 0.5 s average of EMG (a Gaussian-like
    signal) overshoots the plateau by about two standard deviations of that average: +9 % on
    average, up to +14 %, for the best of three 5 s efforts on the virtual patient at 20 dB,
    against −3 % to +4 % for the plateau (40 channel-sessions). The plateau is at most half the
    effort, so the ramp of a short effort stays out of it (a 5 s effort is read over 2.5 s).
    """
    n, channels = envelope_uv.shape
    n_window = max(1, round(window_s * rate_hz))
    # At most half the effort, so a short effort's ramp stays out of its plateau.
    n_plateau = min(round(plateau_s * rate_hz), max(n_window, n // 2))
    out = np.zeros(channels)
    if n < n_window:
        return out
    # One running sum serves both windows; the unclean-sample bookkeeping only when needed.
    if usable is not None and usable.all():
        usable = None
    sums = _running_sums(envelope_uv if usable is None else np.where(usable, envelope_uv, 0.0))
    averages = _window_means(sums, n_window)
    plateaus = _window_means(sums, n_plateau)
    counts = None
    if usable is not None:
        averages = _unclean_to_minus_inf(averages, usable, n_window)
        counts = _window_means(_running_sums(usable.astype(np.float64)), n_plateau)
    for c in range(channels):
        if not np.isfinite(averages[:, c]).any():
            continue
        peak = int(np.argmax(averages[:, c]))
        # The plateau window must hold the peak window; of those, the strongest (so a peak
        # near the ramp does not pull the ramp in).
        lo = max(0, peak + n_window - n_plateau)
        hi = min(peak, n - n_plateau) + 1
        means = plateaus[lo:hi, c]
        if counts is not None:
            means = means / np.maximum(counts[lo:hi, c], 1e-12)
        out[c] = float(means.max())
    return out


@dataclass(frozen=True, eq=False)
class Normalisation:
    """What a calibration does to raw envelopes: the noise floor off (in power), then %MVC."""

    baseline_uv: npt.NDArray[np.float64]
    gain_pct_per_uv: npt.NDArray[np.float64]

    @classmethod
    def of(cls, calibration: Calibration) -> Normalisation:
        return cls(np.asarray(calibration.baseline_uv, dtype=np.float64),
                   np.asarray(calibration.gain_pct_per_uv, dtype=np.float64))

    def apply(
        self, envelope_uv: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(envelope above the noise floor in µV, %MVC) for raw ``envelope_uv`` (samples,
        channels). Element by element, so rows taken before or after give the same bits."""
        above = above_noise_floor(envelope_uv, self.baseline_uv)
        return above, above * self.gain_pct_per_uv


class OverMvcMonitor:
    """Says when a channel goes above 100 %MVC, measured like the reference (a 0.5 s average).

    The instantaneous envelope routinely peaks above the reference's 0.5 s average, so only a
    sustained excess counts; then the reference is too low and the user should re-calibrate.
    The average is taken every 1/25 of its window (every 20 ms for 0.5 s): fed at a high rate,
    it sums consecutive groups of samples first, which for an envelope this smooth finds the
    same excess as a running sum over every sample at a fraction of the cost. The training core
    feeds it the %MVC at the rule ticks, already 50 per second.
    """

    def __init__(self, calibration: Calibration, rate_hz: float, margin_pct: float = 5.0) -> None:
        n_window = max(1, round(calibration.window_s * rate_hz))
        self._group_n = max(1, n_window // WINDOW_GROUPS)
        self._groups_per_window = max(1, round(n_window / self._group_n))
        self._limit = 100.0 + margin_pct
        n_channels = len(calibration.channels)
        # Channel-major, so the sums run along contiguous memory.
        self._loose = np.zeros((n_channels, 0))  # samples not yet in a complete group
        self._groups = np.zeros((n_channels, 0))  # the last groups, short of a window
        self.over: npt.NDArray[np.bool_] = np.zeros(n_channels, dtype=bool)
        """Per channel: has it exceeded the reference so far."""
        self.peak_pct: npt.NDArray[np.float64] = np.zeros(n_channels)
        """Per channel: the highest 0.5 s average %MVC so far."""

    def update(self, pct_mvc: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Take the next (samples, channels) %MVC values; returns :attr:`over`."""
        joined = np.concatenate([self._loose, pct_mvc.T], axis=1)
        channels, size = self._groups.shape[0], self._group_n
        whole = joined.shape[1] // size * size
        self._loose = joined[:, whole:]
        if not whole:
            return self.over
        new = np.add.reduce(joined[:, :whole].reshape(channels, -1, size), axis=2)
        groups = np.concatenate([self._groups, new], axis=1)
        span = self._groups_per_window
        if groups.shape[1] >= span:
            # Each window summed on its own, so chunking never changes a result.
            sums = sliding_window_view(groups, span, axis=1).sum(axis=2)
            self.peak_pct = np.maximum(self.peak_pct, sums.max(axis=1) / (span * size))
            self.over = self.peak_pct > self._limit
        self._groups = groups[:, groups.shape[1] - (span - 1) :]
        return self.over

    def update_held(self, pct_mvc: npt.NDArray[np.float64], count: int) -> npt.NDArray[np.bool_]:
        """Take ``count`` samples that all have the %MVC of the (1, channels) row ``pct_mvc``
        (the ticks of a gap's held values), in work bounded by the window, not by ``count``.

        Past the first window and a group of them, more equal samples only add windows whose
        average is that of the windows already seen and leave the same last groups; so it takes
        just enough of them to reach every window mixing older samples, plus the remainder
        that leaves the same loose samples: the result of taking all ``count``."""
        size = self._group_n
        enough = (self._groups_per_window + 2) * size
        if count > enough:
            count = enough + (count - enough) % size
        return self.update(np.broadcast_to(pct_mvc, (count, pct_mvc.shape[1])))


def build_calibration(
    channels: Sequence[str],
    rest_envelope_uv: npt.NDArray[np.float64],
    effort_envelopes_uv: Sequence[npt.NDArray[np.float64]],
    rate_hz: float,
    pipeline: Mapping[str, PlainValue],
    *,
    rest_usable: npt.NDArray[np.bool_] | None = None,
    effort_usable: Sequence[npt.NDArray[np.bool_]] | None = None,
    kind: ReferenceKind = "mvc",
    reference_pct_mvc: float = 100.0,
    window_s: float = REFERENCE_WINDOW_S,
    plateau_s: float = PLATEAU_S,
    t_ns: int = 0,
) -> Calibration:
    """A calibration from a resting envelope and the envelopes of each effort (all raw, i.e.
    from a pipeline without calibration): baseline = resting mean, reference = the best
    effort's amplitude above the noise floor (:func:`effort_amplitude`)."""
    baseline, noise_sd = resting_baseline(rest_envelope_uv, rest_usable)
    if not effort_envelopes_uv:
        raise CalibrationError("no effort was recorded", hint="repeat the calibration")
    peaks = [
        effort_amplitude(
            above_noise_floor(effort, baseline),
            rate_hz,
            effort_usable[i] if effort_usable is not None else None,
            window_s,
            plateau_s,
        )
        for i, effort in enumerate(effort_envelopes_uv)
    ]
    reference = np.max(np.stack(peaks), axis=0)
    return Calibration(
        channels=tuple(channels),
        baseline_uv=tuple(float(v) for v in baseline),
        noise_sd_uv=tuple(float(v) for v in noise_sd),
        reference_uv=tuple(float(v) for v in reference),
        pipeline=dict(pipeline),
        kind=kind,
        reference_pct_mvc=reference_pct_mvc,
        window_s=window_s,
        plateau_s=plateau_s,
        t_ns=t_ns,
    )
