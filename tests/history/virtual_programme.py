"""Recordings of a virtual patient's programme, written faster than real time.

Each session is what ``myoplay play --client`` records — the session settings filed under the
client, a quick calibration, then quad sets — with the patient's true involved-side %MVC and
limb symmetry chosen per session, so that tests can check what the history recovers.
"""

from __future__ import annotations

from pathlib import Path

from actors.session import SessionPlan, recording_config
from engine.calibration_procedure import CalibrationProtocol
from engine.messages import SampleFrame, Side
from engine.protocol import Protocol, load_protocol
from engine.session_filing import SessionFiling
from engine.training import TrainingConfig
from myoplay.session_setup import sim_channels
from replays.writer import RecordingWriter
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
FRAME_SAMPLES = 20
CALIBRATION = CalibrationProtocol(rest_s=3.0, efforts=3, effort_s=3.0, recover_s=3.0)

#: Quad sets on the involved side with the symmetry measured, three reps of a 5 s hold.
PROTOCOL_TOML = """
name = "Quad set with symmetry"
kind = "hold"

[target]
muscle = "quadriceps"
side = "involved"
low_pct = 15.0
high_pct = 90.0
hysteresis_pct = 2.0
dwell_s = 0.2

[timing]
ready_s = 3.0
hold_s = 5.0
contract_s = 8.0
rest_s = 5.0
reps = 3
sets = 1
dip_tolerance_s = 0.5

[symmetry]
metric = "lsi"
threshold_pct = 90.0
hysteresis_pct = 3.0
window_s = 1.0
min_activation_pct = 5.0
min_duration_s = 1.0

[progression]
min_peak_pct = 60.0
min_symmetry_pct = 90.0
last_reps = 3
"""


def programme_protocol(folder: Path) -> Protocol:
    path = folder / "quad_set_symmetry.toml"
    path.write_text(PROTOCOL_TOML)
    return load_protocol(path)


def write_session(path: Path, protocol: Protocol, filing: SessionFiling, *,
                  involved_pct: float, lsi_pct: float, seed: int) -> None:
    """One session: the left (involved) quadriceps holds at ``involved_pct`` %MVC and the right
    at ``involved_pct / lsi_pct`` of its own maximum, so the LSI is ``lsi_pct``."""
    channels = sim_channels(protocol)
    labels = tuple(c.label for c in channels)
    reps = protocol.timing.reps
    level = involved_pct / lsi_pct
    plan_script = (script.rest(3.0)
                   # The calibration ends with the last effort; its recovery is the countdown.
                   + script.mvc_trials(3, effort_s=3.0, recover_s=3.0, muscles=labels)
                   + script.quad_sets(reps, level=level, hold_s=6.0, rest_s=4.2)
                   + script.rest(5.0))
    config = PatientConfig(rate_hz=RATE_HZ, channels=channels,
                           deficit={"L-quad": 1.0 - lsi_pct / 100.0})
    patient = VirtualPatient(config, plan_script, seed=seed)
    source = SimulatedSource(patient, realtime=False)
    training = TrainingConfig(protocol, calibration_protocol=CALIBRATION,
                              involved_side=Side.LEFT, seed=seed, filing=filing)
    plan = SessionPlan(source=source, training=training, record_path=path)
    total = int(plan_script.duration_s * RATE_HZ)
    with RecordingWriter(path, seed=seed, config=recording_config(plan), sources=[source.info],
                         fsync=False) as writer:
        for seq, first in enumerate(range(0, total, FRAME_SAMPLES)):
            n = min(FRAME_SAMPLES, total - first)
            t_ns = round(first * 1e9 / RATE_HZ)
            writer.write(SampleFrame(source.info.source_id, seq, first, t_ns,
                                     patient.render(first, n).counts, t_ns))
