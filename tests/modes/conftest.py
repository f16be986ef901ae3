"""Fixtures shared by the screen tests."""

from __future__ import annotations

import pygame
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
