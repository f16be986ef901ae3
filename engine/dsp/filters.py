"""Filter designs for surface EMG and a streaming cascade of second-order sections.

All designs are causal IIR filters in second-order sections (SOS), the numerically safe form at
low cut-offs and high rates. :class:`SosCascade` carries each channel's state between calls, so
filtering a stream chunk by chunk gives exactly what one call over the whole recording gives
(``scipy.signal.sosfilt`` with the same initial state). The coefficients come from
:mod:`engine.dsp.iir_design`, which gives the same bits on every machine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import signal

from engine.dsp import iir_design
from engine.errors import ConfigError

FloatArray = npt.NDArray[np.float64]


def sosfilt_public(sos: FloatArray, x: FloatArray, zi: FloatArray) -> None:
    """Filter ``x`` (channels, samples) in place through ``sos``, state ``zi`` (channels,
    sections, 2) updated in place, with scipy's public ``sosfilt`` (the same compiled kernel,
    after validation and copies)."""
    # The public function wants the state section-major: (sections, channels, 2).
    y, zf = signal.sosfilt(sos, x, axis=1, zi=zi.transpose(1, 0, 2))
    x[...] = y
    zi[...] = zf.transpose(1, 0, 2)


def _in_place_kernel() -> Callable[[FloatArray, FloatArray, FloatArray], None]:
    """scipy's private in-place kernel where this scipy has it, else the public function.

    The private kernel skips ``sosfilt``'s per-call validation and copies, which cost more than
    the filtering itself on 10–20 ms chunks; a scipy release may rename it, and then the public
    API (same kernel, same bits) takes over.
    """
    try:
        from scipy.signal._sosfilt import _sosfilt
    except ImportError:
        return sosfilt_public
    kernel: Callable[[FloatArray, FloatArray, FloatArray], None] = _sosfilt
    return kernel


sosfilt_in_place = _in_place_kernel()

#: The band-pass upper corner is kept at or below this fraction of the Nyquist frequency:
#: a Butterworth corner right at Nyquist has no room to roll off and its bilinear warping is
#: extreme. On 200 Hz devices (Myo, Ganglion) this gives a 20–90 Hz band.
NYQUIST_FRACTION = 0.9


def band_edges_hz(rate_hz: float, low_hz: float, high_hz: float) -> tuple[float, float]:
    """The band-pass corners actually used: ``high_hz`` clipped below Nyquist.

    Raises :class:`ConfigError` when nothing of the band is left at this rate.
    """
    high = min(high_hz, NYQUIST_FRACTION * rate_hz / 2)
    if not 0 < low_hz < high:
        raise ConfigError(
            f"band-pass {low_hz:g}–{high_hz:g} Hz leaves no band at {rate_hz:g} Hz sampling",
            hint="lower the high-pass corner or use a faster sensor",
        )
    return float(low_hz), float(high)


def design_bandpass(rate_hz: float, low_hz: float, high_hz: float, order: int) -> FloatArray:
    """Butterworth band-pass as SOS; ``order`` per edge (order 2 gives a 4th-order band-pass)."""
    return _as_sos(iir_design.butterworth_bandpass(order, low_hz, high_hz, rate_hz))


def notch_frequencies_hz(
    rate_hz: float, mains_hz: float | None, harmonics: int, upper_hz: float
) -> tuple[float, ...]:
    """Mains frequency and its first ``harmonics`` multiples that lie inside the band."""
    if mains_hz is None or harmonics <= 0:
        return ()
    freqs = (k * mains_hz for k in range(1, harmonics + 1))
    return tuple(float(f) for f in freqs if f < min(upper_hz * 1.05, rate_hz / 2))


def design_notches(
    rate_hz: float, freqs_hz: tuple[float, ...], bandwidth_hz: float
) -> FloatArray:
    """Second-order IIR notches ``bandwidth_hz`` wide (-3 dB) as SOS, one section each."""
    return _as_sos([iir_design.notch(f, bandwidth_hz, rate_hz) for f in freqs_hz])


def design_lowpass(rate_hz: float, cutoff_hz: float, order: int) -> FloatArray:
    """Butterworth low-pass as SOS."""
    if not 0 < cutoff_hz < rate_hz / 2:
        raise ConfigError(
            f"low-pass corner {cutoff_hz:g} Hz is not below Nyquist at {rate_hz:g} Hz"
        )
    return _as_sos(iir_design.butterworth_lowpass(order, cutoff_hz, rate_hz))


def _as_sos(sections: list[iir_design.Section]) -> FloatArray:
    """Sections as the (sections, 6) C-ordered float64 array ``sosfilt`` walks."""
    return np.array(sections, dtype=np.float64).reshape(-1, 6)


def group_delay_s(sos: FloatArray, freq_hz: float, rate_hz: float) -> float:
    """Group delay of an SOS cascade at ``freq_hz``, in seconds (sum over its sections)."""
    total = 0.0
    for section in sos.tolist():
        total += iir_design.group_delay_samples(section, freq_hz, rate_hz)
    return total / rate_hz


class SosCascade:
    """A cascade of second-order sections with per-channel state carried between calls.

    Works on ``(channels, samples)`` C-contiguous float64 arrays *in place*: that is the layout
    scipy's compiled kernel walks, so one call filters every channel with no copies and none of
    ``sosfilt``'s per-call validation (which costs more than the filtering itself on 10–20 ms
    chunks).
    """

    def __init__(self, sos: FloatArray, n_channels: int) -> None:
        self.sos: FloatArray = np.ascontiguousarray(sos, dtype=np.float64)
        self._zi: FloatArray = np.zeros((n_channels, self.sos.shape[0], 2))
        self._unit_step_zi: FloatArray = np.array(
            iir_design.step_steady_state(self.sos.tolist()), dtype=np.float64
        ).reshape(-1, 2)

    @property
    def n_sections(self) -> int:
        return int(self.sos.shape[0])

    def reset(self) -> None:
        """Forget the past: state as if every input so far had been zero."""
        self._zi.fill(0.0)

    def prime(self, level: FloatArray) -> None:
        """Set the state to the steady state for a constant input ``level`` per channel.

        Starting a high-pass from its steady state for the first sample removes the start-up
        transient an electrode's DC offset (often > 1 mV) would otherwise cause.
        """
        self._zi[...] = self._unit_step_zi[None, :, :] * level[:, None, None]

    def restart(self, channels: npt.NDArray[np.bool_], level: FloatArray) -> None:
        """:meth:`prime` only the ``channels`` marked True, each for its ``level``; the others
        keep their state."""
        self._zi[channels] = self._unit_step_zi[None, :, :] * level[channels, None, None]

    def process(self, x: FloatArray) -> None:
        """Filter ``x`` (channels, samples), C-contiguous float64, in place."""
        if self.n_sections:
            sosfilt_in_place(self.sos, x, self._zi)
