"""The virtual patient's key legend has a strip of its own: on every screen that shows it, at
1280×720 and in the smallest window (640×360), nothing a screen draws lies under it."""

from __future__ import annotations

import pygame
import pytest

from actors.mode_stage import LEGEND, ModeStage
from engine.view import SessionView
from modes import registry
from modes.base import Mode, ModeContext
from modes.key_legend import legend_layout
from modes.training_modes import TRAINING_MODES
from tests.modes import view_samples
from tests.modes.test_hold_runner_hud import Written, written

__all__ = ["written"]  # the fixture, used by name

SIZES = [(1280, 720), (640, 360)]
SITUATIONS = {**view_samples.every_kind(), "rejected": view_samples.calibration_rejected(),
              "mvc_rest": view_samples.mvc_test("rest", 431.0),
              # An MVC test ends on its own screen, with its three efforts (not ten reps).
              "mvc_done": view_samples.mvc_test("done", 431.0, 402.0, 415.0)}


def recording_factories(areas: list[tuple[str, pygame.Rect]]) -> dict[str, registry.ModeFactory]:
    """The registered modes, each noting the area of the window it was given to draw on."""

    def wrap(name: str) -> registry.ModeFactory:
        def build(context: ModeContext) -> Mode:
            mode = registry.MODES[name](context)

            class Noted:
                def __init__(self) -> None:
                    self.name = name

                def draw(self, surface: pygame.Surface, view: SessionView) -> None:
                    areas.append((name, pygame.Rect(surface.get_abs_offset(),
                                                    surface.get_size())))
                    mode.draw(surface, view)

            return Noted()

        return build

    return {name: wrap(name) for name in registry.MODES}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("training", TRAINING_MODES)
def test_nothing_a_screen_draws_lies_under_the_key_legend(
    written: list[Written], size: tuple[int, int], training: str,
) -> None:
    for situation, view in SITUATIONS.items():
        if training == "mvc_test" and situation == "done":
            continue  # an MVC test has no ten-rep summary: "mvc_done" is its end
        areas: list[tuple[str, pygame.Rect]] = []
        stage = ModeStage(training, menu=None, factories=recording_factories(areas), seed=1,
                          key_legend=True)
        written.clear()
        stage.paint(pygame.Surface(size), view)
        layout = legend_layout(size, view)
        if LEGEND not in [name for name, _ in areas]:
            continue  # the summary, or no channels: no legend
        assert layout is not None
        strip = layout.strip
        assert strip.bottom == size[1]
        assert all(sum(item.get_width() for item in row) <= size[0] for row in layout.rows)
        covered = [(name, area) for name, area in areas
                   if name != LEGEND and area.colliderect(strip)]
        assert not covered, f"{situation}: drawn under the legend"
        # Each screen's words fit the area above the strip, none cut off by it.
        texts = [(w.message, w.rect) for w in written if w.rect.bottom > strip.top]
        assert not texts, f"{situation}: text cut off by the legend"
        # The legend leaves most of the window to the game.
        assert strip.height <= 0.1 * size[1]
