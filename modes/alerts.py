"""The alert overlay drawn over every screen: compensation and signal-quality warnings.

Alerts are banners across the top with a symbol and words (never colour alone). A channel with
a quality problem is named with the problem, so the fix ("press the electrode on") is obvious.
"""

from __future__ import annotations

import pygame

from engine.view import SessionView
from modes import palette, readouts, widgets
from modes.base import Screen

#: Sensor states that need no warning: all is well, or the session is still starting.
_NOT_A_PROBLEM = frozenset({"connected", "connecting", "waiting"})


def alert_lines(view: SessionView) -> list[str]:
    """Everything the overlay will say for ``view``, most urgent first."""
    lines: list[str] = []
    if view.sensor_status not in _NOT_A_PROBLEM:
        lines.append(f"Sensor {view.sensor_status}")
    exercise = view.exercise
    if exercise is not None:
        for alert in exercise.active_alerts:
            line = readouts.alert_message(alert)
            if alert == "compensation" and exercise.compensation_ratio is not None:
                line += f" (ratio {exercise.compensation_ratio:.2f})"
            lines.append(line)
    for channel in view.channels:
        words = readouts.quality_words(channel.quality)
        if words:
            lines.append(f"{channel.label}: {', '.join(words)}")
    return lines


class AlertOverlay(Screen):
    """Warning banners over whatever screen is showing; draws nothing when all is well."""

    name = "alerts"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        lines = alert_lines(view)
        if not lines:
            return
        px = palette.px
        shown = lines[:3]
        if len(lines) > 3:
            shown[-1] = f"{shown[-1]}  (+{len(lines) - 3} more)"
        line_h = px(surface, 50)
        box = pygame.Rect(0, 0, round(surface.get_width() * 0.7), line_h * len(shown) +
                          px(surface, 16))
        box.midtop = (surface.get_width() // 2, px(surface, 92))
        widgets.translucent_rect(surface, box, palette.WARNING, 235, px(surface, 14))
        pygame.draw.rect(surface, palette.WHITE, box, max(2, px(surface, 3)),
                         border_radius=px(surface, 14))
        for k, line in enumerate(shown):
            y = box.top + px(surface, 8) + k * line_h + line_h // 2
            _warning_sign(surface, (box.left + px(surface, 36), y), px(surface, 18))
            widgets.text(surface, line, (box.left + px(surface, 70), y), 36, palette.WHITE,
                         "midleft", max_width=box.width - px(surface, 90))


def _warning_sign(surface: pygame.Surface, center: tuple[int, int], size: int) -> None:
    """A white triangle with an exclamation mark."""
    x, y = center
    pygame.draw.polygon(surface, palette.WHITE, [(x, y - size), (x + size, y + size * 0.8),
                                                 (x - size, y + size * 0.8)])
    pygame.draw.line(surface, palette.WARNING, (x, y - size * 0.45), (x, y + size * 0.25),
                     max(2, size // 5))
    pygame.draw.circle(surface, palette.WARNING, (x, round(y + size * 0.55)), max(1, size // 8))
