"""The exercise lab's screen: which layers a comparison calls for, and what it says."""

from __future__ import annotations

import dataclasses

from engine.protocol import builtin_protocol
from modes import registry
from modes.exercise_lab import headline
from modes.lab_text import ranking_lines
from modes.training_modes import default_training_mode
from tests.modes import lab_samples


def test_a_comparison_opens_the_lab_and_ends_on_its_result_card() -> None:
    for protocol in ("compare_gluteus_maximus", "compare_quadriceps", "cue_ab_glute_squeeze"):
        assert default_training_mode(builtin_protocol(protocol)) == "exercise_lab"
    assert registry.layers_for(lab_samples.session(), "exercise_lab") == ("exercise_lab",
                                                                          "alerts")
    paused = lab_samples.session(phase="paused")
    assert registry.layers_for(paused, "exercise_lab") == ("exercise_lab", "pause", "alerts")
    assert registry.layers_for(lab_samples.result(), "exercise_lab") == (
        "exercise_lab", "finale", "alerts")


def test_the_headline_follows_the_rep() -> None:
    view = lab_samples.session()
    exercise = view.exercise
    assert exercise is not None
    assert exercise.lab is not None
    waiting = dataclasses.replace(exercise.lab, in_rep=False)
    assert headline(exercise, waiting) == "Rep 4 of 6: go!"
    late = dataclasses.replace(exercise, phase_remaining_s=0.0)
    assert "no rep seen yet" in headline(late, waiting)
    assert headline(exercise, exercise.lab).startswith("Good")
    learning = dataclasses.replace(waiting, learning_rest=True)
    assert headline(exercise, learning).startswith("Stay relaxed a moment")


def test_the_result_reads_the_same_in_the_terminal() -> None:
    lines = ranking_lines(lab_samples.CUE_RESULT)
    assert lines[0] == "mean activation (%MVC), 95% intervals, best first:"
    assert lines[1] == "1. Bridge with cue: 53.1 %MVC (49.2–57.0), 6 reps"
    assert "7 reps (+1 not scored)" in lines[3]
    assert lines[-2].startswith("No clear winner")
    assert lines[-1] == "Cue effect: +1.9 %MVC (95% interval -3.1 to +6.9)"
    winner = ranking_lines(lab_samples.GLUTE_RESULT)
    assert winner[1].endswith("<- works best")
    assert "hamstrings first by 58 ms" in winner[2]


def test_the_clinician_view_draws_no_target_band_on_a_comparison(monkeypatch) -> None:
    """A comparison has no band to reach (its target is 0–150 %MVC only because the protocol
    needs one): the clinician's traces and bars show the levels without it."""
    import pygame

    from modes import palette, widgets
    from modes.base import ModeContext

    bands: list[object] = []
    fills: list[object] = []
    level_bar, translucent_rect = widgets.level_bar, widgets.translucent_rect

    def bar(surface, rect, pct, band=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        bands.append(band)
        return level_bar(surface, rect, pct, band, *args, **kwargs)

    def fill(surface, rect, colour, alpha, radius=0):  # type: ignore[no-untyped-def]
        fills.append(colour)
        return translucent_rect(surface, rect, colour, alpha, radius)

    monkeypatch.setattr(widgets, "level_bar", bar)
    monkeypatch.setattr(widgets, "translucent_rect", fill)
    registry.create("clinician", ModeContext()).draw(pygame.Surface((1280, 720)),
                                                     lab_samples.session())
    assert bands == [None] * len(lab_samples.GLUTE_CHANNELS)
    assert palette.TARGET not in fills
