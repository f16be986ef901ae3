"""A frame counts as on screen when the window system took it (the flip returned in its worker
thread), not when the Trio thread gets round to noticing: on a loaded machine that can be a
scheduling slice later, and that wait is not the player's."""

from __future__ import annotations

import sys
import time

import pygame
import pytest
import trio

from actors.actor_messages import ViewUpdate
from actors.game_window import GameWindow
from actors.render_actor import GIL_SWITCH_INTERVAL_S, RenderActor
from engine.messages import ConfigChange, UserInput
from engine.runtime.channels import LatestValue, LosslessChannel

FLIP_S = 0.02
BUSY_S = 0.15


async def test_a_real_display_is_presented_when_the_flip_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flipped_at: list[float] = []
    clock = trio.lowlevel.current_clock()

    def slow_flip() -> None:  # an X server taking the frame
        time.sleep(FLIP_S)
        flipped_at.append(clock.current_time())

    monkeypatch.setattr(pygame.display, "get_driver", lambda: "x11")
    monkeypatch.setattr(pygame.display, "flip", slow_flip)
    window = GameWindow()
    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        async def hog() -> None:  # the Trio thread busy elsewhere while the flip ends
            await trio.sleep(FLIP_S / 4)
            time.sleep(BUSY_S)  # noqa: ASYNC251 - blocking the Trio thread is the point

        nursery.start_soon(hog)
        shown_at = await window.present()
        resumed_at = trio.current_time()
    assert shown_at == pytest.approx(flipped_at[0], abs=0.02)
    assert shown_at - start < BUSY_S / 2
    assert resumed_at - shown_at > BUSY_S / 2


async def test_a_real_display_hands_the_gil_back_to_the_trio_thread_sooner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worker threads (the flip's, the recorder's) hold the GIL for at most 0.5 ms while
    # the Trio thread waits, not Python's 5 ms; headless sessions (and tests) keep the default.
    monkeypatch.setattr("actors.render_actor.freeze_startup_heap", lambda: None)
    default_s = sys.getswitchinterval()
    try:
        for driver, expected_s in (("dummy", default_s), ("x11", GIL_SWITCH_INTERVAL_S)):
            monkeypatch.setattr(pygame.display, "get_driver", lambda name=driver: name)
            views: LatestValue[ViewUpdate] = LatestValue("views")
            inputs: LosslessChannel[UserInput | ConfigChange] = LosslessChannel("inputs", 8)
            render = RenderActor(views, inputs, size=(64, 36), headless=True, sound=False)
            await render.setup()
            assert sys.getswitchinterval() == pytest.approx(expected_s)
            render.window.close()
    finally:
        sys.setswitchinterval(default_s)
