"""The symmetry game's stars: a long session's row wraps above the right bar and stays stars."""

from __future__ import annotations

import pygame
import pytest

from modes import registry, widgets
from modes.base import ModeContext
from tests.modes import view_samples
from tests.modes.test_hold_runner_hud import Written, written

__all__ = ["written"]  # the fixture, used by name


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
@pytest.mark.parametrize("reps", [10, 14, 30])
def test_every_rep_is_a_star_inside_the_window_clear_of_the_numbers(
    monkeypatch: pytest.MonkeyPatch, written: list[Written], size: tuple[int, int], reps: int,
) -> None:
    stars: list[pygame.Rect] = []
    original = widgets.star

    def recording(surface: pygame.Surface, center: tuple[float, float], radius: float,
                  earned: bool) -> None:
        stars.append(pygame.Rect(round(center[0] - radius), round(center[1] - radius),
                                 round(2 * radius), round(2 * radius)))
        original(surface, center, radius, earned)

    monkeypatch.setattr(widgets, "star", recording)
    surface = pygame.Surface(size)
    view = view_samples.session(reps_total=reps, reps_completed=reps // 2)
    registry.create("symmetry", ModeContext()).draw(surface, view)
    assert len(stars) == reps
    assert all(surface.get_rect().contains(star) for star in stars)
    assert min(star.width for star in stars) >= 2 * 16 * size[1] / 720 * widgets.STAR_MIN_FRACTION
    texts = [w.rect for w in written]
    assert not [t for t in texts if any(t.colliderect(star) for star in stars)]
