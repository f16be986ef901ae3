"""The calibration screen: a resting baseline, then maximal (or sub-maximal) efforts.

Each effort shows a "high striker" bar per channel against the best so far, a big countdown and
encouragement, because people push harder when they can see the bar and hear the cheer. A
sub-maximal option is offered for when a maximal effort hurts.
"""

from __future__ import annotations

import pygame

from engine.view import CalibrationView, SessionView
from modes import palette, widgets
from modes.base import Screen

_CHEERS = ("Push, push, push!", "Harder!", "Keep going!", "Almost there!")
#: A sub-maximal effort is chosen because pushing hurts: encourage steadiness, not force.
_GENTLE_CHEERS = ("Nice and steady", "Keep breathing", "Firm, not painful", "Well done")
_CHEER_PERIOD_NS = 1_200_000_000


def instruction(calibration: CalibrationView) -> str:
    """The big line for the current step."""
    if calibration.prompt:
        return calibration.prompt
    if calibration.step == "rest":
        return "Relax completely"
    if calibration.step == "effort":
        if calibration.kind == "submax":
            return "Push to a strong, comfortable effort"
        return "Push as hard as you can!"
    if calibration.step == "recover":
        return "Rest and breathe"
    return "Calibration done"


def cheer_for(calibration: CalibrationView, t_ns: int) -> str:
    """Encouragement during an effort: a new best is celebrated, otherwise cheers rotate."""
    if calibration.effort_index > 1 and any(v > 100.0 for v in calibration.best_pct_of_current):
        return "New best!"
    cheers = _GENTLE_CHEERS if calibration.kind == "submax" else _CHEERS
    return cheers[(t_ns // _CHEER_PERIOD_NS) % len(cheers)]


class CalibrationScreen(Screen):
    """Rest, then three efforts with live bars, countdowns and encouragement."""

    name = "calibration"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        calibration = view.calibration
        px = palette.px
        width, height = surface.get_size()
        kind = "sub-maximal" if calibration and calibration.kind == "submax" else "maximal"
        widgets.text(surface, f"Calibration ({kind})", (px(surface, 30), px(surface, 22)), 40,
                     palette.TEXT_DIM)
        if calibration is None:
            return
        _effort_dots(surface, calibration)
        widgets.text(surface, instruction(calibration), (width // 2, px(surface, 100)),
                     palette.SIZE_TITLE if calibration.step == "effort" else palette.SIZE_LARGE,
                     palette.EFFORT if calibration.step == "effort" else palette.TEXT, "midtop",
                     max_width=width - px(surface, 60))
        if calibration.step == "effort":
            cheer = cheer_for(calibration, view.t_ns)
            widgets.text(surface, cheer, (width // 2, px(surface, 180)), palette.SIZE_BODY,
                         palette.ORANGE, "midtop")
        center = (px(surface, 250), round(height * 0.6))
        # The ring sweeps once per second of the countdown: the view carries no step length.
        fraction = 1.0 - (calibration.remaining_s % 1.0)
        widgets.ring(surface, center, px(surface, 120), fraction,
                     palette.EFFORT if calibration.step == "effort" else palette.SKY_BLUE,
                     px(surface, 22))
        widgets.text(surface, widgets.format_seconds(calibration.remaining_s), center,
                     palette.SIZE_HUGE, anchor="center")
        self._bars(surface, view, calibration)
        if calibration.kind == "mvc" and calibration.step != "done":
            widgets.text(surface, "Too painful? Press H for a gentler, sub-maximal calibration",
                         (width // 2, height - px(surface, 20)), palette.SIZE_SMALL,
                         palette.TEXT_DIM, "midbottom")

    def _bars(
        self, surface: pygame.Surface, view: SessionView, calibration: CalibrationView
    ) -> None:
        px = palette.px
        width, height = surface.get_size()
        area = pygame.Rect(px(surface, 460), px(surface, 270), width - px(surface, 500),
                           height - px(surface, 400))
        n = max(1, len(view.channels))
        slot = area.width / n
        bar_w = max(6, min(px(surface, 70), round(slot * 0.5)))
        for i, channel in enumerate(view.channels):
            rect = pygame.Rect(0, 0, bar_w, area.height)
            rect.midtop = (round(area.left + slot * (i + 0.5)), area.top)
            relative = (calibration.best_pct_of_current[i]
                        if i < len(calibration.best_pct_of_current) else None)
            widgets.level_bar(surface, rect, relative, None, palette.EFFORT, False,
                              channel.label)
            widgets.text(surface, f"{channel.envelope_uv:.0f} µV",
                         (rect.centerx, rect.bottom + px(surface, 36)), 22, palette.TEXT,
                         "midtop", max_width=round(slot) - 4)
        caption = ("your first effort sets the mark to beat" if calibration.effort_index <= 1
                   else "this effort against your best so far (100%)")
        widgets.text(surface, caption, (area.centerx, area.bottom + px(surface, 66)), 24,
                     palette.TEXT_DIM, "midtop")


def efforts_done(calibration: CalibrationView) -> int:
    """Efforts finished so far.

    ``effort_index`` counts efforts from 1: the one under way, or the one just finished while
    recovering; it is 0 during the first rest.
    """
    if calibration.step == "done":
        return calibration.efforts_total
    if calibration.step == "effort":
        return calibration.effort_index - 1
    return calibration.effort_index


def _effort_dots(surface: pygame.Surface, calibration: CalibrationView) -> None:
    """One dot per effort: filled when done, ringed in yellow while under way."""
    px = palette.px
    right = surface.get_width() - px(surface, 30)
    radius = px(surface, 14)
    total = calibration.efforts_total
    done = efforts_done(calibration)
    for k in range(total):
        x = right - (total - 1 - k) * px(surface, 40) - radius
        y = px(surface, 40)
        if k < done:
            pygame.draw.circle(surface, palette.GOOD, (x, y), radius)
        else:
            current = calibration.step == "effort" and k == calibration.effort_index - 1
            pygame.draw.circle(surface, palette.EFFORT if current else palette.TEXT_DIM,
                               (x, y), radius, max(2, radius // 4))
    widgets.text(surface, f"{done} of {total} efforts done",
                 (right - total * px(surface, 40) - px(surface, 10), px(surface, 40)), 30,
                 palette.TEXT_DIM, "midright")
