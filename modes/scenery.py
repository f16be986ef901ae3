"""Backgrounds shared by the games: sky, drifting clouds, the %MVC scale and the target band.

Scenery stays behind the HUD: clouds drift only below the top strip where the games put their
counters and stars (:data:`HUD_STRIP_PX`), and the scale's labels sit on their own plate, so
white text never lands on a white cloud. Motion is a function of the view's sample time, never
of frame counts or the wall clock.
"""

from __future__ import annotations

import pygame

from engine.view import ExerciseView
from modes import palette, widgets

#: Height of the top strip kept free of clouds for the HUD (rep counter, stars, score, timer),
#: in reference px.
HUD_STRIP_PX = 120
#: Where the clouds start, as (x fraction, y fraction of the sky below the HUD strip and above
#: the lower half, size in reference px, px/s).
_CLOUDS = ((0.10, 0.30, 60, 12.0), (0.55, 0.55, 80, 8.0), (0.80, 0.05, 50, 16.0),
           (0.30, 0.95, 44, 20.0))
#: Opacity of the plate behind the scale's labels (0–255): enough to read over a cloud.
_SCALE_PLATE_ALPHA = 120


def sky(surface: pygame.Surface, t_ns: int) -> None:
    """A blue sky fading to the horizon, with clouds drifting left at sample-time speed."""
    surface.blit(
        widgets.vertical_gradient(surface.get_size(), palette.SKY_TOP, palette.SKY_BOTTOM), (0, 0)
    )
    width, height = surface.get_size()
    t_s = t_ns / 1e9
    for x_frac, y_frac, size, speed in _CLOUDS:
        r = palette.px(surface, size)
        span = width + 4 * r
        x = (x_frac * span - t_s * palette.px(surface, speed)) % span - 2 * r
        # A cloud's puffs reach about one radius above its centre: start below the HUD strip.
        top = palette.px(surface, HUD_STRIP_PX) + r
        cloud(surface, (x, top + y_frac * max(0, height // 2 - top)), r)


def cloud(surface: pygame.Surface, center: tuple[float, float], radius: int) -> None:
    """A soft white cloud made of overlapping puffs."""
    colour = (236, 244, 252)
    x, y = center
    for dx, dy, k in ((-0.9, 0.15, 0.6), (0.0, 0.0, 0.85), (0.9, 0.15, 0.6), (0.4, -0.35, 0.6)):
        pygame.draw.circle(surface, colour, (round(x + dx * radius), round(y + dy * radius)),
                           round(k * radius))
    base = pygame.Rect(0, 0, round(2.4 * radius), round(0.7 * radius))
    base.center = (round(x), round(y + 0.3 * radius))
    pygame.draw.rect(surface, colour, base, border_radius=base.height // 2)


def scale_ticks(surface: pygame.Surface, area: pygame.Rect, x: int, colour: palette.Colour) -> None:
    """%MVC tick labels every 20 % along the left of ``area``, on a plate of their own."""
    size = palette.px(surface, 26)
    top, bottom = widgets.pct_to_y(area, 100), widgets.pct_to_y(area, 0)
    label_w = palette.text_surface("100%", size, colour).get_width()
    pad = palette.px(surface, 8)
    plate = pygame.Rect(x - palette.px(surface, 6) - label_w - pad, top - size // 2 - pad // 2,
                        label_w + palette.px(surface, 16) + 2 * pad, bottom - top + size + pad)
    widgets.translucent_rect(surface, plate, palette.BACKGROUND, _SCALE_PLATE_ALPHA, pad)
    for pct in range(0, 101, 20):
        y = widgets.pct_to_y(area, pct)
        pygame.draw.line(surface, colour, (x, y), (x + palette.px(surface, 10), y), 2)
        widgets.text(surface, f"{pct}%", (x - palette.px(surface, 6), y), 26, colour, "midright",
                     shadow=True)


def target_band(
    surface: pygame.Surface, area: pygame.Rect, exercise: ExerciseView
) -> pygame.Rect:
    """The target zone across ``area`` (a line to stay under for relaxation drills)."""
    high = exercise.target_high_pct
    low = 0.0 if exercise.below_line else exercise.target_low_pct
    y_high = widgets.pct_to_y(area, high)
    y_low = widgets.pct_to_y(area, low)
    zone = pygame.Rect(area.left, y_high, area.width, max(2, y_low - y_high))
    widgets.translucent_rect(surface, zone, palette.TARGET, 70 if exercise.below_line else 110)
    edge = max(2, palette.px(surface, 4))
    pygame.draw.line(surface, palette.TARGET, zone.topleft, zone.topright, edge)
    if not exercise.below_line:
        pygame.draw.line(surface, palette.TARGET, zone.bottomleft, zone.bottomright, edge)
    return zone
