"""Shared test setup: pygame and SDL never look for a real screen or sound card; the
screens' drawn-text fixture."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # after SDL is told there is no screen
import pytest

from modes import widgets


@pytest.fixture
def drawn_text(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every string the screens write while the test runs."""
    written: list[str] = []
    original = widgets.text

    def recording(
        surface: pygame.Surface, message: str, *args: object, **kwargs: object
    ) -> pygame.Rect | None:
        written.append(message)
        return original(surface, message, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(widgets, "text", recording)
    return written

