"""Frames on disk: every n-th frame (a headless session's pictures) and screenshots on request.

Frames are named by their index, so the files of two runs can be compared one by one, and
every path written is kept for the session's report. A screenshot says on screen where it went
for a few seconds (:meth:`FrameSaver.overlay`), since the player cannot see a console.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pygame

from modes import palette, widgets

log = logging.getLogger(__name__)

#: How long the note about a screenshot stays on screen, in frames (3 s at 60 fps).
NOTICE_FRAMES = 180


class FrameSaver:
    """Writes PNGs of the screen into ``folder`` (nothing at all when it is None)."""

    def __init__(self, folder: Path | None, every_frames: int = 0) -> None:
        self.folder = folder
        self.every_frames = every_frames
        """Save each frame whose index is a multiple of this; 0 saves none."""
        self.saved: list[Path] = []
        self.notice = ""
        """What the last screenshot request came to, shown by :meth:`overlay`."""
        self._notice_until = -1

    def after_frame(self, surface: pygame.Surface, frame_index: int) -> None:
        """Save frame ``frame_index`` (just presented) if it is one of every n-th."""
        if self.folder is not None and self.every_frames > 0 and (
            frame_index % self.every_frames == 0
        ):
            self.save(surface, self.folder / f"frame_{frame_index:06d}.png")

    def screenshot(self, surface: pygame.Surface, frame_index: int) -> Path | None:
        """Save what is on screen now, at the player's request; the note on screen says where
        it went (or why it did not)."""
        path: Path | None = None
        if self.folder is None:
            self.notice = "Screenshots are off: this session has no folder"
        else:
            try:
                path = self.save(surface, self.folder / f"screenshot_{frame_index:06d}.png")
            except (OSError, pygame.error) as error:
                self.notice = f"Screenshot not saved: {error}"
            else:
                self.notice = f"Screenshot saved: {_readable(path)}"
        log.info("%s", self.notice)
        self._notice_until = frame_index + NOTICE_FRAMES
        return path

    def overlay(self, surface: pygame.Surface, frame_index: int) -> None:
        """Draw the note about the last screenshot at the top of the screen, for a while."""
        if self.notice and frame_index < self._notice_until:
            width = surface.get_width()
            widgets.toast(surface, self.notice, (width / 2, palette.px(surface, 150)),
                          max_width=width - palette.px(surface, 40))

    def save(self, surface: pygame.Surface, path: Path) -> Path:
        """Write ``surface`` to ``path`` (PNG), creating its folder. The picture is written
        beside it and renamed into place, so ``path`` never holds half a PNG for whoever opens
        it meanwhile."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial.png")
        pygame.image.save(surface, str(partial))
        partial.replace(path)
        self.saved.append(path)
        return path


def _readable(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
