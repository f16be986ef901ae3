"""Drawing blocks shared by the screens: text, panels, level bars with a target band, timers.

Every function paints onto the surface it is given and returns nothing it remembers: the same
arguments always give the same pixels. Lengths are in the 1280×720 reference layout and scale
with the surface (see :func:`modes.palette.px`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import pygame

from engine.view import ExerciseView
from modes import palette
from modes.palette import Colour

Point = tuple[float, float]

#: How far above 100 %MVC the level scales reach, so efforts over the calibration still show.
SCALE_TOP_PCT = 120.0


def text(
    surface: pygame.Surface,
    message: str,
    pos: Point,
    size: float,
    colour: Colour = palette.TEXT,
    anchor: str = "topleft",
    shadow: bool = False,
    max_width: int | None = None,
) -> pygame.Rect:
    """Draw ``message`` at ``size`` (reference px) anchored at ``pos``; return where it went.

    With ``max_width`` (screen px) a long message is set smaller until it fits, never clipped
    (down to :data:`~modes.palette.MIN_TEXT_PX`, below which readability wins over fitting).
    """
    size_px = palette.px(surface, size)
    rendered = palette.text_surface(message, size_px, colour)
    while max_width is not None and rendered.get_width() > max_width > 0 and (
        size_px > palette.MIN_TEXT_PX
    ):
        # Glyph widths do not scale exactly with size: shrink until it fits (or hits the floor).
        size_px = max(palette.MIN_TEXT_PX,
                      min(size_px - 1, size_px * max_width // rendered.get_width()))
        rendered = palette.text_surface(message, size_px, colour)
    rect = rendered.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    if shadow:
        offset = max(1, palette.px(surface, 2))
        dark = palette.text_surface(message, size_px, palette.BLACK)
        surface.blit(dark, rect.move(offset, offset))
    surface.blit(rendered, rect)
    return rect


@functools.lru_cache(maxsize=16)
def vertical_gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> pygame.Surface:
    """A surface fading from ``top`` to ``bottom`` (cached: backgrounds are redrawn often)."""
    width, height = size
    strip = pygame.Surface((1, max(1, height)))
    for y in range(max(1, height)):
        strip.set_at((0, y), palette.mix(top, bottom, y / max(1, height - 1)))
    return pygame.transform.scale(strip, (max(1, width), max(1, height)))


def panel(
    surface: pygame.Surface,
    rect: pygame.Rect,
    colour: Colour = palette.PANEL,
    edge: Colour | None = palette.PANEL_EDGE,
    radius: float = 14,
) -> None:
    """A rounded box that groups a readout."""
    box = _panel_surface(rect.size, colour, edge, palette.px(surface, radius),
                         max(1, palette.px(surface, 2)))
    surface.blit(box, rect.topleft)


#: A colour no panel uses, marking the transparent corners of cached panels.
_KEY = (255, 0, 254)


@functools.lru_cache(maxsize=128)
def _panel_surface(
    size: tuple[int, int], colour: Colour, edge: Colour | None, radius: int, edge_px: int
) -> pygame.Surface:
    """A panel drawn once per size and style: rounded rectangles are slow to fill every frame.

    The corners are a colour key rather than per-pixel alpha, which blits several times faster.
    """
    box = pygame.Surface(size)
    box.fill(_KEY)
    box.set_colorkey(_KEY, pygame.RLEACCEL)
    pygame.draw.rect(box, colour, box.get_rect(), border_radius=radius)
    if edge is not None:
        pygame.draw.rect(box, edge, box.get_rect(), width=edge_px, border_radius=radius)
    return box


def translucent_rect(
    surface: pygame.Surface, rect: pygame.Rect, colour: Colour, alpha: int, radius: int = 0
) -> None:
    """Fill ``rect`` with ``colour`` at ``alpha`` (0–255) over what is already drawn."""
    if rect.width <= 0 or rect.height <= 0:
        return
    surface.blit(_translucent_surface(rect.size, colour, alpha, radius), rect.topleft)


@functools.lru_cache(maxsize=256)
def _translucent_surface(
    size: tuple[int, int], colour: Colour, alpha: int, radius: int
) -> pygame.Surface:
    layer = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(layer, (*colour, alpha), layer.get_rect(), border_radius=radius)
    return layer


def pct_to_y(rect: pygame.Rect, pct: float, top_pct: float = SCALE_TOP_PCT) -> int:
    """Screen y of ``pct`` %MVC on a vertical scale filling ``rect`` (0 at the bottom)."""
    clamped = min(top_pct, max(0.0, pct))
    return round(rect.bottom - clamped / top_pct * rect.height)


def level_bar(
    surface: pygame.Surface,
    rect: pygame.Rect,
    pct: float | None,
    band: tuple[float, float] | None = None,
    colour: Colour = palette.EFFORT,
    in_zone: bool = False,
    label: str = "",
    below_line: bool = False,
    show_value: bool = True,
) -> None:
    """A vertical %MVC bar with its target band, 0–120 %MVC, and the value written under it.

    The band is outlined as well as tinted so it reads without colour; when ``below_line`` is
    set the target is "stay under the line" (a relaxation drill) and only the line is drawn.
    """
    panel(surface, rect.inflate(palette.px(surface, 8), palette.px(surface, 8)),
          palette.BACKGROUND, radius=8)
    if pct is not None:
        y = pct_to_y(rect, pct)
        fill = pygame.Rect(rect.left, y, rect.width, rect.bottom - y)
        surface.fill(palette.IN_ZONE if in_zone else colour, fill.inflate(-6, 0))
    if band is not None:
        low, high = band
        y_high = pct_to_y(rect, high)
        y_low = rect.bottom if below_line else pct_to_y(rect, low)
        zone = pygame.Rect(rect.left, y_high, rect.width, max(1, y_low - y_high))
        translucent_rect(surface, zone, palette.TARGET, 90)
        edge = max(2, palette.px(surface, 3))
        pygame.draw.line(surface, palette.TEXT, (rect.left, y_high), (rect.right, y_high), edge)
        if not below_line:
            pygame.draw.line(surface, palette.TEXT, (rect.left, y_low), (rect.right, y_low), edge)
    y100 = pct_to_y(rect, 100.0)
    pygame.draw.line(surface, palette.TEXT_DIM, (rect.left, y100), (rect.right, y100), 1)
    if label:
        text(surface, label, (rect.centerx, rect.bottom + palette.px(surface, 10)), 26,
             palette.TEXT_DIM, "midtop")
    if show_value:
        value = "—" if pct is None else f"{pct:.0f}%"
        text(surface, value, (rect.centerx, rect.top - palette.px(surface, 8)), 30,
             palette.TEXT, "midbottom")


def hbar(
    surface: pygame.Surface,
    rect: pygame.Rect,
    fraction: float,
    colour: Colour,
    back: Colour = palette.BACKGROUND,
) -> None:
    """A horizontal progress bar, ``fraction`` (0–1) filled from the left, with round ends."""
    radius = rect.height // 2
    pygame.draw.rect(surface, back, rect, border_radius=radius)
    filled = min(1.0, max(0.0, fraction))
    if filled > 0:
        width = max(rect.height, round(rect.width * filled))
        pygame.draw.rect(surface, colour, (rect.left, rect.top, width, rect.height),
                         border_radius=radius)


def _arc_points(center: Point, radius: float, start: float, end: float) -> list[Point]:
    steps = max(2, int(abs(end - start) / (2 * math.pi) * 96) + 1)
    return [
        (center[0] + radius * math.cos(start + (end - start) * i / (steps - 1)),
         center[1] + radius * math.sin(start + (end - start) * i / (steps - 1)))
        for i in range(steps)
    ]


def ring(
    surface: pygame.Surface,
    center: Point,
    radius: float,
    fraction: float,
    colour: Colour,
    width: float,
    back: Colour = palette.PANEL_EDGE,
) -> None:
    """A ring timer: a full track, and ``fraction`` of it filled clockwise from twelve o'clock."""
    pygame.draw.circle(surface, back, (round(center[0]), round(center[1])), round(radius),
                       max(1, round(width)))
    filled = min(1.0, max(0.0, fraction))
    if filled <= 0:
        return
    start = -math.pi / 2
    end = start + 2 * math.pi * filled
    outer = _arc_points(center, radius, start, end)
    inner = _arc_points(center, radius - width, end, start)
    pygame.draw.polygon(surface, colour, outer + inner)


def star_points(center: Point, radius: float) -> list[Point]:
    """The ten corners of a five-pointed star, one point up."""
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((center[0] + r * math.cos(angle), center[1] + r * math.sin(angle)))
    return points


def star(surface: pygame.Surface, center: Point, radius: float, earned: bool) -> None:
    """A star for a completed hold (filled) or one still to earn (outline)."""
    points = star_points(center, radius)
    if earned:
        pygame.draw.polygon(surface, palette.STAR, points)
        pygame.draw.polygon(surface, palette.BLACK, points, max(1, round(radius / 10)))
    else:
        pygame.draw.polygon(surface, palette.TEXT_DIM, points, max(1, round(radius / 8)))


#: The smallest a star in a row may get, as a fraction of the radius asked for.
STAR_MIN_FRACTION = 0.6


def star_row(
    surface: pygame.Surface, center: Point, earned: int, total: int, radius: float,
    max_width: float | None = None, max_rows: int = 1,
) -> pygame.Rect:
    """``total`` stars centred on ``center``, the first ``earned`` filled; long rows wrap onto
    up to ``max_rows`` rows (the first centred on ``center``, the others below it), then
    shrink to fit ``max_width`` (screen px; default 60 % of the surface). Returns where the
    stars went.

    A row that would shrink below :data:`STAR_MIN_FRACTION` of ``radius`` (30 reps on a small
    window) is summarised instead: one star and "27 / 30", readable at any size.
    """
    if total <= 0:
        return pygame.Rect(round(center[0]), round(center[1]), 0, 0)
    spacing = radius * 2.3
    width = surface.get_width() * 0.6 if max_width is None else max_width
    per_row = max(1, math.floor(width / spacing))
    rows = -(-total // per_row)
    if rows > max_rows:
        rows = max_rows
        per_row = -(-total // rows)
        spacing = width / per_row
        if spacing / 2.3 < radius * STAR_MIN_FRACTION:
            return star_tally(surface, center, earned, total, radius)
        radius = spacing / 2.3
    # Rows as even as they can be: 30 on three rows of 11 is 10, 10, 10.
    per_row = -(-total // rows)
    drawn = pygame.Rect(0, 0, 0, 0)
    for i in range(total):
        row, column = divmod(i, per_row)
        in_row = min(per_row, total - row * per_row)
        x = center[0] - spacing * (in_row - 1) / 2 + column * spacing
        y = center[1] + row * spacing
        star(surface, (x, y), radius, i < earned)
        box = pygame.Rect(round(x - radius), round(y - radius), round(2 * radius),
                          round(2 * radius))
        drawn = box if i == 0 else drawn.union(box)
    return drawn


def star_tally(
    surface: pygame.Surface, center: Point, earned: int, total: int, radius: float
) -> pygame.Rect:
    """One star and "earned / total" beside it, centred on ``center`` (long rows of stars)."""
    message = f"{earned} / {total}"
    size_px = max(palette.MIN_TEXT_PX, round(radius * 1.6))
    label = palette.text_surface(message, size_px, palette.TEXT)
    gap = radius * 0.6
    left = center[0] - (2 * radius + gap + label.get_width()) / 2
    star(surface, (left + radius, center[1]), radius, earned > 0)
    rect = label.get_rect(midleft=(round(left + 2 * radius + gap), round(center[1])))
    offset = max(1, palette.px(surface, 2))
    surface.blit(palette.text_surface(message, size_px, palette.BLACK), rect.move(offset, offset))
    surface.blit(label, rect)
    return rect.union(pygame.Rect(round(left), round(center[1] - radius), round(2 * radius),
                                  round(2 * radius)))


def badge(
    surface: pygame.Surface,
    message: str,
    pos: Point,
    colour: Colour,
    size: float = 26,
    anchor: str = "topleft",
    text_colour: Colour = palette.BLACK,
) -> pygame.Rect:
    """A coloured pill with a short word in it (quality flags, phase names)."""
    rendered = palette.text_surface(message, palette.px(surface, size), text_colour)
    pad_x, pad_y = palette.px(surface, 12), palette.px(surface, 5)
    box = rendered.get_rect().inflate(2 * pad_x, 2 * pad_y)
    setattr(box, anchor, (round(pos[0]), round(pos[1])))
    pygame.draw.rect(surface, colour, box, border_radius=box.height // 2)
    surface.blit(rendered, rendered.get_rect(center=box.center))
    return box


def polyline(
    surface: pygame.Surface, colour: Colour, points: Sequence[Point], width: int = 2
) -> None:
    """A connected line through ``points`` (nothing for fewer than two)."""
    if len(points) >= 2:
        pygame.draw.lines(surface, colour, False, points, width)


def format_seconds(seconds: float) -> str:
    """A countdown as people read it: whole seconds rounded up ("3", "2", "1"), minutes as m:ss."""
    whole = max(0, math.ceil(seconds - 1e-9))
    if whole >= 60:
        return f"{whole // 60}:{whole % 60:02d}"
    return str(whole)


def toast(
    surface: pygame.Surface, message: str, center: Point, max_width: int | None = None
) -> None:
    """A short notice in a dark rounded box (news, not a warning); with ``max_width`` (screen
    px, box included) a long one is set smaller to fit."""
    size_px = palette.px(surface, 34)
    rendered = palette.text_surface(message, size_px, palette.YELLOW)
    room = None if max_width is None else max_width - palette.px(surface, 40)
    if room is not None and rendered.get_width() > room > 0:
        size_px = max(palette.MIN_TEXT_PX, size_px * room // rendered.get_width())
        rendered = palette.text_surface(message, size_px, palette.YELLOW)
    box = rendered.get_rect().inflate(palette.px(surface, 40), palette.px(surface, 18))
    box.center = (round(center[0]), round(center[1]))
    translucent_rect(surface, box, palette.BACKGROUND, 215, box.height // 2)
    surface.blit(rendered, rendered.get_rect(center=box.center))


def level_marker(surface: pygame.Surface, x: int, y: int, colour: Colour = palette.WHITE) -> None:
    """A small triangle on a scale pointing right at the exact current value."""
    size = palette.px(surface, 12)
    points = [(x - size, y - size * 0.7), (x, y), (x - size, y + size * 0.7)]
    pygame.draw.polygon(surface, colour, points)
    pygame.draw.polygon(surface, palette.BLACK, points, 1)


def faint_marker(surface: pygame.Surface, center: Point, radius: int) -> None:
    """A faint ring where the level is, for when the feedback schedule hides the live marker
    (bandwidth or faded feedback): it says the game is still following, without the balloon."""
    size = 2 * radius + 4
    ghost = pygame.Surface((size, size), pygame.SRCALPHA)
    pygame.draw.circle(ghost, (*palette.WHITE, 70), (size // 2, size // 2), radius)
    pygame.draw.circle(ghost, (*palette.WHITE, 150), (size // 2, size // 2), radius,
                       max(2, radius // 12))
    surface.blit(ghost, (round(center[0]) - size // 2, round(center[1]) - size // 2))


def phase_bar(surface: pygame.Surface, rect: pygame.Rect, exercise: ExerciseView) -> None:
    """A slim timer: hold progress while contracting (whatever the feedback schedule hides),
    otherwise the clock of the phase."""
    if exercise.phase == "contract":
        fraction = (exercise.hold_progress_s / exercise.hold_required_s
                    if exercise.hold_required_s > 0 else 0.0)
        colour = palette.IN_ZONE if exercise.in_zone else palette.EFFORT
        left_s = max(0.0, exercise.hold_required_s - exercise.hold_progress_s)
        label = f"hold {format_seconds(left_s)} s"
    elif exercise.phase_remaining_s is not None:
        total = exercise.phase_elapsed_s + exercise.phase_remaining_s
        fraction = exercise.phase_elapsed_s / total if total > 0 else 0.0
        colour = palette.SKY_BLUE
        label = f"{exercise.phase} {format_seconds(exercise.phase_remaining_s)} s"
    else:
        return
    pad = palette.px(surface, 12)
    # Opaque: a cloud drifting behind the timer must not show through it.
    translucent_rect(surface, rect.inflate(2 * pad, pad), palette.BACKGROUND, 255,
                     (rect.height + pad) // 2)
    bar = pygame.Rect(rect.left, rect.top, rect.width - palette.px(surface, 150), rect.height)
    hbar(surface, bar, fraction, colour, palette.PANEL_EDGE)
    text(surface, label, (rect.right - pad // 2, rect.centery), 30, palette.TEXT, "midright")
