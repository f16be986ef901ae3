"""Which keys drive which virtual muscle, shown whenever the virtual patient is the sensor.

With the simulated sensor nothing on the body moves the bars: the keyboard does. Without a
legend a new player cannot calibrate or play at all, so it stays in a corner of every screen
after the start menu. The keys are those of :mod:`actors.player_controls`; the channels each
one contracts follow from the view (Left/A drives the left-side channels of the muscle asked
for, Right/D the right; Space every muscle).
"""

from __future__ import annotations

import pygame

from engine.messages import Side
from engine.view import SessionView, asked_channels
from modes import palette, widgets
from modes.base import Screen


def legend_lines(view: SessionView, compact: bool = False) -> list[str]:
    """The legend's lines for ``view``'s channels: what each key contracts, and how hard;
    ``compact`` (a small window) says it in two lines."""
    asked = asked_channels(view)
    sided = [c for i, c in enumerate(view.channels) if asked is None or i in asked]
    left = ", ".join(c.label for c in sided if c.side is Side.LEFT)
    right = ", ".join(c.label for c in sided if c.side is Side.RIGHT)
    if compact:
        sides = "".join([f" · A: {left}" if left else "", f" · D: {right}" if right else ""])
        return [f"Keys: Space all{sides}", "Strength 1-9, 0 = 100 %"]
    lines = ["Virtual patient: hold a key to contract",
             "Space or mouse button: every muscle"]
    if left:
        lines.append(f"Left arrow or A: {left}")
    if right:
        lines.append(f"Right arrow or D: {right}")
    lines.append("Strength: 1-9 = 10-90 %, 0 = 100 %, Up/Down ±10 %")
    return lines


#: Below this scale of the 720p layout the legend takes two lines.
COMPACT_SCALE = 0.75


class KeyLegend(Screen):
    """A small translucent box in the bottom-right corner listing the virtual muscles' keys."""

    name = "key_legend"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        if not view.channels:
            return
        px = palette.px
        size_px = max(palette.MIN_TEXT_PX, px(surface, 20))
        compact = palette.scale_of(surface) < COMPACT_SCALE
        rendered = [palette.text_surface(line, size_px,
                                         palette.EFFORT if k == 0 else palette.TEXT)
                    for k, line in enumerate(legend_lines(view, compact))]
        pad = px(surface, 10)
        line_h = max(r.get_height() for r in rendered)
        box = pygame.Rect(0, 0, max(r.get_width() for r in rendered) + 2 * pad,
                          line_h * len(rendered) + 2 * pad)
        # Small windows have no free corner: the very bottom, where least is written.
        box.bottomright = (surface.get_width() - px(surface, 12),
                           surface.get_height() - px(surface, 8 if compact else 56))
        widgets.translucent_rect(surface, box, palette.BACKGROUND, 200, pad)
        for k, line in enumerate(rendered):
            surface.blit(line, (box.left + pad, box.top + pad + k * line_h))
