"""What the screens tell the player: the direction of a prompt, how to leave a pause, where and
what an alert says, and which modes the start menu offers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pygame
import pytest

from engine.view import AlertView, SessionView
from modes import readouts, registry
from modes.alerts import alert_lines, describe, reserved_strip_height, strip_height
from modes.base import ModeContext
from modes.hold import hold_prompt
from modes.menu import StartMenu
from modes.pause import paused_by_player
from modes.symmetry_game import symmetry_prompt
from tests.modes import view_samples

SIZE = (1280, 720)


def paint(layers: tuple[str, ...], view: SessionView, size: tuple[int, int] = SIZE) -> np.ndarray:
    surface = pygame.Surface(size)
    context = ModeContext()
    for name in layers:
        registry.create(name, context).draw(surface, view)
    return pygame.surfarray.array3d(surface)


# -- prompts ---------------------------------------------------------------------------------


def test_above_the_band_the_prompt_says_to_ease_off(drawn_text: list[str]) -> None:
    # A 20-40 % quad-set band, the patient at 55 %MVC and not (or no longer) in the zone.
    view = view_samples.session(left_pct=55.0, right_pct=55.0, target_low_pct=20.0,
                                target_high_pct=40.0, in_zone=False)
    paint(("hold",), view)
    prompts = [t for t in drawn_text if "zone" in t]
    assert prompts == ["Ease off: let it down into the green zone"]
    assert not any("Raise" in t or "Push" in t for t in drawn_text)


@pytest.mark.parametrize(("level", "expected"), [
    (55.0, "Ease off"), (10.0, "Push a little more"), (30.0, "hold it there"),
    (None, "Bring it into the green zone"),
])
def test_the_hold_prompt_points_the_right_way(level: float | None, expected: str) -> None:
    exercise = view_samples.exercise(target_low_pct=20.0, target_high_pct=40.0, in_zone=False,
                                     target_channels=(0,))
    assert expected in readouts.phase_prompt(exercise, level)
    assert expected in hold_prompt(exercise, level)


def test_a_both_sides_hold_in_the_band_but_not_counting_asks_for_both_sides() -> None:
    exercise = view_samples.exercise(target_low_pct=20.0, target_high_pct=40.0, in_zone=False,
                                     target_channels=(0, 1))
    assert readouts.phase_prompt(exercise, 30.0) == "Keep both sides in the green zone, evenly"


def test_in_the_zone_the_prompt_says_to_keep_holding() -> None:
    exercise = view_samples.exercise(in_zone=True)
    assert readouts.phase_prompt(exercise, 99.0) == "In the zone, keep holding!"


def test_with_bandwidth_feedback_hidden_the_player_is_told_they_are_on_target() -> None:
    exercise = view_samples.exercise(show_feedback=False, feedback_mode="bandwidth")
    assert hold_prompt(exercise, 50.0) == "Good, steady: hold it there"
    faded = dataclasses.replace(exercise, feedback_mode="faded")
    assert hold_prompt(faded, 50.0) == "Hold it by feel"


def test_the_seesaw_eases_off_a_side_above_the_band_before_pushing_the_other() -> None:
    exercise = view_samples.exercise(target_low_pct=30.0, target_high_pct=70.0)
    assert symmetry_prompt(exercise, 85.0, 50.0, False) == (
        "Ease off with the left side: back into the green zone")
    assert symmetry_prompt(exercise, 40.0, 60.0, False) == "Push more with the left side"
    assert symmetry_prompt(exercise, 80.0, 90.0, False).startswith("Ease off with both")
    assert symmetry_prompt(exercise, 60.0, 61.0, True) == "Level! Hold it there"


# -- pauses ----------------------------------------------------------------------------------


def test_a_players_pause_shows_how_to_resume(drawn_text: list[str]) -> None:
    view = view_samples.session(phase="paused", pause_reason="paused by the player")
    paint(("hold", "pause"), view)
    assert "Paused — press P to resume" in drawn_text
    assert not any("by itself" in t for t in drawn_text)


def test_a_signal_pause_says_it_goes_on_by_itself(drawn_text: list[str]) -> None:
    view = view_samples.session(phase="paused", pause_reason="signal problem on R-quad: lift_off",
                                active_alerts=("quality",), right_quality=8)
    paint(("hold", "pause"), view)
    assert "signal problem on R-quad: lift_off" in drawn_text
    assert any("goes on by itself" in t for t in drawn_text)
    assert not any("press P" in t for t in drawn_text)


def test_who_paused_is_read_from_the_alerts() -> None:
    assert paused_by_player(view_samples.exercise(phase="paused"))
    assert not paused_by_player(view_samples.exercise(phase="paused",
                                                      active_alerts=("quality",)))


def test_a_paused_hold_keeps_its_progress_on_the_ring() -> None:
    along = paint(("hold",), view_samples.session(phase="paused", hold_progress_s=6.0))
    fresh = paint(("hold",), view_samples.session(phase="paused", hold_progress_s=0.0))
    assert not np.array_equal(along[950:1250], fresh[950:1250])


# -- alerts ----------------------------------------------------------------------------------


def test_a_compensation_alert_names_the_muscle_the_fix_and_both_limits() -> None:
    advice, numbers = describe(view_samples.RIGHT_HAMSTRINGS_TAKING_OVER)
    assert advice == "Right hamstrings are doing the work: relax them and squeeze the glutes"
    assert numbers == "ratio 0.96 · alert above 1.00, clears below 0.80"


def test_a_symmetry_alert_names_the_weaker_side_and_both_limits() -> None:
    alert = AlertView(kind="symmetry", muscle="quadriceps", side="left",
                      target_muscle="quadriceps", metric="lsi", value=78.4, alert_at=90.0,
                      clears_at=93.0)
    advice, numbers = describe(alert)
    assert advice == "Left and right quadriceps differ: push more with the left side"
    assert numbers == "symmetry 78% · alert below 90%, clears at 93%"


def test_without_details_an_alert_still_reads() -> None:
    view = view_samples.session(active_alerts=("symmetry",))
    assert alert_lines(view) == ["Left and right do not match: even them out"]


def alert_view(**changes: object) -> SessionView:
    return view_samples.session(
        active_alerts=("symmetry", "compensation"),
        alert_details=(
            AlertView("symmetry", "quadriceps", "left", "quadriceps", "lsi", 70.0, 90.0, 93.0),
            view_samples.RIGHT_HAMSTRINGS_TAKING_OVER,
        ),
        **changes,
    )


def rows_changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.any(before != after, axis=(0, 2)))


def test_the_banner_never_covers_the_symmetry_number() -> None:
    view = alert_view()
    game = paint(("symmetry",), view)
    covered = rows_changed(game, paint(("symmetry", "alerts"), view))
    assert covered.size
    # Only the bottom strip changes: the symmetry %, the goal and the bars stay readable.
    assert covered.min() >= SIZE[1] - strip_height(pygame.Surface(SIZE), view)


def test_in_the_clinician_view_the_banner_keeps_to_its_reserved_strip() -> None:
    view = alert_view(right_quality=8)
    plain = paint(("clinician",), view)
    covered = rows_changed(plain, paint(("clinician", "alerts"), view))
    assert covered.size
    assert covered.min() >= SIZE[1] - reserved_strip_height(SIZE)
    # Nothing of the clinician's own drawing (traces, bar labels) lies in that strip.
    background = plain[:, SIZE[1] - reserved_strip_height(SIZE) + 4:]
    assert len(np.unique(background.reshape(-1, 3), axis=0)) <= 2


def test_the_hold_prompt_moves_above_the_banner(drawn_text: list[str]) -> None:
    quiet = view_samples.session(in_zone=True)
    loud = alert_view(in_zone=True)
    assert strip_height(pygame.Surface(SIZE), quiet) == 0
    assert strip_height(pygame.Surface(SIZE), loud) > 0
    with_banner = paint(("hold", "alerts"), loud)
    prompt_rows = rows_changed(paint(("hold",), quiet), paint(("hold",), loud))
    assert prompt_rows.size  # the prompt moved
    banner_top = SIZE[1] - strip_height(pygame.Surface(SIZE), loud)
    assert "In the zone, keep holding!" in drawn_text
    # The lifted prompt is drawn above the banner, and the banner leaves it visible.
    assert prompt_rows.min() < banner_top
    assert np.array_equal(with_banner[:, prompt_rows.min():banner_top - 1],
                          paint(("hold",), loud)[:, prompt_rows.min():banner_top - 1])


# -- the start menu ---------------------------------------------------------------------------


def test_the_menu_offers_only_the_modes_a_protocol_suits() -> None:
    menu = StartMenu()
    quad_set = dataclasses.replace(menu, protocol_index=menu.protocols.index("quad_set"))
    assert "symmetry" not in quad_set.offered_modes
    seen = set()
    row = quad_set.press("down")
    for _ in range(6):
        row = row.press("right")
        seen.add(row.mode)
    assert seen == {"hold", "runner", "clinician"}
    mvc = dataclasses.replace(menu, protocol_index=menu.protocols.index("mvc_test"))
    assert mvc.offered_modes == ("mvc_test", "clinician")
    assert mvc.mode == "mvc_test"  # the maximal test opens on its own screen
    assert mvc.press("down").press("right").mode == "clinician"
    assert mvc.press("down").press("right").press("right").mode == "mvc_test"


def test_changing_the_protocol_falls_back_to_a_mode_that_suits_it() -> None:
    menu = StartMenu(protocols=("symmetry_hold", "quad_set"),
                     mode_index=StartMenu().modes.index("symmetry"))
    assert menu.mode == "symmetry"
    assert menu.press("right").mode == "hold"  # quad_set has no seesaw
    assert menu.press("right").press("left").mode == "symmetry"


def test_the_start_screen_lists_the_suitable_modes(drawn_text: list[str]) -> None:
    menu = StartMenu()
    menu = dataclasses.replace(menu, protocol_index=menu.protocols.index("quad_set"))
    surface = pygame.Surface(SIZE)
    registry.create("start", ModeContext(menu=menu)).draw(surface, view_samples.session())
    assert "modes for this exercise: hold  ·  runner  ·  clinician" in drawn_text
