"""The calibration screen: a resting baseline, then maximal (or sub-maximal) efforts per muscle,
then the references found.

Each effort shows what to do with which muscle, a "high striker" bar per calibrated channel
against that muscle's best accepted effort, a big countdown and encouragement, because people
push harder when they can see the bar and hear the cheer. An effort that did not count says why
until it is made again; channels that are not being calibrated show no bar and no percentage.
A sub-maximal option is offered for when a maximal effort hurts.
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
    """Encouragement during an effort: a new best (against an accepted effort) is celebrated,
    otherwise cheers rotate."""
    if any(v is not None and v > 100.0 for v in calibration.best_pct_of_current):
        return "New best!"
    return rotating_cheer(t_ns, gentle=calibration.kind == "submax")


def rotating_cheer(t_ns: int, *, gentle: bool = False) -> str:
    """The cheer for sample time ``t_ns`` (a new one every 1.2 s); ``gentle`` for an effort
    that must stop short of pain."""
    cheers = _GENTLE_CHEERS if gentle else _CHEERS
    return cheers[(t_ns // _CHEER_PERIOD_NS) % len(cheers)]


def rejection_notice(calibration: CalibrationView) -> str:
    """The line saying the last effort did not count, and why ("" when none)."""
    if not calibration.rejection:
        return ""
    again = "the rest" if calibration.step == "rest" else "that effort"
    return f"Not counted: {calibration.rejection}. Let's do {again} again."


def reference_lines(calibration: CalibrationView) -> list[str]:
    """One line per calibrated muscle: "left quadriceps reference 412 µV"."""
    return [f"{muscle[:1].upper()}{muscle[1:]} reference {uv:.0f} µV"
            for muscle, uv in calibration.references]


class CalibrationScreen(Screen):
    """Rest, then efforts with live bars, countdowns and encouragement, then the result."""

    name = "calibration"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        calibration = view.calibration
        px = palette.px
        width, height = surface.get_size()
        kind = "sub-maximal" if calibration and calibration.kind == "submax" else "maximal"
        title = f"Calibration ({kind})"
        if calibration is not None and calibration.muscle and calibration.step != "result":
            title += f": {calibration.muscle}"
            if calibration.muscles_total > 1:
                title += f" ({calibration.muscle_number} of {calibration.muscles_total})"
        widgets.text(surface, title, (px(surface, 30), px(surface, 22)), 40, palette.TEXT_DIM,
                     max_width=width - px(surface, 400))
        if calibration is None:
            return
        if calibration.step in ("result", "done"):
            self._result(surface, calibration)
            return
        _effort_dots(surface, calibration)
        effort = calibration.step == "effort"
        widgets.text(surface, instruction(calibration), (width // 2, px(surface, 90)),
                     palette.SIZE_TITLE if effort else palette.SIZE_LARGE,
                     palette.EFFORT if effort else palette.TEXT, "midtop",
                     max_width=width - px(surface, 60))
        if effort and calibration.instruction:
            widgets.text(surface, calibration.instruction, (width // 2, px(surface, 175)),
                         palette.SIZE_BODY, palette.TEXT, "midtop",
                         max_width=width - px(surface, 60))
        notice = rejection_notice(calibration)
        if notice:
            widgets.toast(surface, notice, (width // 2, px(surface, 250)),
                          max_width=width - px(surface, 40))
        elif effort:
            widgets.text(surface, cheer_for(calibration, view.t_ns),
                         (width // 2, px(surface, 228)), palette.SIZE_BODY, palette.ORANGE,
                         "midtop")
        center = (px(surface, 250), round(height * 0.62))
        if calibration.step_s > 0:
            fraction = 1.0 - calibration.remaining_s / calibration.step_s
        else:  # sweep once per second of the countdown
            fraction = 1.0 - (calibration.remaining_s % 1.0)
        widgets.ring(surface, center, px(surface, 120), fraction,
                     palette.EFFORT if effort else palette.SKY_BLUE, px(surface, 22))
        widgets.text(surface, widgets.format_seconds(calibration.remaining_s), center,
                     palette.SIZE_HUGE, anchor="center")
        self._bars(surface, view, calibration)
        if calibration.kind == "mvc":
            widgets.text(surface, "Too painful? Press H for a gentler, sub-maximal calibration",
                         (px(surface, 30), height - px(surface, 20)), palette.SIZE_SMALL,
                         palette.TEXT_DIM, "bottomleft")

    def _bars(
        self, surface: pygame.Surface, view: SessionView, calibration: CalibrationView
    ) -> None:
        """A bar per channel being calibrated: the effort under way against the muscle's best
        accepted effort (100 %); no percentage until there is one."""
        px = palette.px
        width, height = surface.get_size()
        area = pygame.Rect(px(surface, 460), px(surface, 310), width - px(surface, 500),
                           height - px(surface, 440))
        shown = [i for i in calibration.channels_calibrated if i < len(view.channels)]
        if not shown or calibration.step != "effort":
            return
        slot = area.width / len(shown)
        bar_w = max(6, min(px(surface, 70), round(slot * 0.5)))
        for k, i in enumerate(shown):
            channel = view.channels[i]
            rect = pygame.Rect(0, 0, bar_w, area.height)
            rect.midtop = (round(area.left + slot * (k + 0.5)), area.top)
            relative = (calibration.best_pct_of_current[i]
                        if i < len(calibration.best_pct_of_current) else None)
            widgets.level_bar(surface, rect, relative, None, palette.EFFORT, False,
                              channel.label)
            widgets.text(surface, f"{channel.envelope_uv:.0f} µV",
                         (rect.centerx, rect.bottom + px(surface, 36)), 22, palette.TEXT,
                         "midtop", max_width=round(slot) - 4)
        caption = ("this effort against your best so far (100%)" if calibration.effort_peaks_uv
                   else "your first good effort sets the mark to beat")
        widgets.text(surface, caption, (area.centerx, area.bottom + px(surface, 66)), 24,
                     palette.TEXT_DIM, "midtop")

    def _result(self, surface: pygame.Surface, calibration: CalibrationView) -> None:
        """Each muscle's reference, and when the exercise starts."""
        px = palette.px
        width, height = surface.get_size()
        widgets.text(surface, "Calibration done", (width // 2, px(surface, 110)),
                     palette.SIZE_TITLE, palette.GOOD, "midtop")
        y = px(surface, 240)
        for line in reference_lines(calibration):
            widgets.text(surface, line, (width // 2, y), palette.SIZE_LARGE, palette.TEXT,
                         "midtop", max_width=width - px(surface, 60))
            y += px(surface, 70)
        widgets.text(surface, "Every percentage from now on is of these references.",
                     (width // 2, y + px(surface, 20)), palette.SIZE_SMALL, palette.TEXT_DIM,
                     "midtop", max_width=width - px(surface, 60))
        widgets.text(surface,
                     f"The exercise starts in {widgets.format_seconds(calibration.remaining_s)}"
                     " s (Return: start now)",
                     (width // 2, height - px(surface, 40)), palette.SIZE_BODY, palette.TEXT,
                     "midbottom", max_width=width - px(surface, 60))


def efforts_done(calibration: CalibrationView) -> int:
    """Efforts of the current muscle accepted so far."""
    if calibration.step in ("result", "done"):
        return calibration.efforts_total
    return len(calibration.effort_peaks_uv)


def _effort_dots(surface: pygame.Surface, calibration: CalibrationView) -> None:
    """One dot per effort: filled when accepted, ringed in yellow while under way."""
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
            current = calibration.step == "effort" and k == done
            pygame.draw.circle(surface, palette.EFFORT if current else palette.TEXT_DIM,
                               (x, y), radius, max(2, radius // 4))
    widgets.text(surface, f"{done} of {total} efforts done",
                 (right - total * px(surface, 40) - px(surface, 10), px(surface, 40)), 30,
                 palette.TEXT_DIM, "midright")
