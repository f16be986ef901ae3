"""Sine, cosine, tangent and arctangent that give the same bits on every machine.

numpy's ``sin``/``cos`` pick an implementation by the CPU's SIMD level (AVX-512 and AVX2 builds
round differently from the C library's), and the C library itself picks FMA variants at load
time, so ``np.cos`` or ``math.atan2`` can differ in the last bit between two computers. Every
number that reaches an output (filter coefficients, the mains probes of the quality monitor, the
symmetry angle, the virtual patient's samples) is therefore computed here, from IEEE-754 basic
operations only (+, −, ×, ÷, √ and rounding to an integer), each correctly rounded by the
standard, one numpy call or Python operation at a time so no compiler can fuse them.

Angles are given in *turns* (1 turn = 2π rad): reducing a turn count to the nearest eighth of a
turn is exact in binary floating point, where reducing radians modulo π is not. The result is
within a few units in the last place of the true value; what matters is that it is the same
everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Taylor coefficients 1/k! (each a correctly rounded integer quotient): on |x| <= π/4 the first
# omitted terms (x^19/19!, x^18/18!) are below 1e-19, far under double precision.
_SIN_COEFFS = tuple((-1) ** j / math.factorial(2 * j + 1) for j in range(9))
_COS_COEFFS = tuple((-1) ** j / math.factorial(2 * j) for j in range(9))


def _polynomial(coeffs: tuple[float, ...], x2: FloatArray) -> FloatArray:
    """Horner's rule in x², highest power first, one rounding per step."""
    acc = np.full_like(x2, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = acc * x2 + c
    return acc


def sin_cos_turns(turns: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``sin(2π·turns)`` and ``cos(2π·turns)``, element-wise, the same bits on any machine.

    ``turns`` may be any float array (or scalar); the reduction to the nearest quarter turn is
    exact, so large arguments lose nothing beyond what their own representation holds.
    """
    t = np.asarray(turns, dtype=np.float64)
    r = t - np.rint(t)  # in [-1/2, 1/2] turn, exact
    quarter = np.rint(r * 4.0)  # the nearest quarter turn, -2 … 2
    s = r - quarter * 0.25  # in [-1/8, 1/8] turn, exact
    x = s * math.tau
    x2 = x * x
    sin_s = x * _polynomial(_SIN_COEFFS, x2)
    cos_s = _polynomial(_COS_COEFFS, x2)
    q = quarter.astype(np.int64) % 4
    sin_out = np.select([q == 0, q == 1, q == 2], [sin_s, cos_s, -sin_s], -cos_s)
    cos_out = np.select([q == 0, q == 1, q == 2], [cos_s, -sin_s, -cos_s], sin_s)
    return sin_out, cos_out


def cos_turn(turns: float) -> float:
    """``cos(2π·turns)`` for one value."""
    return float(sin_cos_turns(turns)[1])


def sin_turn(turns: float) -> float:
    """``sin(2π·turns)`` for one value."""
    return float(sin_cos_turns(turns)[0])


def tan_turn(turns: float) -> float:
    """``tan(2π·turns)`` for one value (sine over cosine, each portable)."""
    sin_t, cos_t = sin_cos_turns(turns)
    return float(sin_t) / float(cos_t)


# atan on |u| <= tan(π/16) ≈ 0.199 after two argument halvings: u² < 0.04, so 12 terms of the
# series u - u³/3 + u⁵/5 - … leave an error under 1e-19.
_ATAN_TERMS = 12
_TAN_PI_8 = 0.41421356237309503  # √2 − 1, the switch to atan(a) = π/4 + atan((a−1)/(a+1))


def _atan_small(u: float) -> float:
    u2 = u * u
    acc = 0.0
    for k in reversed(range(_ATAN_TERMS)):
        acc = acc * u2 + (-1) ** k / (2 * k + 1)
    return u * acc


def atan2_deg(y: float, x: float) -> float:
    """``atan2(y, x)`` in degrees, from basic operations only (the same bits on any machine).

    Same conventions as :func:`math.atan2`: the result is in (-180°, 180°]; signed zeros and
    infinities are not special-cased beyond what the symmetry metrics need (finite inputs).
    """
    if x == 0.0 and y == 0.0:
        return 0.0
    ax, ay = abs(x), abs(y)
    swapped = ay > ax
    a = ax / ay if swapped else ay / ax  # in [0, 1]
    # atan(a) for a in [0, 1], in units of π/4 plus a small remainder.
    eighths = 0.0
    if a > _TAN_PI_8:
        a = (a - 1.0) / (a + 1.0)  # |a| <= tan(π/8)
        eighths = 1.0
    # atan(u) = 2·atan(u / (1 + √(1 + u²))): one halving brings |u| under tan(π/16).
    u = a / (1.0 + math.sqrt(1.0 + a * a))
    angle = eighths * 45.0 + 2.0 * _atan_small(u) * (180.0 / math.pi)
    if swapped:
        angle = 90.0 - angle
    if x < 0.0:
        angle = 180.0 - angle
    return -angle if y < 0.0 else angle
