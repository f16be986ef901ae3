"""Frames on disk: every n-th frame (a headless session's pictures) and screenshots on request.

Frames are named by their index, so the files of two runs can be compared one by one, and
every path written is kept for the session's report.
"""

from __future__ import annotations

from pathlib import Path

import pygame


class FrameSaver:
    """Writes PNGs of the screen into ``folder`` (nothing at all when it is None)."""

    def __init__(self, folder: Path | None, every_frames: int = 0) -> None:
        self.folder = folder
        self.every_frames = every_frames
        """Save each frame whose index is a multiple of this; 0 saves none."""
        self.saved: list[Path] = []

    def after_frame(self, surface: pygame.Surface, frame_index: int) -> None:
        """Save frame ``frame_index`` (just presented) if it is one of every n-th."""
        if self.folder is not None and self.every_frames > 0 and (
            frame_index % self.every_frames == 0
        ):
            self.save(surface, self.folder / f"frame_{frame_index:06d}.png")

    def screenshot(self, surface: pygame.Surface, frame_index: int) -> None:
        """Save what is on screen now, at the player's request."""
        if self.folder is not None:
            self.save(surface, self.folder / f"screenshot_{frame_index:06d}.png")

    def save(self, surface: pygame.Surface, path: Path) -> Path:
        """Write ``surface`` to ``path`` (PNG), creating its folder."""
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(surface, str(path))
        self.saved.append(path)
        return path
