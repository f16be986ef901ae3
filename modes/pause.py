"""The pause screen, drawn over the dimmed game: why it paused and how to go on."""

from __future__ import annotations

import pygame

from engine.view import SessionView
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
        reason = view.exercise.pause_reason if view.exercise is not None else ""
        if reason:
            widgets.text(surface, reason, (center_x, center_y + px(surface, 135)),
                         palette.SIZE_BODY, palette.CAUTION, "center",
                         max_width=surface.get_width() - px(surface, 60))
        hint = ("it goes on by itself once the signal is good again  ·  Esc to finish"
                if reason else "press P to go on  ·  Esc to finish")
        widgets.text(surface, hint,
                     (center_x, center_y + px(surface, 195)), palette.SIZE_SMALL,
                     palette.TEXT_DIM, "center")
