"""Which keys drive which virtual muscle, shown whenever the virtual patient is the sensor.

With the simulated sensor nothing on the body moves the bars: the keyboard does. Without a
legend a new player cannot calibrate or play at all, so it stays on every screen after the
start menu. It has a strip of its own along the bottom of the window, and the screens are
laid out in the rest (:class:`actors.mode_stage.ModeStage` gives them that area only): in a
corner it covered a label, a caption or a panel on one screen or another. The keys are those
of :mod:`actors.player_controls`; the channels each one contracts follow from the view
(Left/A drives the left-side channels of the muscle asked for, Right/D the right; Space every
muscle).
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from engine.messages import Side
from engine.view import SessionView, asked_channels
from modes import palette
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


#: Below this scale of the 720p layout the legend takes its compact wording.
COMPACT_SCALE = 0.75
#: Type size of the legend at the 720p layout (never below palette.MIN_TEXT_PX).
LEGEND_TEXT = 20


@dataclass(frozen=True)
class LegendLayout:
    """The legend's strip along the bottom of a window, and its lines laid out in it."""

    strip: pygame.Rect
    """The strip, across the whole width; the screens are drawn above it."""
    rows: tuple[tuple[pygame.Surface, ...], ...]
    """The rendered items, row by row (items flow onto a new row when one is full)."""
    pad_px: int
    gap_px: int
    line_px: int


def legend_layout(size: tuple[int, int], view: SessionView) -> LegendLayout | None:
    """Where the legend goes in a window of ``size`` for ``view`` (None without channels:
    there is nothing to drive, so no strip). Items flow left to right, a row holding as many
    as fit across the window."""
    if not view.channels:
        return None
    scale = palette.scale_for(size)
    width, height = size
    pad, gap = max(2, round(8 * scale)), max(6, round(28 * scale))
    size_px = max(palette.MIN_TEXT_PX, round(LEGEND_TEXT * scale))
    items = [palette.text_surface(line, size_px, palette.EFFORT if k == 0 else palette.TEXT)
             for k, line in enumerate(legend_lines(view, scale < COMPACT_SCALE))]
    rows: list[list[pygame.Surface]] = []
    used = width
    for item in items:
        if not rows or used + gap + item.get_width() > width - 2 * pad:
            rows.append([item])
            used = item.get_width()
        else:
            rows[-1].append(item)
            used += gap + item.get_width()
    line_h = max(item.get_height() for item in items)
    strip_h = min(height, 2 * pad + line_h * len(rows) + pad * (len(rows) - 1))
    return LegendLayout(pygame.Rect(0, height - strip_h, width, strip_h),
                        tuple(tuple(row) for row in rows), pad, gap, line_h)


class KeyLegend(Screen):
    """The strip along the bottom of the window listing the virtual muscles' keys."""

    name = "key_legend"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        layout = legend_layout(surface.get_size(), view)
        if layout is None:
            return
        strip = layout.strip
        surface.fill(palette.BACKGROUND, strip)
        pygame.draw.line(surface, palette.PANEL_EDGE, strip.topleft,
                         (strip.right - 1, strip.top), max(1, layout.pad_px // 4))
        y = strip.top + layout.pad_px
        for row in layout.rows:
            row_w = sum(item.get_width() for item in row) + layout.gap_px * (len(row) - 1)
            x = strip.centerx - row_w // 2
            for item in row:
                surface.blit(item, (x, y + (layout.line_px - item.get_height()) // 2))
                x += item.get_width() + layout.gap_px
            y += layout.line_px + layout.pad_px
