"""The portable sine, cosine and arctangent: accurate to a few units in the last place, and
built from operations whose results IEEE-754 fixes (the cross-environment replay test checks
that they do not move with the CPU or libraries)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.portable_trig import atan2_deg, cos_turn, sin_cos_turns, sin_turn, tan_turn

# A reference at extended precision where the platform has it (x86-64 long double).
PI = np.longdouble("3.14159265358979323846264338327950288")


def test_sine_and_cosine_are_within_two_ulp_over_a_turn():
    turns = np.random.default_rng(3).uniform(-0.5, 0.5, 100_000)
    sin_t, cos_t = sin_cos_turns(turns)
    angle = 2 * PI * turns.astype(np.longdouble)
    assert np.max(np.abs(sin_t - np.sin(angle))) <= 2 * np.finfo(np.float64).eps
    assert np.max(np.abs(cos_t - np.cos(angle))) <= 2 * np.finfo(np.float64).eps


def test_whole_turns_reduce_exactly():
    # A turn count is reduced exactly: 1000.25 turns is a quarter turn to the last bit.
    sin_t, cos_t = sin_cos_turns(np.array([0.0, 0.25, 0.5, 0.75, 1000.25, -3.5]))
    assert sin_t.tolist() == [0.0, 1.0, 0.0, -1.0, 1.0, 0.0]
    assert cos_t.tolist() == [1.0, 0.0, -1.0, 0.0, 0.0, -1.0]


def test_scalar_forms_agree_with_the_array_form():
    assert sin_turn(0.1) == sin_cos_turns(0.1)[0]
    assert cos_turn(0.1) == sin_cos_turns(0.1)[1]
    assert tan_turn(0.125) == pytest.approx(1.0, rel=1e-15)
    assert tan_turn(0.05) == pytest.approx(math.tan(2 * math.pi * 0.05), rel=1e-15)


@pytest.mark.parametrize(("y", "x", "expected"), [
    (0.0, 1.0, 0.0), (1.0, 0.0, 90.0), (0.0, -1.0, 180.0), (-1.0, 0.0, -90.0),
    (1.0, 1.0, 45.0), (-1.0, -1.0, -135.0), (0.0, 0.0, 0.0),
])
def test_atan2_quadrants(y, x, expected):
    assert atan2_deg(y, x) == pytest.approx(expected, abs=1e-13)


def test_atan2_matches_the_c_library_to_rounding():
    rng = np.random.default_rng(5)
    for y, x in rng.uniform(-100, 100, size=(20_000, 2)).tolist():
        assert atan2_deg(y, x) == pytest.approx(math.degrees(math.atan2(y, x)),
                                                rel=4e-16, abs=1e-13)
