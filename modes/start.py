"""The start screen: choose a client, an exercise protocol and a game mode with the keyboard
alone (the client row only where the station keeps a history: :class:`modes.menu.ClientChoice`)."""

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
    "exercise_lab": "Try each exercise in turn: which one works your muscle hardest",
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
            "client": menu.client.label() if menu.client is not None else "",
            "protocol": menu.protocol.replace("_", " "),
            "mode": menu.mode,
            "start": "Start",
        }
        # Four rows (with a client) fit above the blurb in the space of three.
        top, pitch, box_h = (190, 120, 96) if len(menu.rows) == len(ROWS) else (170, 98, 82)
        for k, row in enumerate(menu.rows):
            box = pygame.Rect(0, 0, px(surface, 760), px(surface, box_h))
            box.midtop = (width // 2, px(surface, top) + k * px(surface, pitch))
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
            typing = row == "client" and menu.typing  # no arrows: the keys type
            value = values[row] if typing else f"‹  {values[row]}  ›"
            widgets.text(surface, value, (box.centerx + px(surface, 60), box.centery),
                         palette.SIZE_LARGE, palette.TEXT, "center",
                         max_width=box.width - px(surface, 260))
        blurb = MODE_BLURBS.get(menu.mode, "")
        widgets.text(surface, blurb, (width // 2, px(surface, 560)), palette.SIZE_BODY,
                     palette.WHITE, "midtop", shadow=True)
        # Only the modes the protocol's file says suit it are offered; say which they are.
        suited = "  ·  ".join(menu.offered_modes)
        widgets.text(surface, f"modes for this exercise: {suited}",
                     (width // 2, px(surface, 620)), palette.SIZE_SMALL, palette.WHITE, "midtop",
                     shadow=True, max_width=width - px(surface, 40))
        keys = ("Type a pseudonym, never a name  ·  Backspace: delete  ·  Return: take it"
                if menu.typing else
                "Up / Down: choose a row  ·  Left / Right: change  ·  Return: next  ·  Esc: quit")
        widgets.text(surface, keys,
                     (width // 2, height - px(surface, 24)), palette.SIZE_SMALL, palette.WHITE,
                     "midbottom", shadow=True)
