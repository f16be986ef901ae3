"""The portable filter designs are scipy's designs: the same sections in the same order, equal
to rounding, and the closed-form steady state and group delay equal scipy's too."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from engine.dsp import iir_design

RATES_HZ = (200.0, 250.0, 500.0, 1000.0, 1926.0, 2000.0, 4000.0)


def _close(mine, reference):
    mine = np.asarray(mine, dtype=np.float64)
    assert mine.shape == reference.shape
    np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("rate_hz", RATES_HZ)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_bandpass_equals_scipy(rate_hz, order):
    high = min(450.0, 0.45 * rate_hz)
    _close(iir_design.butterworth_bandpass(order, 20.0, high, rate_hz),
           signal.butter(order, [20.0, high], "bandpass", fs=rate_hz, output="sos"))


@pytest.mark.parametrize("rate_hz", RATES_HZ)
@pytest.mark.parametrize("order", [2, 4, 6])
def test_lowpass_equals_scipy(rate_hz, order):
    _close(iir_design.butterworth_lowpass(order, 6.0, rate_hz),
           signal.butter(order, 6.0, "lowpass", fs=rate_hz, output="sos"))


@pytest.mark.parametrize("order", [1, 3, 5])
def test_odd_lowpass_has_scipys_response(order):
    # scipy places an odd order's zeros in other sections; the filter is the same.
    mine = np.array(iir_design.butterworth_lowpass(order, 40.0, 1000.0))
    reference = signal.butter(order, 40.0, "lowpass", fs=1000.0, output="sos")
    _, h_mine = signal.sosfreqz(mine, worN=64, fs=1000.0)
    _, h_reference = signal.sosfreqz(reference, worN=64, fs=1000.0)
    np.testing.assert_allclose(h_mine, h_reference, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("rate_hz", "freq_hz"), [
    (rate, freq) for rate in RATES_HZ for freq in (50.0, 60.0, 100.0, 150.0) if freq < rate / 2
])
def test_notch_equals_scipy(rate_hz, freq_hz):
    _close([iir_design.notch(freq_hz, 2.0, rate_hz)],
           signal.tf2sos(*signal.iirnotch(freq_hz, freq_hz / 2.0, fs=rate_hz)))


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_step_steady_state_equals_scipy(rate_hz):
    sos = signal.butter(2, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz,
                        output="sos")
    sos = np.vstack([sos, signal.butter(2, 6.0, fs=rate_hz, output="sos")])
    _close(iir_design.step_steady_state(sos.tolist()), signal.sosfilt_zi(sos))


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_group_delay_equals_scipy(rate_hz):
    sos = signal.butter(2, [20.0, min(450.0, 0.45 * rate_hz)], "bandpass", fs=rate_hz,
                        output="sos")
    for section in sos:
        _, expected = signal.group_delay((section[:3], section[3:]), w=[60.0], fs=rate_hz)
        assert iir_design.group_delay_samples(section.tolist(), 60.0, rate_hz) == (
            pytest.approx(float(expected[0]), rel=1e-9)
        )
