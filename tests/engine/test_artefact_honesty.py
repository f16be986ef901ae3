"""No event carries %MVC from a flagged or settling span, however bad the artefacts.

A quad-set session of the virtual patient is judged twice: clean, and with rail bursts and
single wild samples injected into the working muscle during holds and rests. The protocol
resumes at once after a signal problem (``resume_after_s = 0``), the setting that let ringing
filters hand a rep a peak of 22,700 %MVC before the filters restarted after artefacts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest

from engine.calibration_procedure import CalibrationProtocol
from engine.messages import PlainValue, RuleEvent, SampleFrame, Side
from engine.offline import OfflineEngine
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
FRAME = 20
CALIBRATION = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=1.0)
#: Settings of the band, not measurements: they may be anything the protocol allows.
BAND_KEYS = {"low_pct", "high_pct", "target_pct", "ceiling_pct"}


def _training() -> TrainingConfig:
    protocol = builtin_protocol("quad_set")
    timing = dataclasses.replace(protocol.timing, reps=4, sets=1)
    quality = dataclasses.replace(protocol.quality, resume_after_s=0.0)
    return TrainingConfig(dataclasses.replace(protocol, timing=timing, quality=quality),
                          calibration_protocol=CALIBRATION, involved_side=Side.LEFT, seed=3)


def _session(artefacts: bool) -> list[RuleEvent]:
    every = ("L-quad", "R-quad", "L-ham", "R-ham")
    plan = (script.rest(2.0) + script.mvc_trials(2, effort_s=2.0, recover_s=1.0, muscles=every)
            + script.rest(3.5) + script.quad_sets(4, level=0.45, hold_s=6.0, rest_s=5.0))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, snr_db=25.0), plan, seed=11)
    source = SimulatedSource(patient, realtime=False).info
    total = int(plan.duration_s * RATE_HZ)
    counts = patient.render(0, total).counts.copy()
    if artefacts:
        top = np.iinfo(counts.dtype).max
        column = source.labels.index("L-quad")
        # Artefacts that end just before a rep starts (reps begin at 10 s and 35 s), in
        # mid-hold and in a rest.
        for k, at_s in enumerate((9.5, 16.0, 34.4, 41.0, 50.0)):
            at = int(at_s * RATE_HZ)
            if k % 2 == 0:
                # 0.3 s clipped between the rails at mains frequency: the notches' worst case.
                counts[at : at + 300, column] = np.where((np.arange(300) // 10) % 2, top, -top)
            else:
                counts[at : at + 5, column] = -top  # a 5 ms spike to a rail
    frames = [
        SampleFrame("sim", seq, first, round(first * 1e9 / RATE_HZ), counts[first : first + FRAME])
        for seq, first in enumerate(range(0, total, FRAME))
    ]
    engine = OfflineEngine.fresh(source, _training(), 50.0)
    return [r for r in engine.run(frames, []) if isinstance(r, RuleEvent)]


def _measured_pct(value: PlainValue, key: str = "") -> Iterator[float]:
    """Every %MVC measurement in an event payload (band settings excluded)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _measured_pct(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _measured_pct(v, key)
    elif (isinstance(value, int | float) and not isinstance(value, bool)
          and "pct" in key and key not in BAND_KEYS):
        yield float(value)


@pytest.mark.slow
def test_no_event_carries_pct_from_an_artefact():
    clean = [p for e in _session(False) for p in _measured_pct(e.data)]
    events = _session(True)
    kinds = {e.kind for e in events}
    assert {"quality_paused", "quality_resumed"} <= kinds, kinds
    measured = [p for e in events for p in _measured_pct(e.data)]
    assert clean
    assert measured
    # The rails and spikes are several mV, far above the holds' envelope: any %MVC taken from an
    # artefact or from filters ringing after one would be far above what the clean run saw.
    assert max(measured) <= 1.2 * max(clean), (max(measured), max(clean))
