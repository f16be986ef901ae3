"""The MVC test's own screen: the maximal efforts are the test, with no calibration before them.

A "high striker": during each effort a tall bar rises with the target muscle's level against the
best effort so far, with a countdown and encouragement; between efforts the rest counts down;
beside it every effort's peak, the best, and at the end the result. Without a calibration the
numbers are µV of the envelope; with one given up front, also % of that reference. It draws no
band: a maximal test has none.
"""

from __future__ import annotations

import pygame

from engine.view import ExerciseView, SessionView
from modes import palette, widgets
from modes.base import Screen
from modes.calibration_screen import rotating_cheer


def effort_peaks(view: SessionView) -> list[tuple[float, float | None]]:
    """(peak µV, peak %MVC or None) of every effort finished so far, in order."""
    out = []
    for event in view.recent_events:
        data = event.data
        if event.kind == "rep_completed" and isinstance(data, dict):
            peak_uv = data.get("peak_uv")
            if isinstance(peak_uv, int | float):
                out.append((float(peak_uv), _optional(data.get("peak_pct"))))
    return out


def _optional(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def target_level_uv(view: SessionView, exercise: ExerciseView) -> float:
    """The target muscle's envelope now: the mean over its channels, µV."""
    columns = [i for i in exercise.target_channels if i < len(view.channels)]
    if not columns:
        return 0.0
    return sum(view.channels[i].envelope_uv for i in columns) / len(columns)


def describe(peak_uv: float, peak_pct: float | None) -> str:
    """"431 µV" or "431 µV (96 % of the reference)"."""
    text = f"{peak_uv:.0f} µV"
    return text if peak_pct is None else f"{text} ({peak_pct:.0f} % of the reference)"


def headline(exercise: ExerciseView) -> str:
    """The big line for the phase the test is in."""
    seconds = f"{exercise.hold_required_s:g} s"
    if exercise.phase == "ready":
        return f"Get ready: push as hard as you can for {seconds}"
    if exercise.phase == "contract":
        return "Push as hard as you can!"
    if exercise.phase == "rest":
        return "Rest and breathe"
    if exercise.phase == "paused":
        return "Paused"
    return "MVC test done"


class MvcTestScreen(Screen):
    """Efforts, rests and the result of an MVC test."""

    name = "mvc_test"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        exercise = view.exercise
        px = palette.px
        width = surface.get_width()
        widgets.text(surface, "MVC test", (px(surface, 30), px(surface, 22)), 40,
                     palette.TEXT_DIM)
        if exercise is None:
            return
        done = exercise.phase == "done"
        if not done:
            widgets.text(surface, f"Effort {exercise.rep} of {exercise.reps_total}",
                         (width - px(surface, 30), px(surface, 22)), 40, palette.TEXT_DIM,
                         "topright")
        pushing = exercise.phase == "contract"
        widgets.text(surface, headline(exercise), (width // 2, px(surface, 90)),
                     palette.SIZE_TITLE if pushing else palette.SIZE_LARGE,
                     palette.EFFORT if pushing else palette.TEXT, "midtop",
                     max_width=width - px(surface, 60))
        peaks = effort_peaks(view)
        if pushing:
            widgets.text(surface, rotating_cheer(view.t_ns),
                         (width // 2, px(surface, 180)), palette.SIZE_BODY, palette.ORANGE,
                         "midtop")
        if done:
            self._result(surface, peaks)
        else:
            self._countdown(surface, exercise)
            self._striker(surface, view, exercise, peaks)
        self._peaks(surface, peaks, done)

    def _countdown(self, surface: pygame.Surface, exercise: ExerciseView) -> None:
        px = palette.px
        center = (px(surface, 230), round(surface.get_height() * 0.6))
        remaining = exercise.phase_remaining_s
        total = exercise.phase_elapsed_s + (remaining or 0.0)
        fraction = exercise.phase_elapsed_s / total if total > 0 else 0.0
        colour = palette.EFFORT if exercise.phase == "contract" else palette.SKY_BLUE
        widgets.ring(surface, center, px(surface, 110), fraction, colour, px(surface, 20))
        if remaining is not None:
            widgets.text(surface, widgets.format_seconds(remaining), center, palette.SIZE_HUGE,
                         anchor="center")

    def _striker(self, surface: pygame.Surface, view: SessionView, exercise: ExerciseView,
                 peaks: list[tuple[float, float | None]]) -> None:
        """The live level against the best effort so far (its line at 100 %)."""
        px = palette.px
        height = surface.get_height()
        rect = pygame.Rect(0, 0, px(surface, 90), height - px(surface, 330))
        rect.midtop = (round(surface.get_width() * 0.5), px(surface, 250))
        level = target_level_uv(view, exercise)
        best = max((p for p, _ in peaks), default=0.0)
        relative = 100.0 * level / best if best > 0 else None
        widgets.level_bar(surface, rect, relative if exercise.phase == "contract" else None,
                          None, palette.EFFORT, False, "", show_value=False)
        widgets.text(surface, f"{level:.0f} µV", (rect.centerx, rect.bottom + px(surface, 12)),
                     palette.SIZE_SMALL, palette.TEXT, "midtop")
        if best <= 0:
            widgets.text(surface, "your first effort sets the mark",
                         (rect.centerx, rect.bottom + px(surface, 46)), 22, palette.TEXT_DIM,
                         "midtop")

    def _peaks(self, surface: pygame.Surface, peaks: list[tuple[float, float | None]],
               done: bool) -> None:
        """Every effort's peak, the best one marked."""
        px = palette.px
        width = surface.get_width()
        x = width - px(surface, 400) if not done else width // 2 - px(surface, 220)
        y = px(surface, 250) if not done else px(surface, 330)
        widgets.text(surface, "Efforts", (x, y), palette.SIZE_BODY, palette.TEXT_DIM)
        best = max(range(len(peaks)), key=lambda k: peaks[k][0], default=-1)
        for k, (peak_uv, peak_pct) in enumerate(peaks):
            mark = "  best" if k == best else ""
            widgets.text(surface, f"{k + 1}: {describe(peak_uv, peak_pct)}{mark}",
                         (x, y + px(surface, 50) * (k + 1)), palette.SIZE_SMALL,
                         palette.GOOD if k == best else palette.TEXT,
                         max_width=width - x - px(surface, 20))
        if not peaks:
            widgets.text(surface, "none yet", (x, y + px(surface, 50)), palette.SIZE_SMALL,
                         palette.TEXT_DIM)

    def _result(self, surface: pygame.Surface, peaks: list[tuple[float, float | None]]) -> None:
        px = palette.px
        width = surface.get_width()
        if not peaks:
            return
        peak_uv, peak_pct = max(peaks, key=lambda p: p[0])
        widgets.text(surface, f"Your maximal effort: {describe(peak_uv, peak_pct)}",
                     (width // 2, px(surface, 190)), palette.SIZE_LARGE, palette.GOOD,
                     "midtop", max_width=width - px(surface, 60))
        widgets.text(surface, f"the best of {len(peaks)} efforts; Esc to close",
                     (width // 2, px(surface, 260)), palette.SIZE_SMALL, palette.TEXT_DIM,
                     "midtop")
