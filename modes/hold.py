"""The rehab hold game: keep the balloon inside the green band for the hold time.

The balloon's height is the target muscles' %MVC; the ring fills while it stays in the band;
a star lights for every completed hold. Between reps the screen says "Relax" and counts the rest
down. The prompt knows the direction: above the band it says to ease off, below it to push.

When the feedback scheduler hides concurrent feedback (bandwidth feedback inside its tolerance,
or a faded "by feel" rep) the balloon gives way to a faint marker and the ring still fills with
the hold, so the player never wonders whether the game stopped; the timers stay, so the player
always knows where the exercise is.
"""

from __future__ import annotations

import math
from typing import Any

import pygame

from engine.view import ExerciseView, SessionView
from modes import alerts, palette, readouts, scenery, score_hud, widgets
from modes.base import Screen


class HoldGame(Screen):
    """Balloon in a band: graded isometric holds for quad sets and straight-leg raises."""

    name = "hold"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        scenery.sky(surface, view.t_ns)
        exercise = view.exercise
        width, height = surface.get_size()
        px = palette.px
        # The bottom margin leaves room for the balloon's basket at 0 % above the prompt.
        area = pygame.Rect(px(surface, 170), px(surface, 120), round(width * 0.52),
                           height - px(surface, 290))
        scenery.scale_ticks(surface, area, area.left - px(surface, 14), palette.WHITE)
        if exercise is None:
            widgets.text(surface, "Waiting for the exercise to start…", area.center, 44,
                         anchor="center", shadow=True)
            return
        zone = scenery.target_band(surface, area, exercise)
        label = (f"stay under {exercise.target_high_pct:.0f}%" if exercise.below_line else
                 f"{exercise.target_low_pct:.0f}–{exercise.target_high_pct:.0f}%")
        widgets.text(surface, label, (area.right - px(surface, 10), zone.top - px(surface, 6)),
                     28, palette.WHITE, "bottomright", shadow=True)
        # Never a level from flagged samples: while a target channel is flagged the balloon,
        # the faint marker and the prompt's direction all wait for a good signal.
        pct = readouts.trusted_target_pct(view)
        if pct is not None:
            y = widgets.pct_to_y(area, pct)
            if exercise.show_feedback:
                widgets.level_marker(surface, area.left, y)
                balloon(surface, (area.centerx, y), px(surface, 46), exercise.in_zone, view.t_ns)
            elif exercise.phase == "contract":
                widgets.faint_marker(surface, (area.centerx, y), px(surface, 46))
        _header(surface, exercise)
        # Top right, clear of the timer panel's number below it and of the alert strip.
        board = pygame.Rect(0, 0, px(surface, 250), px(surface, 96))
        board.topright = (width - px(surface, 30), px(surface, 14))
        score_hud.score_panel(surface, board, self.context.score.score(view.t_ns))
        _timer_panel(surface, exercise, readouts.rep_results(view))
        # Above the alert strip, so a banner never hides what to do.
        bottom = height - px(surface, 20) - alerts.strip_height(surface, view)
        widgets.text(surface, hold_prompt(exercise, pct), (area.centerx, bottom), 52,
                     palette.WHITE, "midbottom", shadow=True, max_width=area.width + area.left)
        message = readouts.news(view)
        if message is not None:
            widgets.toast(surface, message, (area.centerx, bottom - px(surface, 100)))


def hold_prompt(exercise: ExerciseView, level_pct: float | None) -> str:
    """The hold game's instruction: the phase's, with the direction while holding; with the
    live balloon hidden, what the hidden feedback means."""
    if exercise.phase == "contract" and not exercise.show_feedback:
        if exercise.feedback_mode == "bandwidth":
            # Hidden only inside the tolerance: the player is on target.
            return "Good, steady: hold it there"
        return "Hold it by feel"
    return readouts.phase_prompt(exercise, level_pct)


def balloon(
    surface: pygame.Surface, center: tuple[int, int], radius: int, in_zone: bool, t_ns: int
) -> None:
    """A hot-air balloon centred on the value; a glowing ring and a smile when in the zone."""
    x, y = center
    body = pygame.Rect(0, 0, round(radius * 1.8), round(radius * 2.1))
    body.center = (x, y)
    if in_zone:
        glow = max(3, radius // 6)
        pulse = 0.5 + 0.5 * math.sin(t_ns / 1e9 * 2 * math.pi)
        ring = body.inflate(glow * 4 + round(pulse * glow * 2), glow * 4 + round(pulse * glow * 2))
        pygame.draw.ellipse(surface, palette.IN_ZONE, ring, glow)
    basket = pygame.Rect(0, 0, round(radius * 0.6), round(radius * 0.45))
    basket.midtop = (x, body.bottom + round(radius * 0.35))
    for dx in (-0.28, 0.28):
        pygame.draw.line(surface, (90, 60, 30), (x + round(dx * radius * 1.5), body.bottom - 4),
                         (x + round(dx * radius), basket.top), 2)
    pygame.draw.rect(surface, (150, 100, 50), basket, border_radius=max(1, radius // 10))
    pygame.draw.ellipse(surface, palette.ORANGE, body)
    stripe = body.inflate(-round(body.width * 0.55), 0)
    pygame.draw.ellipse(surface, palette.VERMILLION, stripe)
    pygame.draw.ellipse(surface, palette.BLACK, body, max(2, radius // 18))
    shine = pygame.Rect(0, 0, radius // 3, radius // 2)
    shine.center = (x - round(radius * 0.5), y - round(radius * 0.45))
    pygame.draw.ellipse(surface, (255, 214, 140), shine)
    eye = max(2, radius // 9)
    for dx in (-0.28, 0.28):
        pygame.draw.circle(surface, palette.BLACK, (x + round(dx * radius), y - radius // 6), eye)
    mouth = pygame.Rect(0, 0, round(radius * 0.7), round(radius * 0.45))
    mouth.center = (x, y + radius // 8)
    if in_zone:
        pygame.draw.arc(surface, palette.BLACK, mouth, math.pi * 1.1, math.pi * 1.9,
                        max(2, radius // 14))
    else:
        pygame.draw.line(surface, palette.BLACK, (mouth.left + radius // 6, mouth.centery + 2),
                         (mouth.right - radius // 6, mouth.centery + 2), max(2, radius // 14))


def _header(surface: pygame.Surface, exercise: ExerciseView) -> None:
    px = palette.px
    width = surface.get_width()
    widgets.text(surface, readouts.rep_counter(exercise), (px(surface, 30), px(surface, 24)), 40,
                 palette.WHITE, shadow=True, max_width=px(surface, 340))
    widgets.star_row(surface, (width * 0.5, px(surface, 52)), exercise.reps_completed,
                     exercise.reps_total, px(surface, 22))


def _timer_panel(
    surface: pygame.Surface, exercise: ExerciseView, results: list[dict[str, Any]]
) -> None:
    """The ring: hold progress while contracting, the phase countdown otherwise."""
    px = palette.px
    width, height = surface.get_size()
    box = pygame.Rect(0, 0, px(surface, 340), px(surface, 420))
    box.midright = (width - px(surface, 30), round(height * 0.52))
    # Opaque: a cloud drifting behind the countdown must not show through it.
    widgets.translucent_rect(surface, box, palette.BACKGROUND, 255, px(surface, 18))
    center = (box.centerx, box.top + px(surface, 170))
    radius = px(surface, 115)
    if exercise.phase == "contract" or (
        exercise.phase == "paused" and exercise.hold_progress_s > 0
    ):
        # The hold's progress, whatever the feedback schedule hides (and kept through a pause).
        fraction = readouts.hold_fraction(exercise)
        colour = palette.IN_ZONE if exercise.in_zone else palette.EFFORT
        left_s = max(0.0, exercise.hold_required_s - exercise.hold_progress_s)
        caption = "hold"
        number = widgets.format_seconds(left_s)
    else:
        # Resting or getting ready: the clock of the phase.
        total = exercise.phase_elapsed_s + (exercise.phase_remaining_s or 0.0)
        fraction = exercise.phase_elapsed_s / total if total > 0 else 0.0
        colour = palette.SKY_BLUE
        caption = exercise.phase
        remaining = exercise.phase_remaining_s
        number = "" if remaining is None else widgets.format_seconds(remaining)
    widgets.ring(surface, center, radius, fraction, colour, px(surface, 22))
    widgets.text(surface, number, center, palette.SIZE_HUGE, palette.TEXT, "center")
    widgets.text(surface, caption, (center[0], center[1] + px(surface, 60)), 32,
                 palette.TEXT_DIM, "midtop")
    done = f"{exercise.reps_completed} hold{'s' if exercise.reps_completed != 1 else ''} done"
    why = None
    if exercise.phase == "rest" and results:
        in_zone_s = readouts.number(results[-1], "time_in_zone_s")
        if in_zone_s is not None:
            done = f"last rep: {in_zone_s:.1f} s in zone"
        # Time enough in the zone and still missed: the hold must be unbroken, so say so.
        why = readouts.rep_missed_reason(results[-1])
    bottom = box.bottom - px(surface, 54 if why else 30)
    widgets.text(surface, done, (box.centerx, bottom), 36, palette.TEXT, "midbottom")
    if why is not None:
        widgets.text(surface, why, (box.centerx, bottom + px(surface, 6)), 22, palette.CAUTION,
                     "midtop", max_width=box.width - px(surface, 24))
