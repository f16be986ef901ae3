"""How long the filters take to settle after a restart, derived from their design.

The pipeline restarts its filters on the first clean sample after saturation, lift-off, bad
samples or a long gap (an artefact of any size must not ring on into the envelope), priming the
band-pass for the electrode's offset. Its output then lacks what the missing past would have
contributed: for a stationary input, the power of that error ``t`` samples after the restart is
the input's power times the band cascade's impulse-response energy beyond ``t``. The band
cascade has settled once that tail holds less than :data:`BAND_TAIL_ENERGY` of the whole (the
envelope then within about 1 %); the mains notches, two hertz wide, ring longest and decide it.
The envelope low-pass, restarted from zero, must then come within
:data:`ENVELOPE_STEP_TOLERANCE` of its final value (a moving RMS: one full window).

At the default design (20–450 Hz, notches at 50/100/150 Hz, 10 Hz envelope) that is about
0.43 s + 0.10 s at every rate. The responses are computed with the same compiled filter loop
the pipeline runs, so the figure is the same on every machine.
"""

from __future__ import annotations

import numpy as np

from engine.dsp.filters import FloatArray, SosCascade
from engine.errors import ConfigError

BAND_TAIL_ENERGY = 1e-4
"""Share of the band cascade's impulse-response energy still to come when it counts as settled
(−40 dB in power: about 1 % in amplitude)."""
ENVELOPE_STEP_TOLERANCE = 0.02
"""How close to its final value the restarted envelope low-pass must have come."""
LONGEST_SETTLING_S = 5.0
"""Filters that ring longer than this are refused: %MVC would be withheld for too long after
every artefact (a notch far narrower than a hertz, for instance)."""


def band_settling_samples(sos: FloatArray, rate_hz: float) -> int:
    """Samples until the band cascade ``sos`` has settled after a restart (see the module)."""
    horizon = 2 * _longest_n(rate_hz)
    impulse = np.zeros((1, horizon))
    impulse[0, 0] = 1.0
    SosCascade(sos, 1).process(impulse)
    energy = impulse[0] * impulse[0]
    # Energy still to come after each sample, summed from the end (a fixed sequential order).
    to_come = np.cumsum(energy[::-1])[::-1]
    settled = np.flatnonzero(to_come < BAND_TAIL_ENERGY * to_come[0])
    return _checked(int(settled[0]) if settled.size else horizon, rate_hz, "band-pass and notches")


def lowpass_settling_samples(sos: FloatArray, rate_hz: float) -> int:
    """Samples until a low-pass ``sos`` restarted from zero is within
    :data:`ENVELOPE_STEP_TOLERANCE` of a constant input for good."""
    horizon = 2 * _longest_n(rate_hz)
    step = np.ones((1, horizon))
    SosCascade(sos, 1).process(step)
    outside = np.flatnonzero(np.abs(step[0] - 1.0) > ENVELOPE_STEP_TOLERANCE)
    return _checked(int(outside[-1]) + 1 if outside.size else 0, rate_hz, "envelope low-pass")


def _longest_n(rate_hz: float) -> int:
    return max(1, round(LONGEST_SETTLING_S * rate_hz))


def _checked(samples: int, rate_hz: float, what: str) -> int:
    if samples > _longest_n(rate_hz):
        raise ConfigError(
            f"the {what} take {samples / rate_hz:.1f} s to settle after a signal problem, "
            f"longer than {LONGEST_SETTLING_S:g} s",
            hint="widen the mains notches or raise the envelope's corner frequency",
        )
    return samples
