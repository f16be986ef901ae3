"""The end of the session, seen: confetti falls over the summary for a moment.

It goes with the fanfare (:data:`modes.audio.Cue.SESSION_COMPLETE`) and lasts
:data:`FINALE_S` of sample time after the rules' ``session_completed`` event, short enough that
the summary image saved at the end shows the results, not the party. Pieces fall on fixed paths
(golden-ratio spacing, no random state), so the same view gives the same pixels.
"""

from __future__ import annotations

import math

import pygame

from engine.clock import NS_PER_S, s_to_ns
from engine.rules.kinds import EventKind
from engine.view import SessionView
from modes import palette
from modes.base import Screen

FINALE_S = 1.5
_PIECES = 70
_COLOURS = (palette.YELLOW, palette.SKY_BLUE, palette.VERMILLION, palette.IN_ZONE,
            palette.ORANGE, palette.REDDISH_PURPLE)
_GOLDEN = (math.sqrt(5) - 1) / 2


def finale_age_s(view: SessionView) -> float | None:
    """Seconds of sample time since the session completed, while the finale lasts; else None."""
    for event in reversed(view.recent_events):
        if event.kind == EventKind.SESSION_COMPLETED:
            age_ns = view.t_ns - event.t_ns
            return age_ns / NS_PER_S if 0 <= age_ns < s_to_ns(FINALE_S) else None
    return None


class FinaleOverlay(Screen):
    """Confetti over the summary just after the last rep."""

    name = "finale"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        age_s = finale_age_s(view)
        if age_s is None:
            return
        width, height = surface.get_size()
        size = max(3, palette.px(surface, 12))
        for i in range(_PIECES):
            x0 = (i * _GOLDEN) % 1.0 * width
            # Each piece starts at its own height above the screen and falls at its own speed.
            start = -((i * 0.37) % 1.0) * height * 0.5
            speed = height * (0.6 + (i * 0.53) % 1.0 * 0.6)
            y = start + speed * age_s
            sway = math.sin(age_s * 5.0 + i) * size * 2
            if not -size < y < height + size:
                continue
            angle = age_s * 6.0 + i
            w = max(1, round(size * abs(math.cos(angle))))
            piece = pygame.Rect(0, 0, w, max(2, size // 2))
            piece.center = (round(x0 + sway), round(y))
            pygame.draw.rect(surface, _COLOURS[i % len(_COLOURS)], piece)
