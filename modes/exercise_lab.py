"""The exercise lab: a guided comparison of exercise variations (or of a cue and no cue).

While the comparison runs the screen says which variation is under way (its name, step k of n)
and what to do, counts the reps cut from the target's signal, and shows live bars of the target
against the muscles that may take over, with the target's share of the work; between reps and
between variations a rest timer runs. At the end a result card ranks the variations: each one's
mean with its interval as a whisker, how many reps it stands on, the compensation share and
symmetry beside it, which muscle switched on first and by how many ms, and the verdict ("no
clear winner" when the intervals say so). Bars are withheld, never drawn from a flagged signal.
"""

from __future__ import annotations

import pygame

from engine.comparison_result import ComparisonResult, VariationRow
from engine.view import ExerciseView, LabView, SessionView
from modes import palette, widgets
from modes.base import Screen
from modes.lab_text import balance_text, cue_line, mean_text, reps_text, timing_text
from modes.readouts import plain_muscle

#: Highest value the result card's scale reaches (%MVC or %), and its lowest.
CARD_SCALE_MAX = 100.0


def headline(exercise: ExerciseView, lab: LabView) -> str:
    """The big line for the lab's step."""
    if lab.step == "instruction":
        return lab.variation_name
    if lab.step == "work":
        if lab.in_rep:
            return "Good: all the way, then back down"
        if lab.learning_rest:
            # Nothing can be cut before the resting signal is known (the start, after a gap).
            return "Stay relaxed a moment: reading your resting signal"
        if exercise.phase_remaining_s == 0:
            # Longer than a rep should take: nothing was cut from the signal yet.
            return f"Rep {lab.reps_counted + 1}: no rep seen yet, start when ready"
        return f"Rep {lab.reps_counted + 1} of {lab.reps_total}: go!"
    if lab.step == "rest":
        return "Rest"
    return "Which exercise works best"


def step_line(lab: LabView) -> str:
    """"Exercise 2 of 4" (a cue test's arms are exercises too)."""
    return f"Exercise {lab.variation_index + 1} of {lab.variations_total}"


def countdown_text(exercise: ExerciseView, lab: LabView) -> str:
    """What the timer under the instruction says."""
    remaining = widgets.format_seconds(exercise.phase_remaining_s or 0.0)
    if lab.variation_index == 0:
        return f"Starting in {remaining} · Return when you are ready"
    return f"Rest, then start in {remaining} · Return when you are ready"


def muscles_text(muscles: tuple[str, ...]) -> str:
    """"glutes", "glutes and hamstrings"."""
    return " and ".join(plain_muscle(m) for m in muscles)


def share_text(lab: LabView) -> str:
    """"glutes: 67 % of the work" (or why there is no share now)."""
    target = muscles_text(lab.target_muscles)
    if lab.signal_problem:
        return "bars paused: " + lab.signal_problem
    if lab.target_share_pct is None:
        return f"{target}: share shown while you work" if lab.compensator_muscles else ""
    return f"{target}: {lab.target_share_pct:.0f} % of the work"


def wrapped(message: str, size_px: int, width_px: int) -> list[str]:
    """``message`` broken into lines that fit ``width_px`` at ``size_px``."""
    font = palette.font(size_px)
    lines: list[str] = []
    for word in message.split():
        if lines and font.size(f"{lines[-1]} {word}")[0] <= width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


class ExerciseLab(Screen):
    """Instruction, reps and live bars, rests, then the ranking of the variations."""

    name = "exercise_lab"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        px = palette.px
        width = surface.get_width()
        widgets.text(surface, "Exercise lab", (px(surface, 30), px(surface, 22)), 34,
                     palette.TEXT_DIM)
        exercise = view.exercise
        lab = exercise.lab if exercise is not None else None
        if exercise is None or lab is None:
            return
        if lab.result is not None:
            self._result(surface, lab.result)
            return
        widgets.text(surface, step_line(lab), (width - px(surface, 30), px(surface, 22)), 34,
                     palette.TEXT_DIM, "topright")
        working = lab.step == "work"
        widgets.text(surface, headline(exercise, lab), (width // 2, px(surface, 70)),
                     palette.SIZE_LARGE, palette.EFFORT if working else palette.TEXT, "midtop",
                     max_width=width - px(surface, 60))
        if lab.step == "instruction":
            self._instruction(surface, exercise, lab)
            return
        self._reps(surface, lab)
        self._bars(surface, lab)
        if lab.step == "rest":
            self._timer(surface, exercise, (round(width * 0.62), round(surface.get_height() * 0.7)))
        self._side_panel(surface, lab)

    def _instruction(self, surface: pygame.Surface, exercise: ExerciseView,
                     lab: LabView) -> None:
        px = palette.px
        width = surface.get_width()
        size_px = px(surface, palette.SIZE_BODY)
        y = px(surface, 150)
        for line in wrapped(lab.instruction, size_px, width - px(surface, 160)):
            widgets.text(surface, line, (width // 2, y), palette.SIZE_BODY, anchor="midtop")
            y += round(size_px * 1.25)
        if lab.cue:
            box = pygame.Rect(0, 0, width - px(surface, 240), px(surface, 64))
            box.midtop = (width // 2, y + px(surface, 16))
            widgets.panel(surface, box, palette.BACKGROUND, radius=12)
            widgets.text(surface, f"Cue: {lab.cue}", box.center, palette.SIZE_BODY,
                         palette.ORANGE, "center", max_width=box.width - px(surface, 20))
        center = (width // 2, round(surface.get_height() * 0.74))
        self._timer(surface, exercise, center)
        widgets.text(surface, countdown_text(exercise, lab),
                     (center[0], center[1] + px(surface, 100)), palette.SIZE_SMALL,
                     palette.TEXT_DIM, "midtop")

    def _timer(self, surface: pygame.Surface, exercise: ExerciseView,
               center: tuple[int, int]) -> None:
        px = palette.px
        remaining = exercise.phase_remaining_s or 0.0
        total = exercise.phase_elapsed_s + remaining
        fraction = exercise.phase_elapsed_s / total if total > 0 else 0.0
        widgets.ring(surface, center, px(surface, 80), fraction, palette.SKY_BLUE,
                     px(surface, 14))
        widgets.text(surface, widgets.format_seconds(remaining), center, palette.SIZE_LARGE,
                     anchor="center")

    def _reps(self, surface: pygame.Surface, lab: LabView) -> None:
        """The rep counter: one dot per rep of the variation, filled when counted."""
        px = palette.px
        width = surface.get_width()
        radius = px(surface, 14)
        gap = px(surface, 40)
        y = px(surface, 150)
        x0 = width // 2 - (lab.reps_total - 1) * gap // 2
        for k in range(lab.reps_total):
            center = (x0 + k * gap, y)
            if k < lab.reps_counted:
                pygame.draw.circle(surface, palette.GOOD, center, radius)
            else:
                pygame.draw.circle(surface, palette.TEXT_DIM, center, radius, max(2, radius // 5))
        counted = f"{lab.reps_counted} of {lab.reps_total} reps"
        if lab.reps_not_judged:
            counted += f" · {lab.reps_not_judged} not scored (signal problem)"
        widgets.text(surface, counted, (width // 2, y + px(surface, 26)), palette.SIZE_SMALL,
                     palette.TEXT_DIM, "midtop")
        if lab.cue:
            widgets.text(surface, f"Cue: {lab.cue}", (width // 2, y + px(surface, 62)),
                         palette.SIZE_SMALL, palette.ORANGE, "midtop")

    def _bars(self, surface: pygame.Surface, lab: LabView) -> None:
        """Target against compensators, live, with the target's share of the work."""
        px = palette.px
        height = surface.get_height()
        top = px(surface, 280)
        bar_h = height - top - px(surface, 110)
        target = pygame.Rect(px(surface, 120), top, px(surface, 80), bar_h)
        widgets.level_bar(surface, target, lab.target_pct, None, palette.EFFORT,
                          label=muscles_text(lab.target_muscles))
        if lab.compensator_muscles:
            other = target.move(px(surface, 170), 0)
            widgets.level_bar(surface, other, lab.compensator_pct, None, palette.REDDISH_PURPLE,
                              label=muscles_text(lab.compensator_muscles))
        widgets.text(surface, share_text(lab), (px(surface, 60), height - px(surface, 46)),
                     palette.SIZE_SMALL,
                     palette.WARNING if lab.signal_problem else palette.TEXT,
                     max_width=round(surface.get_width() * 0.6))

    def _side_panel(self, surface: pygame.Surface, lab: LabView) -> None:
        """Beside the bars: what to do (a reminder) and how the last rep went."""
        px = palette.px
        x = round(surface.get_width() * 0.45)
        width = surface.get_width() - x - px(surface, 40)
        size_px = px(surface, 24)
        y = px(surface, 262)
        for line in wrapped(lab.instruction, size_px, width):
            widgets.text(surface, line, (x, y), 24, palette.TEXT_DIM)
            y += round(size_px * 1.3)
        if lab.last_rep_pct is not None:
            text = f"Last rep: {lab.last_rep_pct:.0f} {lab.unit}"
            if lab.last_rep_share_pct is not None:
                text += (f" · {muscles_text(lab.target_muscles)} share "
                         f"{lab.last_rep_share_pct:.0f} %")
            widgets.text(surface, text, (x, y + px(surface, 16)), palette.SIZE_SMALL,
                         palette.TEXT, max_width=width)

    def _result(self, surface: pygame.Surface, result: ComparisonResult) -> None:
        """Every variation ranked: its mean with the interval as a whisker, and beside it the
        reps, share, symmetry and timing; then the verdict."""
        px = palette.px
        width, height = surface.get_size()
        widgets.text(surface, "Which exercise works best", (width // 2, px(surface, 60)),
                     palette.SIZE_LARGE, anchor="midtop")
        widgets.text(surface, f"{result.metric}, {result.unit}, with "
                     f"{result.confidence:.0%} intervals", (width // 2, px(surface, 124)),
                     palette.SIZE_SMALL, palette.TEXT_DIM, "midtop")
        rows = result.rows
        top = px(surface, 175)
        row_h = min(px(surface, 110), (height - top - px(surface, 130)) // max(1, len(rows)))
        scale = pygame.Rect(px(surface, 430), 0, width - px(surface, 470), 0)
        top_value = max([CARD_SCALE_MAX, *(r.high or r.mean or 0.0 for r in rows)])
        for k, row in enumerate(rows):
            y = top + k * row_h
            winner = row.variation_id == result.winner
            colour = palette.GOOD if winner else palette.TEXT
            widgets.text(surface, f"{k + 1}. {row.name}", (px(surface, 40), y), palette.SIZE_BODY,
                         colour, max_width=px(surface, 360))
            widgets.text(surface, mean_text(row, result), (px(surface, 40), y + px(surface, 44)),
                         24, palette.TEXT, max_width=px(surface, 360))
            self._whisker(surface, row, scale.left, scale.width, y, top_value, winner)
        verdict_y = top + len(rows) * row_h + px(surface, 14)
        widgets.text(surface, result.verdict, (width // 2, verdict_y), palette.SIZE_SMALL,
                     palette.GOOD if result.winner else palette.CAUTION, "midtop",
                     max_width=width - px(surface, 60))
        cue = cue_line(result)
        if cue is not None:
            widgets.text(surface, cue, (width // 2, verdict_y + px(surface, 40)),
                         palette.SIZE_SMALL, palette.TEXT, "midtop",
                         max_width=width - px(surface, 60))

    def _whisker(self, surface: pygame.Surface, row: VariationRow, left: int, span: int, y: int,
                 top_value: float, winner: bool) -> None:
        """A bar to the mean, the interval as a whisker; share, symmetry and timing under it."""
        px = palette.px

        def x_of(value: float) -> int:
            return left + round(span * min(max(value, 0.0), top_value) / top_value)

        bar_h = px(surface, 22)
        back = pygame.Rect(left, y + px(surface, 8), span, bar_h)
        pygame.draw.rect(surface, palette.BACKGROUND, back, border_radius=bar_h // 2)
        if row.mean is not None:
            fill = pygame.Rect(left, back.top, max(bar_h, x_of(row.mean) - left), bar_h)
            pygame.draw.rect(surface, palette.GOOD if winner else palette.SKY_BLUE, fill,
                             border_radius=bar_h // 2)
        if row.low is not None and row.high is not None:
            mid = back.centery
            line_w = max(2, px(surface, 3))
            pygame.draw.line(surface, palette.TEXT, (x_of(row.low), mid), (x_of(row.high), mid),
                             line_w)
            for end in (row.low, row.high):
                pygame.draw.line(surface, palette.TEXT, (x_of(end), mid - bar_h // 2),
                                 (x_of(end), mid + bar_h // 2), line_w)
        details = " · ".join(part for part in (reps_text(row), balance_text(row)) if part)
        y = back.bottom + px(surface, 4)
        for line in (details, timing_text(row)):
            y = widgets.text(surface, line, (left, y), 20, palette.TEXT_DIM,
                             max_width=span).bottom
