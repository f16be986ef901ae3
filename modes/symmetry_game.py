"""The symmetry game: a seesaw that stays level only while left and right push together.

The beam tilts toward the weaker side by the left/right difference; below the minimum
activation (the band's lower edge) it rests on the ground, so doing nothing never looks like
success. The limb symmetry index is written large with the ≥ 90 % goal beside it; alerts keep to
the strip at the bottom, under the instruction, never over that number.

The instruction knows the direction: a side above the band is told to ease off before the weaker
side is told to push. With concurrent feedback hidden (bandwidth or faded) each side's bar keeps
a faint marker and the timer keeps the hold's progress.
"""

from __future__ import annotations

import math

import pygame

from engine.messages import Side
from engine.symmetry import limb_symmetry_index_pct
from engine.view import ExerciseView, SessionView
from modes import alerts, palette, readouts, scenery, widgets
from modes.base import Screen

#: Steepest tilt of the beam, in degrees, reached at a 50 % left/right difference.
MAX_TILT_DEG = 22.0
LSI_GOAL_PCT = 90.0
#: Rows the stars may take above the right bar: 30 reps stay stars, readable, in three.
STAR_ROWS = 3


def limb_symmetry_index(left_pct: float | None, right_pct: float | None) -> float | None:
    """Weaker over stronger side, in %: 100 means perfectly matched."""
    if left_pct is None or right_pct is None:
        return None
    stronger = max(left_pct, right_pct)
    if stronger <= 0:
        return None
    return limb_symmetry_index_pct(min(left_pct, right_pct), stronger)


def tilt_deg(left_pct: float | None, right_pct: float | None, minimum_pct: float) -> float:
    """Beam angle, positive when the right end is down: the stronger side is the heavier one.

    Below ``minimum_pct`` on both sides the beam lies tilted on the ground whatever the match, so
    resting never counts as balance.
    """
    left = left_pct or 0.0
    right = right_pct or 0.0
    stronger = max(left, right)
    if stronger < minimum_pct:
        return MAX_TILT_DEG if right > left else -MAX_TILT_DEG
    difference = (right - left) / stronger
    return max(-MAX_TILT_DEG, min(MAX_TILT_DEG, difference * 2 * MAX_TILT_DEG))


class SymmetryGame(Screen):
    """Left/right balance on a seesaw, with the limb symmetry index."""

    name = "symmetry"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        scenery.sky(surface, view.t_ns)
        px = palette.px
        width, height = surface.get_size()
        exercise = view.exercise
        # With concurrent feedback hidden only the bars' faint markers follow the muscles.
        shown = exercise is None or exercise.show_feedback
        left = readouts.side_pct(view, Side.LEFT) if shown else None
        right = readouts.side_pct(view, Side.RIGHT) if shown else None
        minimum = exercise.target_low_pct if exercise is not None else 20.0
        active = max(left or 0.0, right or 0.0) >= minimum
        lsi = None
        if shown:
            lsi = exercise.symmetry_lsi_pct if exercise and exercise.symmetry_lsi_pct is not None \
                else limb_symmetry_index(left, right)
        angle = tilt_deg(left, right, minimum) if shown else 0.0
        ground_y = height - px(surface, 110)
        pygame.draw.rect(surface, (70, 130, 80), (0, ground_y, width, height - ground_y))
        pivot = (width // 2, ground_y - px(surface, 170))
        # Level is the goal met, judged on the same index the rules use; the small tilt that
        # remains still shows which side is behind.
        level = active and lsi is not None and lsi >= LSI_GOAL_PCT
        _fulcrum(surface, pivot, ground_y)
        _beam(surface, pivot, px(surface, 360), angle, level)
        _spirit_level(surface, (width // 2, px(surface, 215)), px(surface, 300), angle, level)
        faint = exercise is not None and not shown and exercise.phase == "contract"
        for side, value, x in ((Side.LEFT, left, px(surface, 70)),
                               (Side.RIGHT, right, width - px(surface, 70))):
            bar = pygame.Rect(0, 0, px(surface, 56), px(surface, 380))
            bar.midtop = (x, px(surface, 190))
            band = ((exercise.target_low_pct, exercise.target_high_pct)
                    if exercise is not None else None)
            colour = palette.LEFT if side is Side.LEFT else palette.RIGHT
            widgets.level_bar(surface, bar, value, band, colour)
            hidden = readouts.side_pct(view, side) if faint else None
            if hidden is not None:
                widgets.faint_marker(surface, (bar.centerx, widgets.pct_to_y(bar, hidden)),
                                     px(surface, 22))
            widgets.text(surface, side.value, (bar.centerx, bar.bottom + px(surface, 12)), 30,
                         palette.WHITE, "midtop", shadow=True)
        lsi_text = "—" if lsi is None else f"{lsi:.0f}%"
        lsi_colour = palette.GOOD if lsi is not None and lsi >= LSI_GOAL_PCT else palette.WHITE
        widgets.text(surface, "symmetry", (width // 2, px(surface, 30)), 36, palette.WHITE,
                     "midtop", shadow=True)
        widgets.text(surface, lsi_text, (width // 2, px(surface, 64)), palette.SIZE_HUGE,
                     lsi_colour, "midtop", shadow=True)
        widgets.text(surface, f"goal ≥ {LSI_GOAL_PCT:.0f}%", (width // 2, px(surface, 150)), 28,
                     palette.WHITE, "midtop", shadow=True)
        bottom = height - px(surface, 30) - alerts.strip_height(surface, view)
        widgets.text(surface, symmetry_prompt(exercise, left, right, level),
                     (width // 2, bottom), palette.SIZE_LARGE, palette.WHITE,
                     "midbottom", shadow=True, max_width=width - px(surface, 40))
        if exercise is not None:
            # Right of the symmetry number, above the right bar: long sessions wrap the row.
            stars_left, stars_right = width // 2 + px(surface, 170), width - px(surface, 24)
            widgets.star_row(surface, ((stars_left + stars_right) / 2, px(surface, 50)),
                             exercise.reps_completed, exercise.reps_total, px(surface, 16),
                             max_width=stars_right - stars_left, max_rows=STAR_ROWS)
            timer = pygame.Rect(0, 0, px(surface, 420), px(surface, 22))
            timer.center = (width // 2, px(surface, 262))
            widgets.phase_bar(surface, timer, exercise)


def symmetry_prompt(
    exercise: ExerciseView | None, left_pct: float | None, right_pct: float | None, level: bool
) -> str:
    """What to do now: follow the phase; while holding, first bring a side that is above the
    band down, then lift a side below it, then even out the weaker side."""
    if exercise is not None and exercise.phase != "contract":
        return readouts.phase_prompt(exercise)
    if exercise is not None and not exercise.show_feedback:
        if exercise.feedback_mode == "bandwidth":
            return "Good, steady: both sides even, hold it there"
        return "Hold both sides evenly by feel"
    left, right = left_pct or 0.0, right_pct or 0.0
    low = exercise.target_low_pct if exercise is not None else 20.0
    high = exercise.target_high_pct if exercise is not None else 100.0
    stronger, weaker = ("left", "right") if left > right else ("right", "left")
    if max(left, right) < low:
        return "Push with both legs to lift the beam"
    if min(left, right) > high:
        return "Ease off with both legs: back into the green zone"
    if max(left, right) > high:
        return f"Ease off with the {stronger} side: back into the green zone"
    if level:
        return "Level! Hold it there"
    return f"Push more with the {weaker} side"


def _fulcrum(surface: pygame.Surface, pivot: tuple[int, int], ground_y: int) -> None:
    half = (ground_y - pivot[1]) * 0.6
    pygame.draw.polygon(surface, (90, 90, 100), [pivot, (pivot[0] + half, ground_y),
                                                 (pivot[0] - half, ground_y)])
    pygame.draw.circle(surface, palette.TEXT, pivot, max(4, round(half / 8)))


def _beam(
    surface: pygame.Surface, pivot: tuple[int, int], half_len: int, angle_deg: float, level: bool
) -> None:
    """The plank, a weight at each end, and a spirit-level bubble in the middle."""
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * half_len, math.sin(a) * half_len
    thickness = max(6, half_len // 14)
    nx, ny = -math.sin(a) * thickness / 2, math.cos(a) * thickness / 2
    left_end = (pivot[0] - dx, pivot[1] - dy)
    right_end = (pivot[0] + dx, pivot[1] + dy)
    plank = [(left_end[0] - nx, left_end[1] - ny), (right_end[0] - nx, right_end[1] - ny),
             (right_end[0] + nx, right_end[1] + ny), (left_end[0] + nx, left_end[1] + ny)]
    pygame.draw.polygon(surface, palette.GOOD if level else (150, 110, 70), plank)
    pygame.draw.polygon(surface, palette.BLACK, plank, 2)
    radius = max(8, half_len // 6)
    for end, colour, label in ((left_end, palette.LEFT, "L"), (right_end, palette.RIGHT, "R")):
        center = (round(end[0]), round(end[1] - radius - thickness / 2))
        pygame.draw.circle(surface, colour, center, radius)
        pygame.draw.circle(surface, palette.BLACK, center, radius, 2)
        widgets.text(surface, label, center, radius * 1.4 / palette.scale_of(surface),
                     palette.BLACK, "center")


def _spirit_level(
    surface: pygame.Surface, center: tuple[int, int], length: int, angle_deg: float, level: bool
) -> None:
    """A spirit level: the bubble drifts to the higher (stronger) side, centred when level."""
    vial = pygame.Rect(0, 0, length, max(12, length // 9))
    vial.center = center
    pygame.draw.rect(surface, (230, 240, 200), vial, border_radius=vial.height // 2)
    travel = vial.width / 2 - vial.height / 2
    # The marks sit where the bubble is at the goal's largest allowed difference.
    mark = round(abs(tilt_deg(100.0, LSI_GOAL_PCT, 0.0)) / MAX_TILT_DEG * travel) + vial.height // 2
    for dx in (-mark, mark):
        pygame.draw.line(surface, palette.BLACK, (vial.centerx + dx, vial.top),
                         (vial.centerx + dx, vial.bottom), 2)
    shift = angle_deg / MAX_TILT_DEG * travel
    bubble = (round(vial.centerx - shift), vial.centery)
    pygame.draw.circle(surface, palette.GOOD if level else palette.WHITE, bubble,
                       vial.height // 2 - 1)
    pygame.draw.rect(surface, palette.BLACK, vial, 2, border_radius=vial.height // 2)
