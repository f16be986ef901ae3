"""What every screen and game mode is: something that paints a :class:`SessionView`.

A mode is built once with its :class:`ModeContext` and then asked to ``draw`` many snapshots. It
keeps no state between draws: anything that moves on screen is a function of the view (its
sample time ``t_ns`` included), so the same view drawn twice gives the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pygame

from engine.since_last_session import ClientHistory
from engine.view import SessionView
from modes.course import GateCourse
from modes.menu import StartMenu
from modes.score_board import ScoreBoard
from modes.trace import EnvelopeTrace


class Mode(Protocol):
    """A screen, a game or an overlay."""

    name: str
    """The registry name ("hold", "clinician", ...)."""

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        """Paint ``view`` onto ``surface``; never change ``view`` or anything else."""
        ...


@dataclass(frozen=True)
class ModeContext:
    """What a mode may read besides the view, fixed when the mode is built.

    ``trace`` is the recent history of envelopes, filled by the render actor from the views it
    receives (a view is a single instant); ``course`` places the runner's gates; ``menu`` is the
    start screen's current choice; ``score`` gathers the rep results for the score, streak and
    level (filled like ``trace``); ``client_history`` is the client's sessions before this one,
    for the summary's change since the last session (None: the session is filed under nobody).
    """

    trace: EnvelopeTrace = field(default_factory=EnvelopeTrace)
    course: GateCourse = field(default_factory=GateCourse)
    menu: StartMenu = field(default_factory=StartMenu)
    score: ScoreBoard = field(default_factory=ScoreBoard)
    client_history: ClientHistory | None = None


class Screen:
    """Base of the modes in this package: keeps the context the mode was built with."""

    name: str

    def __init__(self, context: ModeContext) -> None:
        self.context = context
