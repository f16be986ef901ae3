"""The render actor's pieces on their own: pacing and latency without a clock, keys and mouse
without a window, the poison rule without a supervisor."""

from __future__ import annotations

import gc
import logging
import math
import weakref

import pygame
import pytest

from actors.actor_messages import ACTIVATION_INPUT, ViewUpdate
from actors.frame_pacer import FramePacer
from actors.game_window import GameWindow
from actors.latency_meter import LatencyMeter
from actors.player_controls import LocalAction, MenuKey, PlayerControls
from actors.poison_view import PoisonViewGuard
from actors.render_actor import freeze_startup_heap
from actors.virtual_muscles import VirtualMuscles
from engine.messages import Side, UserInput
from engine.view import ChannelView, SessionView

FPS = 50.0  # a period of exactly 20 ms keeps the arithmetic exact


def test_deadlines_come_from_integer_indices() -> None:
    pacer = FramePacer(FPS)
    pacer.start(10.0)
    deadlines = []
    for _ in range(1000):
        deadlines.append(pacer.next_deadline_s())
        pacer.frame_done(deadlines[-1], on_deadline=True)
    # The 1000th deadline is t0 + 1000 periods exactly, not 1000 additions of 0.02.
    assert deadlines[-1] == 10.0 + 1000 * (1.0 / FPS)
    assert pacer.frames_skipped == 0


def test_a_view_frame_passes_over_the_deadlines_of_the_next_period() -> None:
    pacer = FramePacer(FPS)
    pacer.start(0.0)
    pacer.frame_done(0.005, on_deadline=False)  # a new view, drawn before deadline 1
    assert pacer.next_deadline_s() == pytest.approx(0.04), "not 0.02, a frame of nothing new"
    pacer.frame_done(0.04, on_deadline=False)  # a view exactly on a deadline
    assert pacer.next_deadline_s() == pytest.approx(0.08)
    assert pacer.frames_skipped == 0, "deadlines a view frame covered were not missed"


def test_views_as_fast_as_the_frame_rate_leave_no_deadline_frame_between_them() -> None:
    pacer = FramePacer(60.0)
    pacer.start(0.0)
    view_every_s, frame_s = 0.02, 0.001  # a sensor's 50 blocks a second, quick frames
    deadline_frames = 0
    for k in range(500):
        arrival_s = 0.01 + k * view_every_s  # the first before the first deadline
        while pacer.next_deadline_s() < arrival_s:  # deadline frames before the next view
            pacer.frame_done(pacer.next_deadline_s() + frame_s, on_deadline=True)
            deadline_frames += 1
        pacer.frame_done(arrival_s + frame_s, on_deadline=False)
    assert deadline_frames == 0


def test_deadline_frames_resume_once_views_stop_and_a_late_one_skips() -> None:
    pacer = FramePacer(FPS)
    pacer.start(0.0)
    pacer.frame_done(0.005, on_deadline=False)
    pacer.frame_done(0.04, on_deadline=True)  # no view since: deadlines every period again
    assert pacer.next_deadline_s() == pytest.approx(0.06)
    pacer.frame_done(0.135, on_deadline=True)  # deadline 3 took until 0.135: 4, 5 and 6 missed
    assert pacer.frames_skipped == 3
    assert pacer.next_deadline_s() == pytest.approx(0.14)


def test_a_restart_starts_a_fresh_cadence_and_keeps_the_count() -> None:
    pacer = FramePacer(FPS)
    pacer.start(0.0)
    pacer.frame_done(0.07, on_deadline=True)
    pacer.start(5.0)
    assert pacer.next_deadline_s() == pytest.approx(5.02)
    assert pacer.frames_skipped == 2


def test_a_bad_frame_rate_or_time_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="frame rate"):
        FramePacer(0)
    with pytest.raises(ValueError, match="time scale"):
        LatencyMeter(time_scale=0)


def test_latency_is_real_time_plus_the_group_delay() -> None:
    meter = LatencyMeter(time_scale=4.0)  # a simulated session four times faster than real
    update = ViewUpdate(SessionView(t_ns=0, channels=()), arrival_s=1.0, group_delay_ms=12.0)
    assert meter.readout(update) is None  # nothing measured yet
    assert meter.readout(None) is None
    meter.presented(update, now_s=1.02)  # 20 ms of Trio time is 5 ms of real time
    assert meter.stats.last_ms == pytest.approx(17.0)
    meter.presented(update, now_s=0.5)  # a clock step backwards counts as no delay
    assert meter.stats.last_ms == 12.0
    readout = meter.readout(update)
    assert readout is not None
    assert readout.group_delay_ms == 12.0


def test_virtual_muscles_map_keys_to_sides() -> None:
    muscles = VirtualMuscles(level=0.3)
    channels = (("L", Side.LEFT), ("R", Side.RIGHT), ("core", Side.NONE))
    assert muscles.activation(channels) == {"L": 0.0, "R": 0.0, "core": 0.0}
    muscles.held.add("right")
    assert muscles.activation(channels) == {"L": 0.0, "R": 0.3, "core": 0.0}
    muscles.held.add("both")
    muscles.set_level(1.7)
    assert muscles.activation(channels) == {"L": 1.0, "R": 1.0, "core": 1.0}
    muscles.set_level(-1)
    assert muscles.level == 0.0


def key(k: int, kind: int = pygame.KEYDOWN) -> pygame.event.Event:
    return pygame.event.Event(kind, key=k)


def test_keys_become_inputs_local_actions_or_menu_keys() -> None:
    controls = PlayerControls()
    assert controls.command_for(key(pygame.K_p), 5, menu_open=False) == UserInput(5, "pause")
    assert controls.command_for(key(pygame.K_h), 5, menu_open=False) == UserInput(
        5, "calibration", "submax")
    assert controls.command_for(key(pygame.K_ESCAPE), 5, menu_open=True) is LocalAction.QUIT
    assert controls.command_for(pygame.event.Event(pygame.QUIT), 5,
                                menu_open=False) is LocalAction.QUIT
    assert controls.command_for(key(pygame.K_F11), 5, menu_open=False) is LocalAction.FULLSCREEN
    assert controls.command_for(key(pygame.K_TAB), 5, menu_open=False) is LocalAction.SWITCH_VIEW
    # Return and the arrows belong to the menu while it is open, to the session after.
    assert controls.command_for(key(pygame.K_RETURN), 5, menu_open=True) == MenuKey("return")
    assert controls.command_for(key(pygame.K_RETURN), 5, menu_open=False) == UserInput(
        5, "key", "return")
    assert controls.command_for(key(pygame.K_LEFT), 5, menu_open=True) == MenuKey("left")
    assert controls.command_for(key(pygame.K_LEFT), 5, menu_open=False) is None
    assert controls.muscles.held == {"left"}


def test_activation_is_sent_only_when_commanded_and_changed() -> None:
    controls = PlayerControls()
    channels = (ChannelView("L", "vastus medialis", Side.LEFT, 0.0, 0.0, 0),
                ChannelView("R", "vastus medialis", Side.RIGHT, 0.0, 0.0, 0))
    view = SessionView(t_ns=9, channels=channels)
    assert controls.activation_input(view) is None  # an idle keyboard commands nothing
    controls.command_for(key(pygame.K_7), 9, menu_open=False)
    controls.command_for(key(pygame.K_UP), 9, menu_open=False)
    controls.command_for(key(pygame.K_d), 9, menu_open=False)
    assert controls.activation_input(view) == UserInput(9, ACTIVATION_INPUT, {"L": 0.0, "R": 0.8})
    assert controls.activation_input(view) is None  # unchanged
    controls.command_for(key(pygame.K_d, pygame.KEYUP), 9, menu_open=False)
    controls.command_for(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-2, flipped=False), 9,
                         menu_open=False)
    assert controls.activation_input(view) == UserInput(9, ACTIVATION_INPUT, {"L": 0.0, "R": 0.0})
    assert math.isclose(controls.muscles.level, 0.7)


def test_a_view_that_crashes_twice_is_poison(caplog: pytest.LogCaptureFixture) -> None:
    guard = PoisonViewGuard()
    for version in (3, 4, 4):
        with pytest.raises(RuntimeError), guard.drawing(version):
            raise RuntimeError("cannot draw")
    assert guard.is_poison(4)
    assert not guard.is_poison(3)
    drawn = []
    with guard.drawing(5):
        drawn.append(5)  # a good draw changes nothing
    assert guard.poison_version == 4
    # Outside a supervisor the verdict is logged instead of reported.
    assert any(r.levelno == logging.ERROR and "view 4" in r.getMessage() for r in caplog.records)


class _Node:
    """Something the collector tracks, able to form a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_startup_heap_is_frozen_and_its_garbage_collected_first() -> None:
    alive = _Node()
    cycle = _Node()
    cycle.other = cycle
    dead = weakref.ref(cycle)
    del cycle
    before = gc.get_freeze_count()
    try:
        freeze_startup_heap()
        assert dead() is None  # dead before the freeze: collected, not kept for ever
        assert gc.get_freeze_count() > before
        # A full pass no longer walks what was alive at startup.
        assert all(obj is not alive for obj in gc.get_objects())
    finally:
        gc.unfreeze()


def test_only_a_window_system_counts_as_a_real_display() -> None:
    window = GameWindow((64, 36), headless=True)
    window.open(afresh=True)
    try:
        assert not window.real_display  # headless sessions never freeze the test process
    finally:
        window.close()
