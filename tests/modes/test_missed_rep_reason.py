"""A rep missed with time enough in the zone says why: the hold must be unbroken."""

from __future__ import annotations

import dataclasses

import pygame

from engine.messages import RuleEvent
from modes import registry, results_text
from modes.base import ModeContext
from myoplay.session_report import summary_lines
from tests.modes import view_samples
from tests.modes.test_hold_runner_hud import Written, written

__all__ = ["written"]  # the fixture, used by name

SIZE = (1280, 720)
BROKEN = dataclasses.replace(view_samples.done_summary().reps[2], success=False,
                             time_in_zone_s=13.9, longest_hold_s=8.2)


def test_the_rest_after_a_broken_hold_says_how_long_the_longest_unbroken_part_was(
    written: list[Written],
) -> None:
    missed = RuleEvent(BROKEN.t_ns, "rep_completed", "", BROKEN.to_plain())
    view = view_samples.session(phase="rest", phase_remaining_s=8.0)
    view = dataclasses.replace(view, recent_events=(*view.recent_events, missed))
    registry.create("hold", ModeContext()).draw(pygame.Surface(SIZE), view)
    messages = {w.message: w.rect for w in written}
    reason = messages["longest unbroken hold 8.2 s of 10 s"]
    last = messages["last rep: 13.9 s in zone"]
    assert not reason.colliderect(last)


def test_the_summary_and_the_report_say_why_a_rep_was_missed(written: list[Written]) -> None:
    summary = view_samples.done_summary()
    summary = dataclasses.replace(summary, reps=(*summary.reps[:2], BROKEN, *summary.reps[3:]))
    note = results_text.missed_note(summary)
    assert note == "missed: the hold must be unbroken; longest: rep 3 8.2 of 10 s"
    view = view_samples.session(phase="done", reps_completed=8, summary=summary)
    registry.create("summary", ModeContext()).draw(pygame.Surface(SIZE), view)
    assert note in [w.message for w in written]
    rows = [line for line in summary_lines(summary) if line.startswith("    3  ")]
    assert rows == ["    3      40–60    54    45       13.9  no "
                    "(longest unbroken hold 8.2 s of 10 s)"]
