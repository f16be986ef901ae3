"""The pause screen, drawn over the dimmed game: why it paused and how to go on.

Who paused decides what the player is told: after the player's own pause (P) the way back is
the same key; after a signal problem the exercise goes on by itself once the signal has been
good for a moment, so the screen names the problem instead.
"""

from __future__ import annotations

import pygame

from engine.view import ExerciseView, SessionView
from modes import palette, widgets
from modes.base import Screen


class PauseOverlay(Screen):
    """Dims the game underneath and says why the session is paused."""

    name = "pause"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        widgets.translucent_rect(surface, surface.get_rect(), palette.BACKGROUND, 200)
        px = palette.px
        center_x, center_y = surface.get_rect().center
        # Below the alert overlay, which may hold three lines at the top.
        bar_w, bar_h = px(surface, 34), px(surface, 110)
        for dx in (-1, 1):
            bar = pygame.Rect(0, 0, bar_w, bar_h)
            bar.center = (center_x + dx * px(surface, 36), center_y - px(surface, 40))
            pygame.draw.rect(surface, palette.TEXT, bar, border_radius=px(surface, 8))
        widgets.text(surface, "Paused", (center_x, center_y + px(surface, 70)),
                     palette.SIZE_TITLE, anchor="center")
        exercise = view.exercise
        if paused_by_player(exercise):
            widgets.text(surface, "Paused — press P to resume",
                         (center_x, center_y + px(surface, 135)), palette.SIZE_BODY,
                         palette.YELLOW, "center", max_width=surface.get_width() - px(surface, 60))
            hint = "the exercise goes on where it stopped  ·  Esc to finish"
        else:
            reason = exercise.pause_reason if exercise is not None else ""
            if reason:
                widgets.text(surface, reason, (center_x, center_y + px(surface, 135)),
                             palette.SIZE_BODY, palette.CAUTION, "center",
                             max_width=surface.get_width() - px(surface, 60))
            hint = ("it goes on by itself once the signal is good again (the rep starts over)"
                    "  ·  Esc to finish")
        widgets.text(surface, hint,
                     (center_x, center_y + px(surface, 195)), palette.SIZE_SMALL,
                     palette.TEXT_DIM, "center", max_width=surface.get_width() - px(surface, 40))


def paused_by_player(exercise: ExerciseView | None) -> bool:
    """Whether the exercise waits for the player (P) rather than for a good signal: the rules
    name a signal problem "quality" among the active alerts while it holds the pause."""
    return exercise is not None and "quality" not in exercise.active_alerts
