"""Fatigue per set where a physiotherapist reads it: the clinician view and the summary."""

from __future__ import annotations

import dataclasses

import pygame

from engine.rules.session_summary import SetFatigue
from engine.view import SessionView
from modes import registry
from modes.base import ModeContext
from tests.modes import view_samples

SIZE = (1280, 720)
QUAD_L_SET_1 = SetFatigue(set_index=1, channel="L-quad", muscle="quadriceps", side="left",
                          slope_pct_per_s=-0.12, start_hz=104.0, windows=40,
                          contraction_s=60.0)
QUAD_L_SET_2 = dataclasses.replace(QUAD_L_SET_1, set_index=2, slope_pct_per_s=-0.35)
QUAD_R_SET_2 = dataclasses.replace(QUAD_L_SET_2, channel="R-quad", side="right",
                                   slope_pct_per_s=0.04)


def _paint(name: str, view: SessionView) -> None:
    registry.create(name, ModeContext()).draw(pygame.Surface(SIZE), view)


def test_the_summary_names_each_muscles_median_frequency_slope_per_set(
    drawn_text: list[str],
) -> None:
    done = view_samples.every_kind()["done"]
    assert done.exercise is not None
    assert done.exercise.summary is not None
    summary = dataclasses.replace(done.exercise.summary,
                                  fatigue=(QUAD_L_SET_1, QUAD_L_SET_2, QUAD_R_SET_2))
    _paint("summary", dataclasses.replace(
        done, exercise=dataclasses.replace(done.exercise, summary=summary)))
    text = " ".join(drawn_text)
    assert "Quadriceps L: median frequency \u22120.35 %/s in set 2 (fatiguing)" in text
    assert "Quadriceps R: median frequency +0.04 %/s in set 2 (steady)" in text
    assert "Quadriceps L: median frequency \u22120.12 %/s in set 1 (fatiguing)" in text


def test_a_summary_without_fatigue_figures_says_nothing_of_fatigue(
    drawn_text: list[str],
) -> None:
    _paint("summary", view_samples.every_kind()["done"])
    assert "fatigue" not in drawn_text
    assert not any("median frequency" in t for t in drawn_text)


def test_the_clinician_sees_each_muscles_latest_set_beside_its_trace(
    drawn_text: list[str],
) -> None:
    view = view_samples.session(set_index=2, sets_total=3)
    assert view.exercise is not None
    live = dataclasses.replace(view, exercise=dataclasses.replace(
        view.exercise, fatigue=(QUAD_L_SET_1, QUAD_L_SET_2, QUAD_R_SET_2)))
    _paint("clinician", live)
    fatigue = [t for t in drawn_text if "median frequency" in t]
    assert fatigue == ["median frequency \u22120.35 %/s in set 2 (fatiguing)",
                       "median frequency +0.04 %/s in set 2 (steady)"]
