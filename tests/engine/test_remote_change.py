"""A change from a clinic dashboard: recorded as who-then-what, judged like a clinician's key,
and said in words on the clinician view."""

from __future__ import annotations

import dataclasses

import pytest

from engine.calibration_procedure import CalibrationProtocol
from engine.errors import ConfigError
from engine.messages import ConfigChange, RuleEvent, SampleFrame, Side, UserInput
from engine.offline import OfflineEngine
from engine.protocol import builtin_protocol
from engine.remote_change import REMOTE_BY_KEY, RemoteAuthor
from engine.training import TrainingConfig
from modes.clinician import event_line
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 1000.0
DASHBOARD = "myoplay-dashboard:front-desk:control"


def remote(t_ns: int, key: str, value: object) -> list[ConfigChange]:
    author = RemoteAuthor("dr_lee", key, value, DASHBOARD, 1)  # type: ignore[arg-type]
    return [ConfigChange(t_ns, REMOTE_BY_KEY, author.to_plain()), ConfigChange(t_ns, key, value)]


def test_a_remote_pause_is_named_and_the_players_p_resumes_it():
    plan = (script.rest(2.0) + script.mvc_trials(2, effort_s=2.0, recover_s=1.0)
            + script.rest(3.5) + script.quad_sets(2, level=0.3, hold_s=6.0, rest_s=4.0))
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, snr_db=25.0), plan, seed=5)
    frames = [SampleFrame("sim", k, first, round(first * 1e9 / RATE_HZ),
                          patient.render(first, 50).counts)
              for k, first in enumerate(range(0, int(plan.duration_s * RATE_HZ), 50))]
    protocol = builtin_protocol("quad_set")
    protocol = dataclasses.replace(protocol, timing=dataclasses.replace(protocol.timing, reps=2))
    training = TrainingConfig(protocol, calibration_protocol=CalibrationProtocol(
        rest_s=2.0, efforts=2, effort_s=2.0, recover_s=1.0), involved_side=Side.LEFT, seed=2)
    engine = OfflineEngine.fresh(SimulatedSource(patient, realtime=False).info, training, 50.0)
    inputs = [*remote(12_000_000_000, "rules.paused", True), UserInput(14_000_000_000, "pause")]
    events = [r for r in engine.run(frames, inputs) if isinstance(r, RuleEvent)]
    kinds = [e.kind for e in events]
    said = events[kinds.index("remote_change")]
    assert (said.t_ns, said.subject) == (12_000_000_000, "dr_lee")
    assert kinds.index("remote_change") < kinds.index("user_paused") < kinds.index("user_resumed")
    resumed = events[kinds.index("user_resumed")]
    assert resumed.data["paused_s"] == pytest.approx(2.0, abs=0.06)
    assert event_line(said) == "Paused by dr_lee (dashboard)"


def test_the_clinician_view_says_who_set_which_band():
    change = RemoteAuthor("dr_lee", "rules.target_band_pct", [30.0, 50.0], DASHBOARD, 3)
    event = RuleEvent(5, "remote_change", "dr_lee", change.to_plain())
    assert event_line(event) == "Band set to 30–50 %MVC by dr_lee (dashboard)"
    assert event_line(RuleEvent(5, "rep_started", "quadriceps:left")) == (
        "rep started quadriceps:left")


@pytest.mark.parametrize("value", [None, "dr_lee", {"by": "", "key": "rules.paused"},
                                   {"by": "x", "key": "rules.protocol", "dashboard": "d",
                                    "seq": 1},
                                   {"by": "x", "key": "rules.paused", "dashboard": "d"}])
def test_a_malformed_author_is_refused(value: object):
    with pytest.raises(ConfigError, match=r"remote\.by"):
        RemoteAuthor.from_plain(value)  # type: ignore[arg-type]
