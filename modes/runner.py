"""The arcade runner: a rocket whose altitude is %MVC flies through gates at target heights.

Gates come from a :class:`~modes.course.GateCourse` and scroll with sample time, so the course
is the same in every replay. Gates appear only for contraction phases: during a rest the sky ahead
is clear up to where the next contraction starts.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from engine.clock import NS_PER_S, s_to_ns
from engine.view import ExerciseView, SessionView
from modes import palette, readouts, scenery, widgets
from modes.base import Screen
from modes.course import Gate

#: Scroll speed in reference px per second of sample time.
SPEED_PX_PER_S = 240.0
ROCKET_X_FRACTION = 0.28


class RunnerGame(Screen):
    """Altitude is effort: fly through the gates by holding the right level."""

    name = "runner"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        scenery.sky(surface, view.t_ns)
        px = palette.px
        width, height = surface.get_size()
        area = pygame.Rect(px(surface, 80), px(surface, 110), width - px(surface, 80),
                           height - px(surface, 190))
        ground = pygame.Rect(0, area.bottom + px(surface, 10), width, height)
        _ground(surface, ground, view.t_ns)
        scenery.scale_ticks(surface, area, area.left - px(surface, 14), palette.WHITE)
        exercise = view.exercise
        rocket_x = round(width * ROCKET_X_FRACTION)
        pct = readouts.target_pct(view)
        altitude_y = widgets.pct_to_y(area, pct) if pct is not None else None
        if exercise is not None:
            speed = px(surface, SPEED_PX_PER_S)
            for gate in self._visible_gates(view.t_ns, exercise, rocket_x, width, speed):
                x = rocket_x + (gate.t_ns - view.t_ns) / NS_PER_S * speed
                _gate(surface, area, exercise, gate, x, rocket_x,
                      pct if exercise.show_feedback else None, px(surface, 34))
        if altitude_y is not None and (exercise is None or exercise.show_feedback):
            self._trail(surface, area, view, rocket_x, px(surface, SPEED_PX_PER_S))
            widgets.level_marker(surface, area.left, altitude_y)
            in_zone = bool(exercise and exercise.in_zone)
            rocket(surface, (rocket_x, altitude_y), px(surface, 34), in_zone, view.t_ns)
        if exercise is not None:
            widgets.text(surface, f"holds: {exercise.reps_completed}",
                         (px(surface, 30), px(surface, 24)), 40, palette.WHITE, shadow=True)
            widgets.star_row(surface, (width - px(surface, 260), px(surface, 46)),
                             exercise.reps_completed, exercise.reps_total, px(surface, 16))
            timer = pygame.Rect(0, 0, px(surface, 420), px(surface, 22))
            timer.center = (width // 2, px(surface, 90))
            widgets.phase_bar(surface, timer, exercise)
            prompt = ("Fly through the gates!" if exercise.phase == "contract"
                      else readouts.phase_prompt(exercise))
            if exercise.phase != "contract" and exercise.phase_remaining_s is not None:
                prompt += f"  ·  {widgets.format_seconds(exercise.phase_remaining_s)}"
            widgets.text(surface, prompt, (width // 2, height - px(surface, 20)),
                         palette.SIZE_LARGE, palette.WHITE, "midbottom", shadow=True,
                         max_width=width - px(surface, 40))
            message = readouts.news(view)
            if message is not None:
                widgets.toast(surface, message, (width // 2, height - px(surface, 120)))

    def _trail(
        self, surface: pygame.Surface, area: pygame.Rect, view: SessionView, rocket_x: int,
        speed: float,
    ) -> None:
        """The path flown so far: the target level's recent history, scrolling with the gates."""
        exercise = view.exercise
        targets = (exercise.target_channels if exercise is not None and exercise.target_channels
                   else tuple(range(len(view.channels))))
        # Every channel's series shares the trace's sample times, so they stack.
        series = [self.context.trace.series(i, view.t_ns) for i in targets
                  if i < len(view.channels)]
        if not series or len(series[0]) < 2:
            return
        stacked = np.vstack([s.pct_mvc for s in series])
        counted = np.isfinite(stacked).sum(axis=0)
        level = np.where(counted > 0, np.nansum(stacked, axis=0) / np.maximum(counted, 1),
                         np.nan)
        xs = rocket_x - (view.t_ns - series[0].t_ns) / NS_PER_S * speed
        keep = np.isfinite(level) & (xs >= area.left)
        if keep.sum() < 2:
            return
        ys = area.bottom - np.clip(level[keep], 0.0, widgets.SCALE_TOP_PCT) / (
            widgets.SCALE_TOP_PCT) * area.height
        points = np.column_stack((xs[keep], ys)).tolist()
        widgets.polyline(surface, palette.WHITE, points, max(2, palette.px(surface, 4)))

    def _visible_gates(
        self, t_ns: int, exercise: ExerciseView, rocket_x: int, width: int, speed: float
    ) -> list[Gate]:
        """Gates on screen that fall inside a contraction phase."""
        behind_ns = s_to_ns(rocket_x / speed)
        ahead_ns = s_to_ns((width - rocket_x) / speed)
        remaining_ns = s_to_ns(exercise.phase_remaining_s or 0.0)
        if exercise.phase == "contract":
            start = t_ns - min(behind_ns, s_to_ns(exercise.phase_elapsed_s))
            end = t_ns + min(ahead_ns, remaining_ns)
        elif exercise.phase in ("rest", "ready") and remaining_ns < ahead_ns:
            start, end = t_ns + remaining_ns, t_ns + ahead_ns
        else:
            return []
        return self.context.course.gates_between(start, end)


def _gate(
    surface: pygame.Surface,
    area: pygame.Rect,
    exercise: ExerciseView,
    gate: Gate,
    x: float,
    rocket_x: int,
    pct: float | None,
    gate_w: int,
) -> None:
    """Two posts leaving an opening at the target band shifted by the gate's offset."""
    low = max(0.0, exercise.target_low_pct + gate.offset_pct)
    high = max(low + 1.0, exercise.target_high_pct + gate.offset_pct)
    y_top, y_bottom = widgets.pct_to_y(area, high), widgets.pct_to_y(area, low)
    left = round(x - gate_w / 2)
    passing = abs(x - rocket_x) <= gate_w / 2
    colour = (120, 110, 130) if x < rocket_x - gate_w / 2 else palette.REDDISH_PURPLE
    if passing:
        colour = palette.GOOD if pct is not None and low <= pct <= high else palette.WARNING
    for rect in (pygame.Rect(left, area.top, gate_w, y_top - area.top),
                 pygame.Rect(left, y_bottom, gate_w, area.bottom - y_bottom)):
        if rect.height > 0:
            pygame.draw.rect(surface, colour, rect, border_radius=gate_w // 4)
            pygame.draw.rect(surface, palette.BLACK, rect, 2, border_radius=gate_w // 4)
    for y in (y_top, y_bottom):
        pygame.draw.line(surface, palette.WHITE, (left - 4, y), (left + gate_w + 4, y), 3)


def _ground(surface: pygame.Surface, rect: pygame.Rect, t_ns: int) -> None:
    """Grass with stripes that scroll at the gates' speed, so the world visibly moves."""
    pygame.draw.rect(surface, (60, 120, 70), rect)
    stripe = palette.px(surface, 80)
    shift = round(t_ns / NS_PER_S * palette.px(surface, SPEED_PX_PER_S)) % (2 * stripe)
    for x in range(-shift, rect.width + stripe, 2 * stripe):
        pygame.draw.rect(surface, (72, 138, 82), (x, rect.top, stripe, rect.height))


def rocket(
    surface: pygame.Surface, center: tuple[int, int], size: int, in_zone: bool, t_ns: int
) -> None:
    """A small rocket pointing right, its flame flickering with sample time."""
    x, y = center
    flicker = 0.75 + 0.25 * math.sin(t_ns / NS_PER_S * 2 * math.pi * 6)
    flame_len = size * 1.2 * flicker
    pygame.draw.polygon(surface, palette.ORANGE, [(x - size, y - size * 0.35),
                                                  (x - size - flame_len, y),
                                                  (x - size, y + size * 0.35)])
    pygame.draw.polygon(surface, palette.YELLOW, [(x - size, y - size * 0.18),
                                                  (x - size - flame_len * 0.55, y),
                                                  (x - size, y + size * 0.18)])
    body = pygame.Rect(0, 0, round(size * 2.2), round(size * 0.9))
    body.center = (x, y)
    for sign in (-1, 1):
        pygame.draw.polygon(surface, palette.VERMILLION, [
            (x - size * 0.6, y + sign * size * 0.3), (x - size * 1.1, y + sign * size * 0.9),
            (x - size * 0.2, y + sign * size * 0.3)])
    pygame.draw.ellipse(surface, palette.WHITE, body)
    pygame.draw.polygon(surface, palette.VERMILLION, [(body.right - size * 0.5, body.top + 2),
                                                      (body.right + size * 0.35, y),
                                                      (body.right - size * 0.5, body.bottom - 2)])
    pygame.draw.ellipse(surface, palette.BLACK, body, 2)
    window = (round(x + size * 0.2), y)
    pygame.draw.circle(surface, palette.SKY_BLUE, window, max(3, size // 4))
    pygame.draw.circle(surface, palette.BLACK, window, max(3, size // 4), 2)
    if in_zone:
        pygame.draw.circle(surface, palette.IN_ZONE, center, round(size * 1.5), max(3, size // 8))
