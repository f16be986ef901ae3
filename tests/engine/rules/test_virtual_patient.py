"""Scripted virtual-patient sessions: virtual patient -> streaming pipeline -> rules engine.

Each session first calibrates like the calibration screen does (rest, then maximal efforts,
through the uncalibrated pipeline), then the patient follows the exercise's cues live: every
frame it looks at the exercise view and sets its muscles' activation, as a person would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pytest

from engine.calibration import build_calibration
from engine.clock import sample_offset_ns
from engine.dsp import Pipeline, PipelineConfig
from engine.messages import ChannelInfo, Gap, RuleEvent, SampleFrame, Side, SourceInfo
from engine.protocol import Protocol, builtin_protocol, protocol_from_plain
from engine.rules import RulesEngine
from engine.rules.session_summary import SessionSummary
from engine.view import ExerciseView
from sensors.virtual_patient import Artefact, PatientConfig, VirtualPatient
from sensors.virtual_patient import script as s

RATE_HZ = 1000.0
NS = 1_000_000_000
REST_S = 4.0
EFFORT_S = 3.0
RECOVER_S = 2.0
EFFORTS = 2
CALIBRATION_S = REST_S + EFFORTS * (EFFORT_S + RECOVER_S)
BRIDGE_CHANNELS = (
    ChannelInfo("L-glute", "gluteus_maximus", Side.LEFT),
    ChannelInfo("R-glute", "gluteus_maximus", Side.RIGHT),
    ChannelInfo("L-ham", "hamstrings", Side.LEFT),
    ChannelInfo("R-ham", "hamstrings", Side.RIGHT),
)

Intent = Callable[[ExerciseView], Mapping[str, float]]
"""Activation (1 = MVC) per channel label the patient wants, given what the game shows."""


class Session:
    """One virtual patient streamed through a real pipeline into a rules engine."""

    def __init__(self, config: PatientConfig, *artefacts: Artefact, seed: int = 11) -> None:
        muscles = tuple(sorted({c.muscle for c in config.channels}))
        calibration = s.rest(REST_S) + s.mvc_trials(
            EFFORTS, effort_s=EFFORT_S, recover_s=RECOVER_S, muscles=muscles
        )
        self.patient = VirtualPatient(config, calibration.with_artefacts(*artefacts), seed=seed)
        self.info = SourceInfo("sim", "Virtual patient", "simulated", config.rate_hz,
                               config.channels, "<i2", config.adc_scale_uv)
        self.pipeline = Pipeline(PipelineConfig.for_source(self.info))
        self.frame_n = self.patient.block_n
        self.index = 0
        self.wanted: dict[str, float] = {}
        self._calibrate()

    def _frame(self) -> SampleFrame:
        chunk = self.patient.render(self.index, self.frame_n)
        frame = SampleFrame("sim", self.index // self.frame_n, self.index,
                            sample_offset_ns(self.index, RATE_HZ), chunk.counts)
        self.index += self.frame_n
        return frame

    def _calibrate(self) -> None:
        blocks = [self.pipeline.process(self._frame())
                  for _ in range(round(CALIBRATION_S * RATE_HZ) // self.frame_n)]
        envelope = np.concatenate([b.envelope_uv for b in blocks])
        clean = np.concatenate([b.quality for b in blocks]) == 0
        rest = slice(round(1.0 * RATE_HZ), round(REST_S * RATE_HZ))  # after the filters settle
        efforts = [
            slice(round(start * RATE_HZ), round((start + EFFORT_S) * RATE_HZ))
            for start in (REST_S + k * (EFFORT_S + RECOVER_S) for k in range(EFFORTS))
        ]
        calibration = build_calibration(
            self.info.labels, envelope[rest], [envelope[e] for e in efforts], RATE_HZ,
            self.pipeline.config.signature(), rest_usable=clean[rest],
            effort_usable=[clean[e] for e in efforts], t_ns=sample_offset_ns(self.index, RATE_HZ),
        )
        self.pipeline.set_calibration(calibration)

    def play(
        self,
        engine: RulesEngine,
        intent: Intent,
        duration_s: float,
        lost_s: tuple[float, float] | None = None,
    ) -> list[RuleEvent]:
        """Play ``duration_s`` more; frames between the session times ``lost_s`` never arrive
        (the pipeline is told of the gap when the next frame comes, as a source reports it)."""
        events: list[RuleEvent] = []
        lost_from: int | None = None
        for _ in range(round(duration_s * RATE_HZ) // self.frame_n):
            for label, level in intent(engine.view()).items():
                if self.wanted.get(label) != level:
                    self.patient.set_activation(label, level, at_index=self.index)
                    self.wanted[label] = level
            first = self.index
            frame = self._frame()
            if lost_s is not None and lost_s[0] <= first / RATE_HZ < lost_s[1]:
                lost_from = first if lost_from is None else lost_from
                continue
            if lost_from is not None:
                gap = Gap("sim", lost_from, first - lost_from, sample_offset_ns(lost_from, RATE_HZ),
                          sample_offset_ns(first - lost_from, RATE_HZ), "test")
                events += engine.step(self.pipeline.gap(gap))
                lost_from = None
            events += engine.step(self.pipeline.process(frame))
        return events


def of_kind(events: Sequence[RuleEvent], kind: str) -> list[RuleEvent]:
    return [e for e in events if e.kind == kind]


def kinds(events: Sequence[RuleEvent]) -> list[str]:
    return [e.kind for e in events]


def on_cue(contract: Mapping[str, float], labels: Sequence[str]) -> Intent:
    """Contract as given while the game says "contract", relax otherwise."""

    def intent(view: ExerciseView) -> Mapping[str, float]:
        return contract if view.phase == "contract" else dict.fromkeys(labels, 0.0)

    return intent


LEG_LABELS = ("L-quad", "R-quad", "L-ham", "R-ham")
BRIDGE_LABELS = tuple(c.label for c in BRIDGE_CHANNELS)


def test_compliant_patient_completes_every_prescribed_rep() -> None:
    session = Session(PatientConfig(rate_hz=RATE_HZ))
    protocol = builtin_protocol("straight_leg_raise")
    engine = RulesEngine(protocol, session.info.channels, involved_side=Side.LEFT)
    events = session.play(engine, on_cue({"L-quad": 0.45}, LEG_LABELS), 175.0)
    summary = engine.summary()
    assert summary.reps_completed == summary.reps_prescribed == 15
    assert summary.finished
    assert "quality_paused" not in kinds(events)
    assert kinds(events)[-1] == "session_completed"
    # Held at 45 % of MVC; the rep means run from the rep's onset (half way to the band).
    assert all(40.0 < (r.mean_pct or 0.0) < 50.0 for r in summary.reps)
    assert summary.peak_pct_by_channel["L-quad"] > 45.0


SHORT_SQUATS: dict[str, object] = builtin_protocol("symmetry_hold").to_plain() | {
    "timing": {"ready_s": 2.0, "hold_s": 5.0, "contract_s": 10.0, "rest_s": 3.0, "reps": 6},
    "progression": {"min_peak_pct": 70.0, "min_symmetry_pct": 90.0, "last_reps": 3},
}


def squats(config: PatientConfig) -> tuple[RulesEngine, list[RuleEvent]]:
    protocol: Protocol = protocol_from_plain(SHORT_SQUATS, "test")
    session = Session(config)
    engine = RulesEngine(protocol, session.info.channels)
    events = session.play(engine, on_cue({"L-quad": 0.6, "R-quad": 0.6}, LEG_LABELS), 60.0)
    return engine, events


def test_a_patient_slow_to_answer_the_cue_is_measured_from_the_onset_of_the_hold() -> None:
    """The reaction to the cue is no part of the hold: a patient answering 0.8 s late has the
    rep and working-phase means of one answering at once (counting the wait read them about
    8 % low on these 5 s holds)."""
    protocol: Protocol = protocol_from_plain(SHORT_SQUATS, "test")
    hold = {"L-quad": 0.6, "R-quad": 0.6}
    rest = dict.fromkeys(LEG_LABELS, 0.0)
    summaries = []
    for wait_s in (0.0, 0.8):
        session = Session(PatientConfig(rate_hz=RATE_HZ))
        engine = RulesEngine(protocol, session.info.channels)

        def intent(view: ExerciseView, wait_s: float = wait_s) -> Mapping[str, float]:
            return hold if view.phase == "contract" and view.phase_elapsed_s >= wait_s else rest

        session.play(engine, intent, 60.0)
        summaries.append(engine.summary())
    prompt, late = summaries
    assert len(late.reps) == len(prompt.reps) == 6
    # The late patient's holds end later.
    assert sum(r.duration_s for r in late.reps) > sum(r.duration_s for r in prompt.reps) + 3.0

    def mean_of_reps(summary: SessionSummary) -> float:
        return sum(r.mean_pct or 0.0 for r in summary.reps) / len(summary.reps)

    # A rep's mean scatters by about 1 %MVC with the EMG's randomness; the wait, counted, was 4.
    assert mean_of_reps(late) == pytest.approx(mean_of_reps(prompt), abs=1.5)
    for label in ("L-quad", "R-quad"):
        assert late.mean_pct_by_channel[label] == pytest.approx(
            prompt.mean_pct_by_channel[label], abs=1.5)


def test_symmetric_patient_is_ready_to_progress() -> None:
    engine, events = squats(PatientConfig(rate_hz=RATE_HZ))
    assert engine.summary().reps_completed == 6
    assert len(of_kind(events, "progression_ready")) == 1
    assert engine.summary().mean_symmetry_lsi_pct == pytest.approx(100.0, abs=8.0)


def test_left_quadriceps_forty_percent_weaker_raises_symmetry_alerts_and_no_progression() -> None:
    engine, events = squats(PatientConfig(rate_hz=RATE_HZ, deficit={"L-quad": 0.4}))
    alerts = of_kind(events, "symmetry_alert")
    assert alerts
    assert alerts[0].data["lsi_pct"] == pytest.approx(60.0, abs=10.0)  # type: ignore[index]
    assert alerts[0].subject == "quadriceps"
    assert "progression_ready" not in kinds(events)
    summary = engine.summary()
    assert summary.mean_symmetry_lsi_pct == pytest.approx(60.0, abs=10.0)
    assert not summary.progression_ready


def bridge_session(config: PatientConfig) -> list[RuleEvent]:
    session = Session(config)
    engine = RulesEngine(builtin_protocol("glute_bridge"), session.info.channels)
    intent = on_cue({"L-glute": 0.45, "R-glute": 0.45}, BRIDGE_LABELS)
    return session.play(engine, intent, 30.0)


def test_bridge_with_the_glutes_doing_the_work_raises_no_compensation_alert() -> None:
    events = bridge_session(PatientConfig(rate_hz=RATE_HZ, channels=BRIDGE_CHANNELS))
    assert "compensation_alert" not in kinds(events)
    assert of_kind(events, "rep_completed")


def test_hamstrings_co_activating_during_a_bridge_raise_a_compensation_alert_in_time() -> None:
    session = Session(PatientConfig(rate_hz=RATE_HZ, channels=BRIDGE_CHANNELS))
    engine = RulesEngine(builtin_protocol("glute_bridge"), session.info.channels)
    pushing_through_heels = {"L-glute": 0.35, "R-glute": 0.35, "L-ham": 0.55, "R-ham": 0.55}
    events = session.play(engine, on_cue(pushing_through_heels, BRIDGE_LABELS), 30.0)
    alerts = of_kind(events, "compensation_alert")
    assert alerts
    first_rep = of_kind(events, "rep_started")[0]
    rule = builtin_protocol("glute_bridge").compensation
    assert rule is not None
    # Reaction (one frame), envelope rise, the ratio window and the minimum time, with margin.
    assert alerts[0].t_ns - first_rep.t_ns <= (rule.window_s + rule.min_duration_s + 1.0) * NS
    assert alerts[0].t_ns < of_kind(events, "rep_completed")[0].t_ns
    assert alerts[0].data["value"] > rule.limit  # type: ignore[index]
    assert engine.view().compensation_limit == rule.limit


def test_lifted_electrode_pauses_the_exercise_instead_of_counting_a_rep() -> None:
    lift_at_s = CALIBRATION_S + 6.0  # in the first hold (ready 3 s, then contract)
    session = Session(
        PatientConfig(rate_hz=RATE_HZ),
        Artefact("lift_off", start_s=lift_at_s, duration_s=1.0, channels=("L-quad",)),
    )
    engine = RulesEngine(builtin_protocol("straight_leg_raise"), session.info.channels,
                         involved_side=Side.LEFT)
    events = session.play(engine, on_cue({"L-quad": 0.45}, LEG_LABELS), 20.0)
    paused = of_kind(events, "quality_paused")
    assert len(paused) == 1
    assert paused[0].subject == "L-quad"
    assert "lift_off" in paused[0].data["flags"]  # type: ignore[index,operator]
    assert abs(paused[0].t_ns - lift_at_s * NS) < 0.2 * NS
    broken = of_kind(events, "hold_broken")
    assert broken[0].data["reason"] == "quality"  # type: ignore[index]
    resumed = of_kind(events, "quality_resumed")[0]
    completed = of_kind(events, "rep_completed")
    assert completed
    assert completed[0].t_ns >= resumed.t_ns + 5 * NS  # the rep was held again, in full
    assert completed[0].data["rep"] == 1  # type: ignore[index]


def test_lost_packets_during_a_hold_pause_instead_of_bridging_the_gap() -> None:
    session = Session(PatientConfig(rate_hz=RATE_HZ))
    engine = RulesEngine(builtin_protocol("straight_leg_raise"), session.info.channels,
                         involved_side=Side.LEFT)
    lost = (CALIBRATION_S + 6.0, CALIBRATION_S + 6.5)
    events = session.play(engine, on_cue({"L-quad": 0.45}, LEG_LABELS), 20.0, lost_s=lost)
    paused = of_kind(events, "quality_paused")
    assert len(paused) == 1
    assert paused[0].data["flags"] == ["gap"]  # type: ignore[index]
    assert paused[0].t_ns == pytest.approx(lost[0] * NS, abs=0.05 * NS)
    assert of_kind(events, "hold_broken")[0].data["reason"] == "quality"  # type: ignore[index]
    resumed = of_kind(events, "quality_resumed")[0]
    assert of_kind(events, "rep_completed")[0].t_ns >= resumed.t_ns + 5 * NS
