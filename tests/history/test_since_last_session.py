"""The change since the client's last session and the criterion's progress, on the summary
screen and in the console report of a session played with ``--client``."""

from __future__ import annotations

import dataclasses

import pygame

from engine.calibration_procedure import CalibrationProtocol
from engine.protocol import builtin_protocol
from engine.rules.session_summary import SessionSummary
from engine.since_last_session import ClientHistory, client_history, client_progress_lines
from engine.training import TrainingConfig
from engine.weekly_progress import SessionPoint
from modes import registry
from modes.base import ModeContext
from myoplay.session_report import summary_lines
from tests.modes import view_samples

QUAD_SET = TrainingConfig(builtin_protocol("quad_set"))


def filed(peak: float, lsi: float, started_at: str, *, kind: str = "mvc",
          protocol: str = "quad_set", alerts: int = 0) -> SessionPoint:
    """A quad-set session as the store gives it back."""
    return SessionPoint(started_at, protocol, "quadriceps", "left", kind, 10, 10, 9, peak,
                        peak - 10.0, lsi, alerts, 0, 70.0, None, 1, 2, 3, 1, "straight_leg_raise")


def history(*earlier: SessionPoint, training: TrainingConfig = QUAD_SET) -> ClientHistory:
    return client_history("P-0042", earlier, training, "2026-11-30T10:00")


def test_the_session_is_compared_with_the_last_one_of_its_protocol_and_the_criterion() -> None:
    # done_summary: peaks 52..61 %MVC, means 44..48.5, LSI 92 %, two compensation alerts.
    earlier = (filed(72.0, 93.0, "2026-11-20T10:00"), filed(55.0, 86.0, "2026-11-27T10:00"),
               filed(30.0, 50.0, "2026-11-28T10:00", protocol="glute_bridge"))
    lines = client_progress_lines(history(*earlier), view_samples.done_summary())
    assert lines == [
        "peak 61 %MVC, +6 since last session (Nov 27)",
        "mean 46 %MVC, +1",
        "symmetry 92 %, +6",
        "quad_set: 1 of the last 3 sessions reached 70 %MVC",
    ]


def test_a_change_is_told_between_the_numbers_shown_and_no_change_is_never_minus_zero() -> None:
    summary = view_samples.done_summary()  # peak 61.0 %MVC
    said = client_progress_lines(history(filed(61.3, 92.0, "2026-11-27T10:00")), summary)
    assert said[0] == "peak 61 %MVC, unchanged since last session (Nov 27)"
    said = client_progress_lines(history(filed(59.6, 92.0, "2026-11-27T10:00")), summary)
    assert said[0] == "peak 61 %MVC, +1 since last session (Nov 27)"  # 61 after 60


def test_with_the_bar_reached_twice_the_next_step_is_named() -> None:
    strong = dataclasses.replace(view_samples.done_summary(), alerts={})
    strong = dataclasses.replace(strong, reps=tuple(
        dataclasses.replace(r, peak_pct=r.peak_pct + 15.0) for r in strong.reps
        if r.peak_pct is not None))
    lines = client_progress_lines(history(filed(72.0, 93.0, "2025-12-20T10:00")), strong)
    assert lines[0] == "peak 76 %MVC, +4 since last session (Dec 20, 2025)"
    assert lines[-1] == ("quad_set: 2 of the last 2 sessions reached 70 %MVC – ready for the "
                         "next step: straight_leg_raise")


def test_a_first_session_and_a_sub_maximal_one_are_not_compared() -> None:
    summary = view_samples.done_summary()
    first = client_progress_lines(history(), summary)
    assert first[0] == "first session of this protocol: peak 61 %MVC, mean 46 %MVC, symmetry 92 %"
    submax = TrainingConfig(builtin_protocol("quad_set"),
                            calibration_protocol=CalibrationProtocol(kind="submax"))
    lines = client_progress_lines(history(filed(40.0, 90.0, "2026-11-27T10:00"),
                                          training=submax), summary)
    assert lines[0].startswith("first session of this protocol")


def test_another_protocol_chosen_on_the_start_screen_is_not_compared() -> None:
    other = dataclasses.replace(view_samples.done_summary(), protocol_id="glute_bridge")
    assert client_progress_lines(history(filed(55.0, 86.0, "2026-11-27T10:00")), other) == []


def test_the_console_report_shows_the_progress_after_the_trend() -> None:
    summary = view_samples.done_summary()
    lines = summary_lines(summary, history(filed(55.0, 86.0, "2026-11-27T10:00")))
    trend = next(k for k, line in enumerate(lines) if line.startswith("  trend"))
    assert lines[trend + 1] == "  client P-0042  peak 61 %MVC, +6 since last session (Nov 27)"
    assert lines[trend + 4].strip() == "quad_set: 0 of the last 2 sessions reached 70 %MVC"
    assert summary_lines(summary) == [line for line in lines
                                      if line not in lines[trend + 1: trend + 5]]


def draw_summary(context: ModeContext, summary: SessionSummary) -> bytes:
    surface = pygame.Surface((1280, 720))
    view = view_samples.session(phase="done", reps_completed=8, reps=view_samples.DONE_REPS,
                                summary=summary)
    registry.create("summary", context).draw(surface, view)
    return pygame.image.tobytes(surface, "RGB")


def test_the_summary_screen_shows_the_change_only_for_a_client(drawn_text: list[str]) -> None:
    summary = view_samples.done_summary()
    plain = draw_summary(ModeContext(), summary)
    assert not any("since last session" in t for t in drawn_text)
    drawn_text.clear()
    filed_context = ModeContext(client_history=history(filed(55.0, 86.0, "2026-11-27T10:00")))
    assert draw_summary(filed_context, summary) != plain
    assert "client P-0042" in drawn_text
    shown = " ".join(drawn_text)
    assert "peak 61 %MVC, +6 since last session (Nov 27)" in shown
    assert "quad_set: 0 of the last 2 sessions reached 70 %MVC" in shown
