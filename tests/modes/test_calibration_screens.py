"""What the calibration, MVC-test and key-legend screens say, and when they are on screen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pygame

from actors.mode_stage import ModeStage
from actors.virtual_muscles import LEFT, VirtualMuscles
from engine.messages import Side
from engine.view import SessionView, asked_channels
from modes import registry
from modes.calibration_screen import cheer_for, reference_lines, rejection_notice
from modes.key_legend import legend_lines
from modes.mvc_test_screen import effort_peaks
from tests.modes import view_samples

_mvc_view = view_samples.mvc_test


def test_a_rejected_effort_says_why_until_it_is_made_again() -> None:
    view = view_samples.calibration_rejected()
    assert view.calibration is not None
    assert rejection_notice(view.calibration) == (
        "Not counted: left quadriceps did not rise above rest: contract harder and hold. "
        "Let's do that effort again.")
    clean = dataclasses.replace(view.calibration, rejection="")
    assert rejection_notice(clean) == ""


def test_no_new_best_against_noise_only_against_an_accepted_effort() -> None:
    first = view_samples.calibrating(effort_index=1, best_pct_of_current=(None, None, None, None),
                                     effort_peaks_uv=())
    assert first.calibration is not None
    assert cheer_for(first.calibration, 0) != "New best!"
    second = view_samples.calibrating()
    assert second.calibration is not None
    assert cheer_for(second.calibration, 0) == "New best!"


def test_the_result_names_each_muscles_reference() -> None:
    view = view_samples.calibration_result()
    assert view.calibration is not None
    assert reference_lines(view.calibration) == ["Left quadriceps reference 412 µV"]
    assert registry.layers_for(view, "hold") == ("calibration", "alerts")


def test_the_key_legend_names_the_keys_and_the_muscles_they_drive() -> None:
    calibrating = view_samples.calibration_rejected()  # the left quadriceps asked for
    lines = legend_lines(calibrating)
    assert "Left arrow or A: L-quad" in lines
    assert not any(line.startswith("Right arrow") for line in lines)
    playing = view_samples.session()  # both quadriceps targeted
    assert "Right arrow or D: R-quad" in legend_lines(playing)
    assert len(legend_lines(playing, compact=True)) == 2


def test_a_held_side_contracts_only_the_muscle_the_screen_asks_for() -> None:
    muscles = VirtualMuscles(level=0.8)
    muscles.held.add(LEFT)
    channels = (("L-quad", Side.LEFT), ("R-quad", Side.RIGHT), ("L-ham", Side.LEFT))
    view = view_samples.calibration_rejected()
    assert muscles.activation(channels, asked_channels(view)) == {
        "L-quad": 0.8, "R-quad": 0.0, "L-ham": 0.0}
    assert muscles.activation(channels) == {"L-quad": 0.8, "R-quad": 0.0, "L-ham": 0.8}


def test_the_key_legend_is_drawn_only_for_the_virtual_patient() -> None:
    view = view_samples.session()
    with_legend = ModeStage("hold", menu=None, factories=registry.MODES, seed=1,
                            key_legend=True)
    without = ModeStage("hold", menu=None, factories=registry.MODES, seed=1)
    pictures = []
    for stage in (with_legend, without):
        surface = pygame.Surface((1280, 720))
        stage.paint(surface, view)
        pictures.append(pygame.surfarray.array3d(surface))
    assert (pictures[0] != pictures[1]).any(axis=2).sum() > 1000


def test_the_key_legend_leaves_the_summary_alone() -> None:
    surface = pygame.Surface((640, 360))
    drawn: list[str] = []
    factories = {name: _recording(name, drawn) for name in registry.MODES}
    stage = ModeStage("hold", menu=None, factories=factories, seed=1, key_legend=True)
    stage.paint(surface, view_samples.session())
    assert "key_legend" in drawn
    drawn.clear()
    stage.paint(surface, view_samples.every_kind()["done"])
    assert "summary" in drawn
    assert "key_legend" not in drawn


def test_an_mvc_test_has_its_own_screen_and_tab_shows_the_clinician_view() -> None:
    surface = pygame.Surface((640, 360))
    drawn: list[str] = []
    factories = {name: _recording(name, drawn) for name in registry.MODES}
    stage = ModeStage("mvc_test", menu=None, factories=factories, seed=1)
    stage.paint(surface, _mvc_view("contract", 431.0))
    assert drawn == ["mvc_test", "alerts"]
    drawn.clear()
    stage.paint(surface, _mvc_view("done", 431.0, 223.0, 195.0))
    assert drawn == ["mvc_test", "alerts"], "the result on its own screen, no hold summary"
    drawn.clear()
    stage.switch_view()
    stage.paint(surface, _mvc_view("contract", 431.0))
    assert drawn == ["clinician", "alerts"]
    drawn.clear()
    chosen = ModeStage("clinician", menu=None, factories=factories, seed=1)
    chosen.paint(surface, _mvc_view("contract", 431.0))
    assert drawn == ["clinician", "alerts"], "the clinician view, when that was chosen"


def _recording(name: str, drawn: list[str]) -> registry.ModeFactory:
    class Recorder:
        def __init__(self, _context: object) -> None:
            self.name = name

        def draw(self, surface: pygame.Surface, view: SessionView) -> None:
            drawn.append(name)

    return Recorder


def test_the_mvc_screen_lists_every_effort_and_draws_no_band() -> None:
    view = _mvc_view("rest", 431.2, 223.4)
    assert effort_peaks(view) == [(431.2, None), (223.4, None)]
    surface = pygame.Surface((1280, 720))
    registry.create("mvc_test").draw(surface, view)
    pixels = pygame.surfarray.array3d(surface)
    band = np.all(pixels == np.array((0, 158, 115)), axis=2)  # the target band's green
    # Green is only the best effort's line, never a band across the screen.
    assert band.any(axis=1).sum() < 400
