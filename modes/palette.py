"""Colours and type for every screen: colour-blind safe, high contrast, large.

Colours come from the Okabe–Ito palette, which stays distinguishable under the common colour
vision deficiencies; meaning never rests on hue alone (bands are outlined, states are also
written in words). Type sizes scale with the window height so a 720p window and a fullscreen
4K television read the same from a patient's chair.
"""

from __future__ import annotations

import functools

import pygame

Colour = tuple[int, int, int]

# Okabe–Ito (2008), "Color Universal Design".
BLACK: Colour = (0, 0, 0)
ORANGE: Colour = (230, 159, 0)
SKY_BLUE: Colour = (86, 180, 233)
BLUISH_GREEN: Colour = (0, 158, 115)
YELLOW: Colour = (240, 228, 66)
BLUE: Colour = (0, 114, 178)
VERMILLION: Colour = (213, 94, 0)
REDDISH_PURPLE: Colour = (204, 121, 167)
WHITE: Colour = (255, 255, 255)

# Roles: what each colour means everywhere in the game.
BACKGROUND: Colour = (16, 24, 40)
PANEL: Colour = (30, 42, 64)
PANEL_EDGE: Colour = (62, 80, 110)
TEXT: Colour = (244, 246, 250)
TEXT_DIM: Colour = (168, 180, 200)
IN_ZONE: Colour = BLUISH_GREEN
TARGET: Colour = BLUISH_GREEN
LEFT: Colour = SKY_BLUE
RIGHT: Colour = ORANGE
EFFORT: Colour = YELLOW
WARNING: Colour = VERMILLION
CAUTION: Colour = ORANGE
GOOD: Colour = BLUISH_GREEN
STAR: Colour = YELLOW
SKY_TOP: Colour = (20, 60, 120)
SKY_BOTTOM: Colour = (120, 190, 235)

#: Type sizes in pixels at a 720-pixel-high window.
SIZE_HUGE = 112
SIZE_TITLE = 72
SIZE_LARGE = 52
SIZE_BODY = 38
SIZE_SMALL = 28
#: Nothing is ever drawn smaller than this, whatever the window size.
MIN_TEXT_PX = 16


def scale_of(surface: pygame.Surface) -> float:
    """How much larger than the 1280×720 reference layout this surface is."""
    return scale_for(surface.get_size())


def scale_for(size: tuple[int, int]) -> float:
    """How much larger than the 1280×720 reference layout a surface of ``size`` is."""
    width, height = size
    return max(0.25, min(width / 1280, height / 720))


def px(surface: pygame.Surface, reference_px: float) -> int:
    """A length given for the 720p reference layout, scaled to ``surface``."""
    return max(1, round(reference_px * scale_of(surface)))


@functools.lru_cache(maxsize=64)
def font(size_px: int) -> pygame.font.Font:
    """pygame's built-in font at ``size_px`` (no downloaded assets), cached per size."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, max(MIN_TEXT_PX, size_px))


@functools.lru_cache(maxsize=512)
def text_surface(text: str, size_px: int, colour: Colour) -> pygame.Surface:
    """Rendered, anti-aliased text; cached because the same labels are drawn every frame."""
    return font(size_px).render(text, True, colour)


def mix(a: Colour, b: Colour, amount: float) -> Colour:
    """Blend from ``a`` (amount 0) to ``b`` (amount 1)."""
    t = min(1.0, max(0.0, amount))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )
