"""IIR filter designs as second-order sections, computed the same way on every machine.

scipy's designers are correct but not reproducible to the bit: ``butter`` pairs poles through
``np.poly``, whose convolution calls the BLAS dot product, and ``iirnotch``/``tf2sos``/
``sosfilt_zi`` go through ``np.cos``, polynomial roots and a linear solve, all of which round
differently with another BLAS kernel or SIMD level. The coefficients decide every output, so
they are designed here with Python floats and :mod:`engine.portable_trig` only; complex numbers
are carried as (real, imaginary) pairs so no library routine (and no compiler's fused
multiply-add) touches them. The designs are scipy's (same prototype, prewarping, bilinear
transform, section pairing and order, gain in the first section): the tests hold the
coefficients to scipy's within rounding.

Frequencies are normalised as scipy does internally (the bilinear transform at ``fs = 2``), so
every intermediate stays of order one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.portable_trig import cos_turn, sin_cos_turns, tan_turn

Section = tuple[float, float, float, float, float, float]
"""One second-order section ``(b0, b1, b2, 1, a1, a2)``."""

_Complex = tuple[float, float]

#: The bilinear transform's 2·fs with scipy's normalised fs = 2.
_BILINEAR_K = 4.0


def _warped(cutoff_hz: float, rate_hz: float) -> float:
    """Analog frequency that the bilinear transform maps onto ``cutoff_hz`` (normalised)."""
    return _BILINEAR_K * tan_turn(cutoff_hz / (2.0 * rate_hz))


def _prototype(order: int) -> list[_Complex]:
    """Butterworth analog poles on the unit circle, left half plane; one of each conjugate
    pair (imaginary part >= 0) plus the real pole -1 for an odd order."""
    poles = []
    for m in range(-order + 1, order, 2):
        if m > 0:
            continue
        sin_t, cos_t = sin_cos_turns(m / (4.0 * order))
        poles.append((-float(cos_t), -float(sin_t)))
    return poles


def _mul(a: _Complex, b: _Complex) -> _Complex:
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def _div(a: _Complex, b: _Complex) -> _Complex:
    d = b[0] * b[0] + b[1] * b[1]
    return ((a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d)


def _sqrt(a: _Complex) -> _Complex:
    """Principal square root, without the cancellation of the textbook formula."""
    re, im = a
    r = math.sqrt(re * re + im * im)
    if re >= 0.0:
        root_re = math.sqrt((r + re) / 2.0)
        return (root_re, im / (2.0 * root_re) if root_re else 0.0)
    root_im = math.copysign(math.sqrt((r - re) / 2.0), im)
    return (im / (2.0 * root_im), root_im)


def _bilinear(p: _Complex) -> _Complex:
    return _div((_BILINEAR_K + p[0], p[1]), (_BILINEAR_K - p[0], -p[1]))


def _power(x: float, n: int) -> float:
    """``x**n`` by repeated multiplication (``**`` on floats calls the C library's pow)."""
    out = 1.0
    for _ in range(n):
        out *= x
    return out


def _sections(
    poles: list[_Complex], zeros: list[float], gain: float
) -> list[Section]:
    """Sections from digital poles (one per conjugate pair, or a real pair given as the two
    reals with imaginary part 0 appearing together) and real zeros.

    As scipy's ``zpk2sos(pairing="nearest")``: the pole closest to the unit circle is paired
    first with the zeros nearest to it and ends up last in the cascade; the gain goes into the
    first section.
    """
    complex_poles = [p for p in poles if p[1] != 0.0]
    real_poles = sorted(p[0] for p in poles if p[1] == 0.0)
    # (a1, a2, the pole the zeros are chosen for, how far it is from the unit circle, order)
    groups: list[tuple[float, float, float, float, int]] = []
    for p in complex_poles:
        radius2 = p[0] * p[0] + p[1] * p[1]
        groups.append((-2.0 * p[0], radius2, p[0], abs(1.0 - math.sqrt(radius2)), 2))
    for i in range(0, len(real_poles), 2):
        pair = real_poles[i : i + 2]
        worst = min(pair, key=lambda r: abs(1.0 - abs(r)))
        if len(pair) == 2:
            groups.append((-(pair[0] + pair[1]), pair[0] * pair[1], worst,
                           abs(1.0 - abs(worst)), 2))
        else:
            groups.append((-worst, 0.0, worst, abs(1.0 - abs(worst)), 1))
    groups.sort(key=lambda g: g[3])
    remaining = sorted(zeros)
    built: list[Section] = []
    for a1, a2, pole_re, _, order in groups:
        picked = []
        for _ in range(min(order, len(remaining))):
            nearest = min(range(len(remaining)), key=lambda i: abs(remaining[i] - pole_re))
            picked.append(remaining.pop(nearest))
        if len(picked) == 2:
            b = (1.0, -(picked[0] + picked[1]), picked[0] * picked[1])
        elif picked:
            b = (1.0, -picked[0], 0.0)
        else:
            b = (1.0, 0.0, 0.0)
        built.append((*b, 1.0, a1, a2))
    built.reverse()
    b0, b1, b2, a0, a1, a2 = built[0]
    built[0] = (gain * b0, gain * b1, gain * b2, a0, a1, a2)
    return built


def butterworth_lowpass(order: int, cutoff_hz: float, rate_hz: float) -> list[Section]:
    """Butterworth low-pass of ``order`` at ``cutoff_hz`` (-3 dB), as sections."""
    warped = _warped(cutoff_hz, rate_hz)
    digital = []
    denominator = 1.0  # ∏ (k − p) over all analog poles, a real number
    for p in _prototype(order):
        analog = (p[0] * warped, p[1] * warped)
        k_minus_p = (_BILINEAR_K - analog[0], -analog[1])
        if analog[1] == 0.0:
            denominator *= k_minus_p[0]
        else:
            denominator *= k_minus_p[0] * k_minus_p[0] + k_minus_p[1] * k_minus_p[1]
        digital.append(_bilinear(analog))
    gain = _power(warped, order) / denominator
    return _sections(digital, [-1.0] * order, gain)


def butterworth_bandpass(
    order: int, low_hz: float, high_hz: float, rate_hz: float
) -> list[Section]:
    """Butterworth band-pass, ``order`` per edge (2·order poles), as sections."""
    low, high = _warped(low_hz, rate_hz), _warped(high_hz, rate_hz)
    bandwidth = high - low
    centre2 = low * high  # ω0²
    digital: list[_Complex] = []
    denominator = 1.0
    for p in _prototype(order):
        half = (p[0] * bandwidth / 2.0, p[1] * bandwidth / 2.0)
        root = _sqrt((half[0] * half[0] - half[1] * half[1] - centre2,
                      2.0 * half[0] * half[1]))
        pair = [(half[0] + root[0], half[1] + root[1]), (half[0] - root[0], half[1] - root[1])]
        if p[1] == 0.0:
            # The real prototype pole gives a conjugate pair or two real poles.
            if pair[0][1] == 0.0 and pair[1][1] == 0.0:
                for q in pair:
                    denominator *= _BILINEAR_K - q[0]
                    digital.append(_bilinear(q))
            else:
                q = pair[0] if pair[0][1] > 0 else pair[1]
                k_minus_q = (_BILINEAR_K - q[0], -q[1])
                denominator *= k_minus_q[0] * k_minus_q[0] + k_minus_q[1] * k_minus_q[1]
                digital.append(_bilinear(q))
            continue
        for q in pair:
            # Each of these and its conjugate (from p's conjugate) is a pole.
            k_minus_q = (_BILINEAR_K - q[0], -q[1])
            denominator *= k_minus_q[0] * k_minus_q[0] + k_minus_q[1] * k_minus_q[1]
            z = _bilinear(q)
            digital.append((z[0], abs(z[1])))
    gain = _power(bandwidth * _BILINEAR_K, order) / denominator
    return _sections(digital, [1.0] * order + [-1.0] * order, gain)


def notch(freq_hz: float, bandwidth_hz: float, rate_hz: float) -> Section:
    """Second-order IIR notch at ``freq_hz``, ``bandwidth_hz`` wide at -3 dB (scipy's
    ``iirnotch`` with ``Q = freq_hz / bandwidth_hz``)."""
    beta = tan_turn(bandwidth_hz / (2.0 * rate_hz))
    gain = 1.0 / (1.0 + beta)
    two_cos = 2.0 * cos_turn(freq_hz / rate_hz)
    return (gain, -two_cos * gain, gain, 1.0, -two_cos * gain, 2.0 * gain - 1.0)


def step_steady_state(sections: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    """Each section's state (transposed direct form II, as ``sosfilt``) once a unit step has
    passed the whole cascade: scipy's ``sosfilt_zi`` in closed form."""
    states = []
    scale = 1.0  # DC gain of the sections before this one
    for b0, b1, b2, _, a1, a2 in sections:
        dc = (b0 + b1 + b2) / (1.0 + a1 + a2)
        z1 = b2 - a2 * dc
        z0 = b1 - a1 * dc + z1
        states.append((scale * z0, scale * z1))
        scale *= dc
    return states


def group_delay_samples(section: Sequence[float], freq_hz: float, rate_hz: float) -> float:
    """Group delay of one section at ``freq_hz``, in samples: for each polynomial
    c(z) = Σ c_k z^-k its delay is Re(Σ k·c_k·e^{-jωk} / Σ c_k·e^{-jωk}); the section's is the
    numerator's minus the denominator's. ``freq_hz`` must not sit on a zero of the section."""

    def delay(coeffs: tuple[float, float, float]) -> float:
        num = (0.0, 0.0)
        den = (0.0, 0.0)
        for k, c in enumerate(coeffs):
            sin_t, cos_t = sin_cos_turns(k * freq_hz / rate_hz)
            term = (c * float(cos_t), -c * float(sin_t))
            den = (den[0] + term[0], den[1] + term[1])
            num = (num[0] + k * term[0], num[1] + k * term[1])
        return _div(num, den)[0]

    b0, b1, b2, a0, a1, a2 = section
    return delay((b0, b1, b2)) - delay((a0, a1, a2))
