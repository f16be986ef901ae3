"""Screenshots say on screen where they went, for a while."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from actors.frame_saver import NOTICE_FRAMES, FrameSaver


def _screen() -> pygame.Surface:
    surface = pygame.Surface((640, 360))
    surface.fill((0, 0, 0))
    return surface


def test_a_screenshot_is_saved_and_says_where_on_screen(tmp_path: Path) -> None:
    saver = FrameSaver(tmp_path / "frames")
    surface = _screen()
    path = saver.screenshot(surface, 42)
    assert path == tmp_path / "frames" / "screenshot_000042.png"
    assert path.is_file()
    assert saver.saved == [path]
    assert saver.notice.startswith("Screenshot saved: ")
    assert saver.notice.endswith("screenshot_000042.png")
    saver.overlay(surface, 43)
    assert pygame.surfarray.array3d(surface).any()  # the note is drawn
    later = _screen()
    saver.overlay(later, 42 + NOTICE_FRAMES)
    assert not pygame.surfarray.array3d(later).any()  # and gone after a while


def test_without_a_folder_the_screen_says_screenshots_are_off() -> None:
    saver = FrameSaver(None)
    surface = _screen()
    assert saver.screenshot(surface, 1) is None
    assert saver.notice == "Screenshots are off: this session has no folder"
    saver.overlay(surface, 2)
    assert np.asarray(pygame.surfarray.array3d(surface)).any()


def test_a_screenshot_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "frames"
    blocker.write_text("a file where the folder should be")
    saver = FrameSaver(blocker)
    assert saver.screenshot(_screen(), 7) is None
    assert saver.notice.startswith("Screenshot not saved: ")
    assert saver.saved == []
