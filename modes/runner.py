"""The arcade runner: a rocket whose altitude is %MVC flies through gates at target heights.

Gates come from a :class:`~modes.course.GateCourse` (singles, pairs, triples and tunnels) and
scroll with sample time, so the course is the same in every replay. Gates appear only for
contraction phases: during a rest the sky ahead is clear up to where the next contraction starts.
Coins along the band reward time in the zone as the rules judged it; the HUD shows the score,
level and streak (:mod:`engine.game_score`). The rocket and its trail are smoothed over
:data:`TRAIL_SMOOTHING_S` so they do not jitter with the envelope's ripple; the marker on the
scale keeps the exact level, and only the rules' judgement colours gates and the rocket's glow.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pygame

from engine.clock import NS_PER_S, s_to_ns
from engine.game_score import RepPoints
from engine.view import ExerciseView, SessionView
from modes import alerts, palette, readouts, scenery, widgets
from modes.base import Screen
from modes.course import Gate
from modes.score_hud import score_panel

#: Scroll speed in reference px per second of sample time.
SPEED_PX_PER_S = 240.0
ROCKET_X_FRACTION = 0.28
#: Longer sessions show their stars as "★ 27 / 30": a row would crowd the score.
MAX_STAR_ROW = 12
#: The trail and the rocket show the target level averaged over this much time (display only).
TRAIL_SMOOTHING_S = 0.3
#: A coin on the band's middle line every this many seconds of contraction.
COIN_SPACING_S = 0.5
#: How long a collected coin's sparkle lasts, in s.
SPARKLE_S = 0.6


class RunnerGame(Screen):
    """Altitude is effort: fly through the gates by holding the right level."""

    name = "runner"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        scenery.sky(surface, view.t_ns)
        px = palette.px
        width, height = surface.get_size()
        area = pygame.Rect(px(surface, 100), px(surface, 130), width - px(surface, 100),
                           height - px(surface, 210))
        ground = pygame.Rect(0, area.bottom + px(surface, 10), width, height)
        _ground(surface, ground, view.t_ns)
        exercise = view.exercise
        rocket_x = round(width * ROCKET_X_FRACTION)
        speed = px(surface, SPEED_PX_PER_S)
        pct = readouts.trusted_target_pct(view)
        feedback = exercise is None or exercise.show_feedback
        window = (self._contraction_window(view.t_ns, exercise, rocket_x, width, speed)
                  if exercise is not None else None)
        if exercise is not None and window is not None:
            # The course stays inside the flying area, never over the scale or the HUD.
            clip = surface.get_clip()
            surface.set_clip(area.clip(clip))
            for gate in self.context.course.gates_between(*window):
                _gate(surface, area, exercise, gate, window, view.t_ns, rocket_x, speed,
                      exercise.in_zone if feedback else None, px(surface, 34))
            if feedback:
                self._coins(surface, area, exercise, window, view.t_ns, rocket_x, speed)
            surface.set_clip(clip)
        scenery.scale_ticks(surface, area, area.left - px(surface, 14), palette.WHITE)
        if pct is not None and feedback:
            smoothed = self._trail(surface, area, view, rocket_x, speed)
            widgets.level_marker(surface, area.left, widgets.pct_to_y(area, pct))
            altitude = widgets.pct_to_y(area, pct if smoothed is None else smoothed)
            in_zone = bool(exercise and exercise.in_zone)
            rocket(surface, (rocket_x, altitude), px(surface, 34), in_zone, view.t_ns)
        elif pct is not None and exercise is not None and exercise.phase == "contract":
            # Feedback hidden (bandwidth inside its tolerance, or a "by feel" rep): a faint
            # marker where the rocket is, so it never simply vanishes while the hold counts.
            widgets.faint_marker(surface, (rocket_x, widgets.pct_to_y(area, pct)),
                                 px(surface, 34))
        if exercise is not None:
            self._hud(surface, view, exercise)

    def _hud(self, surface: pygame.Surface, view: SessionView, exercise: ExerciseView) -> None:
        """Counters, score, timer and prompt: drawn last, above all scenery."""
        px = palette.px
        width, height = surface.get_size()
        widgets.text(surface, readouts.rep_counter(exercise), (px(surface, 30), px(surface, 24)),
                     36, palette.WHITE, shadow=True, max_width=px(surface, 330))
        stars_at = (width / 2, px(surface, 40))
        if exercise.reps_total <= MAX_STAR_ROW:
            widgets.star_row(surface, stars_at, exercise.reps_completed, exercise.reps_total,
                             px(surface, 16))
        else:
            widgets.star_tally(surface, stars_at, exercise.reps_completed, exercise.reps_total,
                               px(surface, 20))
        board = pygame.Rect(0, 0, px(surface, 250), px(surface, 96))
        board.topright = (width - px(surface, 20), px(surface, 14))
        score = self.context.score.score(view.t_ns)
        score_panel(surface, board, score)
        timer = pygame.Rect(0, 0, px(surface, 420), px(surface, 22))
        timer.center = (width // 2, px(surface, 92))
        widgets.phase_bar(surface, timer, exercise)
        # Out of the zone the shared prompt says which way to go (up, or ease off).
        prompt = ("Fly through the gates!" if exercise.phase == "contract" and exercise.in_zone
                  and exercise.show_feedback and not exercise.below_line
                  else readouts.phase_prompt(exercise, readouts.trusted_target_pct(view)))
        if not exercise.show_feedback and exercise.phase == "contract":
            # Bandwidth feedback hides the rocket only inside its tolerance: on target.
            prompt = ("Good, steady: keep flying there" if exercise.feedback_mode == "bandwidth"
                      else "Fly it by feel")
        if exercise.phase != "contract" and exercise.phase_remaining_s is not None:
            prompt += f"  ·  {widgets.format_seconds(exercise.phase_remaining_s)}"
        # Above the alert strip, so a banner never hides what to do.
        bottom = height - px(surface, 20) - alerts.strip_height(surface, view)
        widgets.text(surface, prompt, (width // 2, bottom), palette.SIZE_LARGE, palette.WHITE,
                     "midbottom", shadow=True, max_width=width - px(surface, 40))
        message = readouts.news(view) or self.context.score.level_news(view)
        if message is None and exercise.phase == "rest" and score.last_rep is not None:
            message = _rep_reward(score.last_rep)
        if message is not None:
            widgets.toast(surface, message, (width // 2, bottom - px(surface, 110)))

    def _trail(
        self, surface: pygame.Surface, area: pygame.Rect, view: SessionView, rocket_x: int,
        speed: float,
    ) -> float | None:
        """The path flown so far, smoothed for the eye (display only: the rules judge the raw
        level); returns the smoothed level now, where the rocket flies (None without a trail)."""
        exercise = view.exercise
        targets = (exercise.target_channels if exercise is not None and exercise.target_channels
                   else tuple(range(len(view.channels))))
        # Every channel's series shares the trace's sample times, so they stack.
        series = [self.context.trace.series(i, view.t_ns) for i in targets
                  if i < len(view.channels)]
        if not series or len(series[0]) < 2:
            return None
        stacked = np.vstack([s.pct_mvc for s in series])
        counted = np.isfinite(stacked).sum(axis=0)
        level = np.where(counted > 0, np.nansum(stacked, axis=0) / np.maximum(counted, 1),
                         np.nan)
        t_ns = series[0].t_ns
        smooth = smoothed_level(t_ns, level, s_to_ns(TRAIL_SMOOTHING_S))
        xs = rocket_x - (view.t_ns - t_ns) / NS_PER_S * speed
        keep = np.isfinite(smooth) & (xs >= area.left)
        ys = area.bottom - np.clip(np.nan_to_num(smooth), 0.0, widgets.SCALE_TOP_PCT) / (
            widgets.SCALE_TOP_PCT) * area.height
        # One line per run of kept points: a flagged stretch leaves a gap, never a bridge.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            points = np.column_stack((xs[start:stop], ys[start:stop])).tolist()
            widgets.polyline(surface, palette.WHITE, points, max(2, palette.px(surface, 4)))
        last = smooth[-1]
        return float(last) if np.isfinite(last) else None

    def _contraction_window(
        self, t_ns: int, exercise: ExerciseView, rocket_x: int, width: int, speed: float
    ) -> tuple[int, int] | None:
        """The span of sample time on screen that falls inside a contraction phase."""
        behind_ns = s_to_ns(rocket_x / speed)
        ahead_ns = s_to_ns((width - rocket_x) / speed)
        remaining_ns = s_to_ns(exercise.phase_remaining_s or 0.0)
        if exercise.phase == "contract":
            return (t_ns - min(behind_ns, s_to_ns(exercise.phase_elapsed_s)),
                    t_ns + min(ahead_ns, remaining_ns))
        if exercise.phase in ("rest", "ready") and remaining_ns < ahead_ns:
            return t_ns + remaining_ns, t_ns + ahead_ns
        return None

    def _coins(
        self, surface: pygame.Surface, area: pygame.Rect, exercise: ExerciseView,
        window: tuple[int, int], t_ns: int, rocket_x: int, speed: float,
    ) -> None:
        """A coin every :data:`COIN_SPACING_S` of the contraction, on the band's middle line:
        ahead they shine; behind, a coin is gone (collected) where the rules had the level in
        the zone and left dim where they did not."""
        if exercise.below_line:
            return
        spacing_ns = s_to_ns(COIN_SPACING_S)
        y = widgets.pct_to_y(area, (exercise.target_low_pct + exercise.target_high_pct) / 2)
        radius = palette.px(surface, 9)
        first = -(-window[0] // spacing_ns)
        for k in range(first, window[1] // spacing_ns + 1):
            coin_t_ns = k * spacing_ns
            x = round(rocket_x + (coin_t_ns - t_ns) / NS_PER_S * speed)
            if x < area.left:
                continue
            if coin_t_ns > t_ns:
                _coin(surface, (x, y), radius, bright=True)
            elif not self.context.score.in_zone_at(coin_t_ns):
                _coin(surface, (x, y), radius, bright=False)
            elif t_ns - coin_t_ns < s_to_ns(SPARKLE_S):
                _sparkle(surface, (x, y), radius, (t_ns - coin_t_ns) / s_to_ns(SPARKLE_S))


def smoothed_level(
    t_ns: npt.NDArray[np.int64], level: npt.NDArray[np.float64], window_ns: int
) -> npt.NDArray[np.float64]:
    """Each point's mean over the ``window_ns`` before it, NaNs skipped (NaN where the level
    itself is: a gap stays a gap): a steadier line for the eye, never a judged value."""
    finite = np.isfinite(level)
    sums = np.concatenate(([0.0], np.cumsum(np.where(finite, level, 0.0))))
    counts = np.concatenate(([0], np.cumsum(finite)))
    starts = np.searchsorted(t_ns, t_ns - window_ns, side="right")
    ends = np.arange(1, len(t_ns) + 1)
    n = counts[ends] - counts[starts]
    out: npt.NDArray[np.float64] = np.full(len(t_ns), np.nan)
    np.divide(sums[ends] - sums[starts], n, out=out, where=finite & (n > 0))
    return out


def _rep_reward(earned: RepPoints) -> str:
    """"+240 points" with what earned them, shown in the rest after a rep."""
    parts = [f"{earned.zone} in the zone"]
    if earned.hold:
        parts.append(f"{earned.hold} hold")
    if earned.streak_bonus:
        parts.append(f"{earned.streak_bonus} streak")
    return f"+{earned.total} points ({', '.join(parts)})"


def _coin(surface: pygame.Surface, center: tuple[int, int], radius: int, bright: bool) -> None:
    if bright:
        pygame.draw.circle(surface, palette.YELLOW, center, radius)
        pygame.draw.circle(surface, palette.ORANGE, center, radius, max(1, radius // 4))
    else:
        pygame.draw.circle(surface, palette.TEXT_DIM, center, radius, max(1, radius // 4))


def _sparkle(
    surface: pygame.Surface, center: tuple[int, int], radius: int, age: float
) -> None:
    """A burst that grows and thins as the collected coin's ``age`` goes from 0 to 1."""
    reach = radius * (1.0 + 1.5 * age)
    width = max(1, round(radius / 3 * (1.0 - age)))
    x, y = center
    for k in range(8):
        angle = k * math.pi / 4
        inner = reach * 0.45
        pygame.draw.line(surface, palette.YELLOW,
                         (x + inner * math.cos(angle), y + inner * math.sin(angle)),
                         (x + reach * math.cos(angle), y + reach * math.sin(angle)), width)


def _gate(
    surface: pygame.Surface,
    area: pygame.Rect,
    exercise: ExerciseView,
    gate: Gate,
    window: tuple[int, int],
    t_ns: int,
    rocket_x: int,
    speed: float,
    in_zone: bool | None,
    gate_w: int,
) -> None:
    """Posts leaving an opening at the target band shifted by the gate's offset; a tunnel's
    posts run its whole length (cut to the contraction). The gate the rocket is in turns green
    when the rules have the level in the zone (None: feedback hidden, no verdict shown)."""
    # A relaxation drill's target is everything under the line: its gates open down to 0 %.
    low = 0.0 if exercise.below_line else max(0.0, exercise.target_low_pct + gate.offset_pct)
    high = max(low + 1.0, exercise.target_high_pct + gate.offset_pct)
    y_top, y_bottom = widgets.pct_to_y(area, high), widgets.pct_to_y(area, low)
    start_ns = max(gate.t_ns, window[0]) if gate.length_ns else gate.t_ns
    end_ns = min(gate.t_ns + gate.length_ns, window[1])
    left = round(rocket_x + (start_ns - t_ns) / NS_PER_S * speed - gate_w / 2)
    right = round(rocket_x + (end_ns - t_ns) / NS_PER_S * speed + gate_w / 2)
    passing = left <= rocket_x <= right
    colour = (120, 110, 130) if right < rocket_x else palette.REDDISH_PURPLE
    if passing:
        colour = palette.WARNING if in_zone is False else (
            palette.GOOD if in_zone else palette.REDDISH_PURPLE)
    radius = gate_w // 4
    # A gate's posts reach the edges of the area; a tunnel is a pipe hugging the opening.
    top = area.top if not gate.length_ns else max(area.top, y_top - gate_w)
    bottom = area.bottom if not gate.length_ns else min(area.bottom, y_bottom + gate_w)
    for rect in (pygame.Rect(left, top, right - left, y_top - top),
                 pygame.Rect(left, y_bottom, right - left, bottom - y_bottom)):
        if rect.height > 0:
            pygame.draw.rect(surface, colour, rect, border_radius=radius)
            pygame.draw.rect(surface, palette.BLACK, rect, 2, border_radius=radius)
    for y in (y_top, y_bottom):
        pygame.draw.line(surface, palette.WHITE, (left - 4, y), (right + 4, y), 3)


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
