"""The score on the HUD: points, level with its progress bar, and the streak of holds."""

from __future__ import annotations

import pygame

from engine.game_score import GameScore
from modes import palette, widgets


def score_panel(surface: pygame.Surface, rect: pygame.Rect, score: GameScore) -> None:
    """Points large, "Level n" with how far to the next, and the current streak, in ``rect``."""
    px = palette.px
    widgets.panel(surface, rect, palette.PANEL, palette.PANEL_EDGE, 12)
    pad = px(surface, 12)
    points = widgets.text(surface, f"{score.points:,}", (rect.left + pad, rect.top + pad // 2),
                          40, palette.YELLOW)
    widgets.text(surface, "points", (points.right + pad // 2, points.bottom - px(surface, 6)),
                 22, palette.TEXT_DIM, "bottomleft")
    widgets.text(surface, f"Level {score.level}", (rect.right - pad, rect.top + pad), 28,
                 palette.TEXT, "topright")
    bar = pygame.Rect(rect.left + pad, rect.bottom - pad - px(surface, 10),
                      rect.width - 2 * pad, px(surface, 10))
    widgets.hbar(surface, bar, score.level_fraction, palette.YELLOW, palette.PANEL_EDGE)
    if score.streak >= 2:
        widgets.text(surface, f"{score.streak} in a row", (rect.right - pad, bar.top - pad // 3),
                     24, palette.IN_ZONE, "bottomright")
