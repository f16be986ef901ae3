"""Views for mode tests, built field by field the way the rules actor fills them."""

from __future__ import annotations

import dataclasses
from typing import Any

from engine.messages import QualityFlag, RuleEvent, Side
from engine.rules.session_summary import BandPeriod, RepResult, SessionSummary
from engine.view import (
    AlertView,
    CalibrationView,
    ChannelView,
    ExerciseView,
    LatencyView,
    SessionView,
)

T_NS = 12_345_000_000


def channels(
    left_pct: float | None = 48.0,
    right_pct: float | None = 44.0,
    right_quality: int = 0,
) -> tuple[ChannelView, ...]:
    return (
        ChannelView("L-quad", "vastus medialis", Side.LEFT, 120.0, left_pct, 0),
        ChannelView("R-quad", "vastus medialis", Side.RIGHT, 110.0, right_pct, right_quality),
        ChannelView("L-ham", "biceps femoris", Side.LEFT, 30.0,
                    None if left_pct is None else 12.0, 0),
        ChannelView("R-ham", "biceps femoris", Side.RIGHT, 28.0,
                    None if right_pct is None else 10.0, 0),
    )


def exercise(**changes: Any) -> ExerciseView:
    fields: dict[str, Any] = dict(
        protocol="quad-sets", phase="contract", phase_elapsed_s=3.2, phase_remaining_s=6.8,
        target_low_pct=40.0, target_high_pct=60.0, target_channels=(0, 1),
        hold_required_s=10.0, hold_progress_s=3.0, in_zone=True, rep=3, reps_total=10,
        set_index=1, sets_total=1, reps_completed=2, symmetry_lsi_pct=91.7,
        compensation_ratio=0.27, compensation_limit=0.5,
    )
    fields.update(changes)
    return ExerciseView(**fields)


#: A compensation alert as the rules fill it: the right hamstrings above the glutes' work.
RIGHT_HAMSTRINGS_TAKING_OVER = AlertView(
    kind="compensation", muscle="hamstrings", side="right", target_muscle="gluteus_maximus",
    metric="ratio", value=0.96, alert_at=1.0, clears_at=0.8,
)


def rep_completed(rep: int, in_zone_s: float, success: bool) -> RuleEvent:
    """A ``rep_completed`` event with the fields the rules engine's RepResult carries."""
    return RuleEvent(rep * 20_000_000_000, "rep_completed", "", {
        "set_index": 1, "rep": rep, "success": success, "t_ns": rep * 20_000_000_000,
        "duration_s": 10.0, "time_in_zone_s": in_zone_s, "peak_pct": 62.0, "mean_pct": 50.0,
        "peak_uv": 300.0, "symmetry_lsi_pct": 92.0, "low_pct": 40.0, "high_pct": 60.0,
        "hold_s": 10.0,
    })


def session(
    t_ns: int = T_NS,
    left_pct: float | None = 48.0,
    right_pct: float | None = 44.0,
    right_quality: int = 0,
    reps: tuple[tuple[float, bool], ...] = (),
    **exercise_changes: Any,
) -> SessionView:
    return SessionView(
        t_ns=t_ns,
        channels=channels(left_pct, right_pct, right_quality),
        exercise=exercise(**exercise_changes),
        recent_events=(
            RuleEvent(4_000_000_000, "hold_completed", "L-quad", {"hold_s": 10.0}),
            RuleEvent(9_000_000_000, "zone_entered", "L-quad", {"level_pct": 41.0}),
            *(rep_completed(k + 1, s, ok) for k, (s, ok) in enumerate(reps)),
        ),
        latency=LatencyView(last_ms=18.2, p50_ms=16.0, p99_ms=24.5, group_delay_ms=12.5),
    )


def calibrating(step: str = "effort", kind: str = "mvc", **changes: Any) -> SessionView:
    """Both quadriceps making their second effort (the hamstrings are not calibrated)."""
    fields: dict[str, Any] = dict(
        step=step, effort_index=2, efforts_total=3, remaining_s=2.4, kind=kind,
        best_pct_of_current=(85.0, 102.0, None, None), step_s=5.0,
        prompt="Quadriceps (both sides), effort 2 of 3: push as hard as you can!",
        muscle="quadriceps (both sides)",
        instruction="Tighten both thighs: press the backs of the knees down",
        channels_calibrated=(0, 1), effort_peaks_uv=(402.0,),
    )
    fields.update(changes)
    return SessionView(t_ns=T_NS, channels=channels(None, None),
                       calibration=CalibrationView(**fields))


def calibration_rejected() -> SessionView:
    """Recovering after an effort that did not count."""
    return calibrating(
        "recover", remaining_s=12.0, step_s=30.0, best_pct_of_current=(),
        prompt="Relax and breathe. Next: left quadriceps, effort 2 of 3",
        muscle="left quadriceps", channels_calibrated=(0,),
        rejection="left quadriceps did not rise above rest: contract harder and hold")


def calibration_result() -> SessionView:
    """The references found, shown before the exercise starts."""
    return calibrating("result", remaining_s=3.2, best_pct_of_current=(),
                       prompt="Calibration done", muscle="left quadriceps",
                       channels_calibrated=(0,),
                       references=(("left quadriceps", 412.0),))


DONE_REPS = ((10.0, True), (10.0, True), (6.2, False), (10.0, True), (10.0, True), (10.0, True),
             (4.0, False), (10.0, True), (10.0, True), (10.0, True))


def done_summary() -> SessionSummary:
    """The summary of :data:`DONE_REPS`: shaped up after rep 6, alerts of two kinds."""
    reps = tuple(
        RepResult(set_index=1, rep=k + 1, success=ok, t_ns=(k + 1) * 20_000_000_000,
                  duration_s=10.0 if ok else 15.0, time_in_zone_s=in_zone,
                  peak_pct=52.0 + k, mean_pct=44.0 + k / 2, peak_uv=300.0,
                  symmetry_lsi_pct=92.0, low_pct=40.0 if k < 6 else 45.0,
                  high_pct=60.0 if k < 6 else 65.0, hold_s=10.0)
        for k, (in_zone, ok) in enumerate(DONE_REPS)
    )
    return SessionSummary(
        protocol_id="quad_set", protocol_name="quad-sets", reps_prescribed=10,
        reps_attempted=10, reps_completed=8, sets_prescribed=1, sets_completed=1,
        time_in_zone_s=sum(r.time_in_zone_s for r in reps), paused_s=0.0,
        peak_pct_by_channel={"L-quad": 61.0}, mean_symmetry_lsi_pct=92.0,
        alerts={"compensation_alert": 2, "quality_paused": 1}, progression_ready=False,
        final_low_pct=45.0, final_high_pct=65.0, final_hold_s=10.0, finished=True, reps=reps,
        duration_s=212.0,
        bands=(BandPeriod(3_000_000_000, 0, 40.0, 60.0, 10.0, "protocol"),
               BandPeriod(120_000_000_000, 6, 45.0, 65.0, 10.0, "shaping_up")),
    )


def every_kind() -> dict[str, SessionView]:
    """One view of each situation a screen must survive."""
    base = session()
    return {
        "contract": base,
        "rest": session(phase="rest", in_zone=False, phase_remaining_s=4.0,
                        reps=((10.0, True), (7.5, False))),
        "ready": session(phase="ready", phase_remaining_s=None),
        "paused": session(phase="paused", pause_reason="signal quality"),
        "done": session(phase="done", reps_completed=8, reps=DONE_REPS,
                        summary=done_summary()),
        "faded": session(show_feedback=False),
        "relax_drill": session(below_line=True, target_high_pct=15.0, left_pct=8.0),
        "alerts": session(right_quality=int(QualityFlag.LIFT_OFF | QualityFlag.MAINS),
                          active_alerts=("compensation",),
                          alert_details=(RIGHT_HAMSTRINGS_TAKING_OVER,)),
        "uncalibrated": session(left_pct=None, right_pct=None),
        "over_scale": session(left_pct=180.0, right_pct=0.0),
        "calibration": calibrating(),
        "calibration_rest": calibrating("rest", "submax"),
        "no_exercise": dataclasses.replace(base, exercise=None),
        "no_channels": SessionView(t_ns=0, channels=(), sensor_status="waiting"),
        "reconnecting": dataclasses.replace(base, sensor_status="reconnecting",
                                            packet_loss_pct=4.2),
        "one_set_of_many": session(sets_total=3, set_index=2, reps_total=40, reps_completed=31),
    }


def mvc_test(phase: str = "contract", *peaks_uv: float) -> SessionView:
    """An MVC test (no calibration: µV) with the efforts of ``peaks_uv`` done."""
    base = session()
    assert base.exercise is not None
    exercise = dataclasses.replace(base.exercise, kind="mvc", phase=phase, rep=len(peaks_uv) + 1,
                                   reps_total=3, hold_required_s=5.0)
    events = tuple(RuleEvent(k, "rep_completed", "", {"peak_uv": uv, "peak_pct": None})
                   for k, uv in enumerate(peaks_uv))
    return dataclasses.replace(base, exercise=exercise, recent_events=events)
