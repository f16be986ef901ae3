"""The start screen: choose an exercise protocol and a game mode with the keyboard alone."""

from __future__ import annotations

import pygame

from engine.view import SessionView
from modes import palette, scenery, widgets
from modes.base import Screen
from modes.hold import balloon
from modes.menu import ROWS

#: One line per training mode, in the player's words.
MODE_BLURBS = {
    "hold": "Hold the balloon in the green zone",
    "symmetry": "Keep the beam level: left and right together",
    "runner": "Fly through the gates",
    "clinician": "Live signals, bands and latency for the clinician",
    "mvc_test": "Push as hard as you can, a few times: the strongest effort is the result",
}


class StartScreen(Screen):
    """Protocol and mode pickers and a start button; arrows move, Return confirms."""

    name = "start"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        scenery.sky(surface, view.t_ns)
        menu = self.context.menu
        px = palette.px
        width, height = surface.get_size()
        widgets.text(surface, "myoplay", (width // 2, px(surface, 40)), palette.SIZE_HUGE,
                     palette.WHITE, "midtop", shadow=True)
        balloon(surface, (width - px(surface, 170), px(surface, 190)), px(surface, 60), True, 0)
        values = {
            "protocol": menu.protocol.replace("_", " "),
            "mode": menu.mode,
            "start": "Start",
        }
        for k, row in enumerate(ROWS):
            box = pygame.Rect(0, 0, px(surface, 760), px(surface, 96))
            box.midtop = (width // 2, px(surface, 190) + k * px(surface, 120))
            focused = k == menu.row
            # Opaque: clouds drifting behind a row must not show through its words.
            widgets.translucent_rect(surface, box, palette.BACKGROUND, 255, px(surface, 16))
            if focused:
                pygame.draw.rect(surface, palette.YELLOW, box, max(3, px(surface, 5)),
                                 border_radius=px(surface, 16))
            if row == "start":
                widgets.text(surface, "Start", box.center, palette.SIZE_LARGE,
                             palette.YELLOW if focused else palette.TEXT, "center")
                continue
            widgets.text(surface, row, (box.left + px(surface, 24), box.centery), 34,
                         palette.TEXT_DIM, "midleft")
            widgets.text(surface, f"‹  {values[row]}  ›", (box.centerx + px(surface, 60),
                                                          box.centery), palette.SIZE_LARGE,
                         palette.TEXT, "center", max_width=box.width - px(surface, 260))
        blurb = MODE_BLURBS.get(menu.mode, "")
        widgets.text(surface, blurb, (width // 2, px(surface, 560)), palette.SIZE_BODY,
                     palette.WHITE, "midtop", shadow=True)
        # Only the modes the protocol's file says suit it are offered; say which they are.
        suited = "  ·  ".join(menu.offered_modes)
        widgets.text(surface, f"modes for this exercise: {suited}",
                     (width // 2, px(surface, 620)), palette.SIZE_SMALL, palette.WHITE, "midtop",
                     shadow=True, max_width=width - px(surface, 40))
        keys = "Up / Down: choose a row  ·  Left / Right: change  ·  Return: next  ·  Esc: quit"
        widgets.text(surface, keys,
                     (width // 2, height - px(surface, 24)), palette.SIZE_SMALL, palette.WHITE,
                     "midbottom", shadow=True)
