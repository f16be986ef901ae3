"""MVC calibration: baseline, reference, the record, and the calibration screen's procedure."""

from __future__ import annotations

import numpy as np
import pytest

from engine.calibration import Calibration, OverMvcMonitor, build_calibration, moving_average_peak
from engine.calibration_muscles import muscles_for
from engine.calibration_procedure import CalibrationProcedure, CalibrationProtocol
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import CalibrationError
from engine.messages import ConfigChange, ProcessedBlock, SampleFrame, message_from_list
from sensors.virtual_patient import PatientConfig
from sensors.virtual_patient import script as s
from sensors.virtual_patient.script import Artefact
from tests.engine.virtual_session import run_session

RATE = 2000
ALL = ("quadriceps", "hamstrings")
PROTOCOL = CalibrationProtocol(rest_s=3.0, efforts=3, effort_s=5.0, recover_s=3.0)


def _calibration_script():
    return s.rest(3.0) + s.mvc_trials(3, effort_s=5.0, recover_s=3.0, muscles=ALL) + s.rest(1.0)


def _calibrate(session, protocol=PROTOCOL):
    procedure = CalibrationProcedure(
        [c.label for c in session.patient.channels],
        RATE,
        session.pipeline.config.signature(),
        protocol,
    )
    views = []
    for block in session.blocks:
        if procedure.done:
            break
        procedure.step(block)
        views.append(procedure.view)
    return procedure, views


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mvc_calibration_recovers_the_true_maximum_within_5_percent(seed):
    session = run_session(_calibration_script(), seed=seed)
    procedure, _ = _calibrate(session)
    calibration = procedure.result()
    error = np.asarray(calibration.reference_uv) / session.patient.true_mvc_uv - 1
    assert np.abs(error).max() < 0.05, error
    assert calibration.kind == "mvc"
    assert calibration.pipeline == session.pipeline.config.signature()


def test_calibrated_pipeline_reports_pct_mvc_of_the_true_activation():
    session = run_session(_calibration_script() + s.hold(0.4, 4.0, muscles=ALL), seed=4)
    procedure, _ = _calibrate(session)
    last = session.blocks[-1]
    pipeline = Pipeline(session.pipeline.config)
    pipeline.set_calibration(procedure.result())
    counts = session.patient.render(0, last.first_index + last.n_samples).counts
    out = pipeline.process(SampleFrame("sim", 0, 0, 0, counts))
    assert out.pct_mvc is not None
    hold = out.pct_mvc[-6000:-1000]
    assert hold.mean(axis=0) == pytest.approx([40, 40, 40, 40], abs=4)
    assert np.isfinite(out.pct_mvc).all()


def test_procedure_views_walk_through_the_steps():
    session = run_session(_calibration_script(), seed=0)
    _, views = _calibrate(session)
    steps = [v.step for v in views]
    assert steps[0] == "rest"
    assert steps[-1] == "done"
    order = [step for i, step in enumerate(steps) if i == 0 or steps[i - 1] != step]
    assert order == ["rest", "effort", "recover", "effort", "recover", "effort", "done"]
    efforts = [v for v in views if v.step == "effort"]
    assert {v.effort_index for v in efforts} == {1, 2, 3}
    assert all(v.efforts_total == 3 for v in views)
    assert "push" in efforts[0].prompt
    assert all(0 <= v.remaining_s <= 5.0 for v in views)
    last_effort = [v for v in efforts if v.effort_index == 3][-1]
    assert np.array(last_effort.best_pct_of_current) == pytest.approx(100, abs=15)


def test_procedure_does_not_depend_on_chunking():
    script = _calibration_script()
    a, _ = _calibrate(run_session(script, seed=3, chunk=40))
    b, _ = _calibrate(run_session(script, seed=3, chunk=97))
    assert a.result().reference_uv == pytest.approx(b.result().reference_uv, rel=1e-9)


def test_submax_reference_records_its_kind_and_scales_output():
    protocol = CalibrationProtocol(
        rest_s=3.0, efforts=2, effort_s=5.0, recover_s=3.0, kind="submax", reference_pct_mvc=50.0
    )
    script = s.rest(3.0) + s.mvc_trials(2, recover_s=3.0, muscles=ALL, level=0.5)
    session = run_session(script, seed=1)
    procedure, views = _calibrate(session, protocol)
    calibration = procedure.result()
    assert calibration.kind == "submax"
    assert "pain" in next(v for v in views if v.step == "effort").prompt
    # A 50 % effort taken as 50 %MVC gives the same scale as a true MVC.
    ratio = np.asarray(calibration.reference_uv) / session.patient.true_mvc_uv
    assert ratio == pytest.approx(0.5, abs=0.05)
    assert calibration.gain_pct_per_uv[0] == pytest.approx(50 / calibration.reference_uv[0])


def test_an_effort_a_muscle_does_not_make_is_rejected_on_screen_and_repeated():
    # Only the quadriceps contract: the hamstrings never rise, so no effort of the four
    # channels together counts; the calibration keeps asking, saying why, and never finishes.
    script = s.rest(3.0) + s.mvc_trials(3, effort_s=5.0, recover_s=3.0) + s.rest(1.0)
    procedure, views = _calibrate(run_session(script, seed=0))
    assert not procedure.done
    reasons = [e.data["reason"] for e in procedure.take_events()]
    assert len(reasons) == 3
    assert all(r.startswith("L-ham and R-ham did not rise above rest: contract harder and hold")
               for r in reasons)
    assert reasons[-1].endswith("(still nothing after 3 tries: check the electrodes on L-ham, "
                                "R-ham)")
    recovering = [v for v in views if v.step == "recover"]
    assert recovering
    assert all("L-ham and R-ham did not rise" in v.rejection for v in recovering)
    assert {v.effort_index for v in views if v.step == "effort"} == {1}, "never counted"
    with pytest.raises(CalibrationError, match="not finished"):
        procedure.result()


def _quad_set_procedure(session, protocol=PROTOCOL):
    """The left quadriceps alone, as a quad set after surgery on the left knee calibrates."""
    channels = session.patient.channels
    left_quad = [i for i, c in enumerate(channels) if c.label == "L-quad"]
    return CalibrationProcedure([c.label for c in channels], RATE,
                                session.pipeline.config.signature(), protocol,
                                muscles_for(channels, left_quad))


def _run(procedure, blocks):
    views, events = [], []
    for block in blocks:
        if procedure.done:
            break
        procedure.step(block)
        views.append(procedure.view)
        events += procedure.take_events()
    return views, events


def test_only_the_protocols_muscle_is_calibrated_and_the_rest_may_stay_still():
    script = s.rest(3.0) + s.mvc_trials(3, effort_s=5.0, recover_s=3.0, muscles=("L-quad",))
    session = run_session(script + s.rest(1.0), seed=1)
    procedure = _quad_set_procedure(session)
    views, events = _run(procedure, session.blocks)
    assert procedure.done
    assert not events
    calibration = procedure.result()
    assert calibration.calibrated == (True, False, False, False)
    assert calibration.reference_uv[0] == pytest.approx(session.patient.true_mvc_uv[0], rel=0.05)
    efforts = [v for v in views if v.step == "effort"]
    assert efforts[0].muscle == "left quadriceps"
    assert efforts[0].instruction.startswith("Tighten the left thigh")
    assert "Left quadriceps, effort 1 of 3" in efforts[0].prompt
    # No percentage before there is a real effort to compare with, and none on other channels.
    assert all(v.best_pct_of_current[0] is None for v in efforts if v.effort_index == 1)
    assert all(p is None for v in efforts for p in v.best_pct_of_current[1:])
    later = [v.best_pct_of_current[0] for v in efforts if v.effort_index == 3]
    assert later[-1] == pytest.approx(100, abs=15)
    assert len(views[-1].effort_peaks_uv) == 3
    assert views[-1].references == (("left quadriceps", calibration.reference_uv[0]),)


def test_a_missed_first_effort_does_not_count_and_the_next_is_not_judged_against_noise():
    # The patient misses the first effort entirely, then makes three good ones.
    script = (s.rest(3.0) + s.rest(8.0)
              + s.mvc_trials(3, effort_s=5.0, recover_s=3.0, muscles=("L-quad",)) + s.rest(1.0))
    session = run_session(script, seed=2)
    procedure = _quad_set_procedure(session)
    views, events = _run(procedure, session.blocks)
    assert [e.data["reason"] for e in events] == [
        "left quadriceps did not rise above rest: contract harder and hold"]
    assert events[0].data["effort"] == 1
    assert procedure.done
    efforts = [v for v in views if v.step == "effort"]
    shown = [p for v in efforts for p in v.best_pct_of_current if p is not None]
    assert shown
    assert max(shown) < 150, "percentages only against an accepted effort"
    assert procedure.result().reference_uv[0] == pytest.approx(
        session.patient.true_mvc_uv[0], rel=0.05)


def test_a_rest_with_a_contraction_in_it_is_rejected_and_made_again():
    # The patient contracts 1 s into the rest: that is no baseline; the next rest is.
    script = (s.rest(1.0) + s.hold(0.5, 1.5, muscles=("L-quad",)) + s.rest(3.5)
              + s.mvc_trials(3, effort_s=5.0, recover_s=3.0, muscles=("L-quad",)) + s.rest(1.0))
    session = run_session(script, seed=4)
    procedure = _quad_set_procedure(session)
    views, events = _run(procedure, session.blocks)
    assert [e.data["reason"] for e in events] == [
        "L-quad did not stay relaxed during the rest: relax completely"]
    assert events[0].data["step"] == "rest"
    assert any(v.rejection.startswith("L-quad did not stay") for v in views if v.step == "rest")
    assert procedure.done
    calibration = procedure.result()
    # The baseline is the relaxed muscle's, not the contraction's (half the maximum).
    assert calibration.baseline_uv[0] < 0.1 * calibration.reference_uv[0]


def _burst_script(second: str):
    """Four maximal efforts of the left quadriceps, the second one "clean", "burst" (0.3 s at
    the converter's rails in its middle) or "missed" (the patient stays at rest)."""
    effort = s.mvc_trials(1, effort_s=5.0, recover_s=3.0, muscles=("L-quad",))
    middle = s.rest(8.0) if second == "missed" else effort
    script = s.rest(3.0) + effort + middle + effort + effort + s.rest(1.0)
    if second == "burst":
        script = script.with_artefacts(Artefact("saturation", start_s=3.0 + 8.0 + 3.0,
                                                duration_s=0.3, channels=("L-quad",)))
    return script


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rail_burst_during_an_effort_repeats_it_and_leaves_the_reference_clean(seed):
    burst = run_session(_burst_script("burst"), seed=seed)
    procedure = _quad_set_procedure(burst)
    _, events = _run(procedure, burst.blocks)
    # The damaged effort is rejected with its reason and made again: the fourth effort of the
    # script is the third the procedure counts.
    assert len(events) == 1
    assert events[0].data["reason"] == "signal problem during the effort: saturated"
    assert events[0].data["effort"] == 2
    assert procedure.done
    reference = procedure.result().reference_uv[0]
    # The same efforts without the damaged one: the burst left no trace in the reference.
    clean = run_session(_burst_script("missed"), seed=seed)
    clean_procedure = _quad_set_procedure(clean)
    _, clean_events = _run(clean_procedure, clean.blocks)
    assert [e.data["effort"] for e in clean_events] == [2]
    assert reference == pytest.approx(clean_procedure.result().reference_uv[0], rel=0.02)
    assert reference == pytest.approx(burst.patient.true_mvc_uv[0], rel=0.05)


def test_unfinished_or_renormalising_calibration_is_an_error():
    session = run_session(s.rest(2.0), seed=0)
    procedure = CalibrationProcedure(["a", "b", "c", "d"], RATE, {}, PROTOCOL)
    procedure.step(session.blocks[0])
    with pytest.raises(CalibrationError, match="not finished"):
        procedure.result()
    block = session.blocks[1]
    normalised = ProcessedBlock(
        "sim", block.first_index, 0, RATE, block.envelope_uv, block.envelope_uv, block.quality
    )
    with pytest.raises(CalibrationError, match="clear the old calibration"):
        procedure.step(normalised)


def _record(**changes) -> Calibration:
    fields = dict(
        channels=("L-quad", "R-quad"),
        baseline_uv=(2.0, 3.0),
        noise_sd_uv=(0.5, 0.6),
        reference_uv=(250.0, 300.0),
        pipeline=PipelineConfig("sim", 2000.0, 2).signature(),
        kind="mvc",
        t_ns=5,
    )
    fields.update(changes)
    return Calibration(**fields)


def test_record_round_trips_through_a_config_change():
    record = _record()
    change = ConfigChange(10, "calibration", record.to_plain())
    back = message_from_list(change.to_list())
    assert isinstance(back, ConfigChange)
    assert Calibration.from_plain(back.value) == record


def test_bad_records_say_what_is_wrong():
    with pytest.raises(CalibrationError, match="lacks the field 'kind'"):
        Calibration.from_plain({k: v for k, v in _record().to_plain().items() if k != "kind"})
    with pytest.raises(CalibrationError, match="no contraction above rest on L-quad, R-quad"):
        _record(reference_uv=(0.0, 0.0))
    # A channel no protocol muscle uses has no reference, and no %MVC.
    assert _record(reference_uv=(250.0, 0.0)).gain_pct_per_uv == (100 / 250.0, 0.0)
    with pytest.raises(CalibrationError, match="reference kind"):
        _record(kind="guess")


def test_pipeline_refuses_a_calibration_made_with_other_processing():
    pipeline = Pipeline(PipelineConfig("sim", 2000.0, 2, envelope_cutoff_hz=6.0))
    with pytest.raises(CalibrationError, match="envelope"):
        pipeline.set_calibration(_record())
    with pytest.raises(CalibrationError, match="channels"):
        Pipeline(PipelineConfig("sim", 2000.0, 3)).set_calibration(_record())


def test_moving_average_peak_skips_flagged_windows():
    envelope = np.ones((4000, 1))
    envelope[1000:1100] = 50.0
    usable = np.ones_like(envelope, dtype=bool)
    assert moving_average_peak(envelope, RATE)[0] == pytest.approx(1 + 49 * 100 / 1000)
    usable[1000:1100] = False
    assert moving_average_peak(envelope, RATE, usable=usable)[0] == pytest.approx(1.0)


def test_build_calibration_removes_the_resting_noise_floor_in_power():
    rest = np.full((2000, 1), 10.0)
    effort = np.full((2000, 1), 110.0)
    cal = build_calibration(["a"], rest, [effort], RATE, {})
    assert cal.baseline_uv == (10.0,)
    assert cal.reference_uv == (pytest.approx(np.sqrt(110.0**2 - 10.0**2)),)


def test_over_mvc_needs_a_sustained_excess():
    monitor = OverMvcMonitor(_record(), RATE)
    spikes = np.zeros((4000, 2))
    spikes[::50] = 400.0  # brief peaks far above 100 %, average 8 %
    assert not monitor.update(spikes).any()
    sustained = np.full((1500, 2), 90.0)
    sustained[:, 1] = 130.0
    over = monitor.update(sustained[:700])
    assert list(monitor.update(sustained[700:])) == [False, True]
    assert over.dtype == bool
    assert monitor.peak_pct[1] == pytest.approx(130.0)


def test_patient_mvc_defaults_are_what_the_pipeline_sees():
    assert PatientConfig().mvc_uv == 300.0


def test_clearing_the_calibration_returns_to_raw_envelopes():
    session = run_session(_calibration_script(), seed=0)
    procedure, _ = _calibrate(session)
    pipeline = Pipeline(session.pipeline.config)
    pipeline.set_calibration(procedure.result())
    counts = session.patient.render(0, 4000).counts
    calibrated = pipeline.process(SampleFrame("sim", 0, 0, 0, counts[:2000]))
    assert calibrated.pct_mvc is not None
    assert pipeline.calibration is not None
    pipeline.set_calibration(None)
    raw = pipeline.process(SampleFrame("sim", 1, 2000, 0, counts[2000:]))
    assert raw.pct_mvc is None
    # Without the noise floor removed, rest reads its full resting level again.
    assert raw.envelope_uv[500:].mean() > 3 * calibrated.envelope_uv[500:].mean()


def test_repeated_rejections_name_their_cause_not_always_the_electrodes():
    # A patient who never lets the thigh go: every rest has a contraction in it. After three
    # rejections the advice is about relaxing; only a missing rise points at the electrodes.
    fidgeting = s.rest(1.0) + s.hold(0.5, 1.5, muscles=("L-quad",))
    session = run_session(fidgeting + fidgeting + fidgeting + fidgeting + s.rest(1.0), seed=4)
    procedure = _quad_set_procedure(session)
    _, events = _run(procedure, session.blocks)
    reasons = [e.data["reason"] for e in events]
    assert len(reasons) >= 3
    assert all(r.startswith("L-quad did not stay relaxed") for r in reasons)
    assert reasons[2].endswith("(still not relaxed after 3 tries: support the limb and let "
                               "L-quad go completely before the rest begins; if it feels "
                               "relaxed, a loose electrode there can look tense)")
    assert not any("check the electrodes" in r for r in reasons)
