"""The pygame window: opened once per session, resizable, and switched to full screen and back.

After a renderer restart the window stays as the player left it (size, full screen); only the
first run of a session opens it afresh. Headless, SDL's dummy video driver stands in, so the
same code draws frames that are only saved to disk.
"""

from __future__ import annotations

import logging
import os

import pygame
import trio

log = logging.getLogger(__name__)

DEFAULT_SIZE_PX = (1280, 720)
CAPTION = "myoplay"


class GameWindow:
    """The display surface the modes paint on."""

    def __init__(self, size_px: tuple[int, int] = DEFAULT_SIZE_PX, *,
                 headless: bool = False) -> None:
        self.size_px = size_px
        self.headless = headless
        self.fullscreen = False
        self._window_size_px = size_px  # to return to when full screen is switched off

    def open(self, *, afresh: bool) -> None:
        """Start pygame's display; open the window ``afresh``, or if none is open."""
        if self.headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        pygame.display.init()
        pygame.font.init()
        if pygame.display.get_surface() is None or afresh:
            pygame.display.set_mode(self.size_px, pygame.RESIZABLE)
            pygame.display.set_caption(CAPTION)

    @property
    def real_display(self) -> bool:
        """Whether frames go to a window system (False on SDL's dummy driver, headless)."""
        return pygame.display.get_driver() != "dummy"

    def surface(self) -> pygame.Surface:
        """What is on screen; raises :class:`pygame.error` if the display is closed."""
        surface = pygame.display.get_surface()
        if surface is None:
            raise pygame.error("the display is closed")
        return surface

    async def present(self) -> float:
        """Put what was painted on screen, without holding up the rest of the session; returns
        the Trio time at which the frame was on screen.

        On a real display a flip hands the whole frame to the window system and waits for it
        (1280×720 to an X server: 5–40 ms on a busy machine), and pygame releases the GIL
        meanwhile. Done in the Trio thread, that wait would stall every actor: samples would
        queue at the sensor and each view would wait for the previous frame's flip. So it runs
        in a worker thread while the sensor, DSP, rules and recorder go on. This actor makes no
        other display call until it returns (the await is not cancellable), so SDL's display is
        never used from two threads at once. The time is read in the worker the moment the flip
        returns (the X server has then taken the frame): on a loaded machine the Trio thread
        may only run again a scheduling slice later, and that wait is not the player's. The
        dummy driver's flip costs nothing: it stays inline, which also keeps Trio's MockClock
        from jumping while a thread runs.
        """
        if self.real_display:
            # Read in the worker: a real display's clock (Trio's SystemClock, myoplay's
            # ScaledClock) is a pure function of the process's monotonic clock.
            clock = trio.lowlevel.current_clock()

            def flip() -> float:
                pygame.display.flip()
                return clock.current_time()

            return await trio.to_thread.run_sync(flip)
        pygame.display.flip()
        return trio.current_time()

    def close(self) -> None:
        """Close the window (the player quit)."""
        pygame.display.quit()

    def toggle_fullscreen(self) -> None:
        """Switch between a resizable window (at its last size) and the full screen.

        A display that refuses (no full-screen mode on this driver) leaves things as they were
        with a warning: a session must never fail for a window.
        """
        surface = self.surface()
        if not self.fullscreen:
            self._window_size_px = surface.get_size()
        target = not self.fullscreen
        try:
            if target:
                pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            else:
                pygame.display.set_mode(self._window_size_px, pygame.RESIZABLE)
        except pygame.error as exc:
            log.warning("cannot switch full screen %s: %s", "on" if target else "off", exc)
            return
        self.fullscreen = target
