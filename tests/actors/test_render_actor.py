"""The render actor under the SDL dummy driver and Trio's MockClock: pacing, latency, input,
frames on disk, and restart by a supervisor when a mode crashes."""

from __future__ import annotations

import math
from pathlib import Path

import pygame
import pytest
import trio
import trio.testing

from actors.actor_messages import ViewUpdate
from actors.render_actor import RenderActor
from engine.messages import Side, UserInput
from engine.runtime import (
    Backoff,
    ChildSpec,
    LatestValue,
    LosslessChannel,
    Restart,
    SupervisionLog,
    Supervisor,
)
from engine.view import ChannelView, ExerciseView, SessionView
from modes import registry
from modes.base import Mode, ModeContext
from modes.menu import StartMenu

FPS = 50.0  # a period of exactly 20 ms keeps the arithmetic exact


def make_view(t_ns: int = 1_000_000_000, phase: str = "contract", reps_completed: int = 0,
              pct: float = 50.0) -> SessionView:
    channels = (ChannelView("L-quad", "vastus medialis", Side.LEFT, 100.0, pct, 0),
                ChannelView("R-quad", "vastus medialis", Side.RIGHT, 90.0, pct - 5.0, 0))
    exercise = ExerciseView(
        protocol="quad-sets", phase=phase, phase_elapsed_s=1.0, phase_remaining_s=9.0,
        target_low_pct=40.0, target_high_pct=60.0, target_channels=(0, 1), hold_required_s=10.0,
        hold_progress_s=1.0, in_zone=True, rep=1, reps_total=3, set_index=1, sets_total=1,
        reps_completed=reps_completed)
    return SessionView(t_ns=t_ns, channels=channels, exercise=exercise)


class HoldGameWith:
    """The real hold game behind a hook that a test double uses to misbehave or take notes."""

    name = "hold"

    def __init__(self, context: ModeContext) -> None:
        self.inner: Mode = registry.create("hold", context)

    def before_drawing(self, view: SessionView) -> None:
        """Runs before each draw; nothing by default."""

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        self.before_drawing(view)
        self.inner.draw(surface, view)


class Recording(HoldGameWith):
    """Remembers every view it was asked to draw."""

    def __init__(self, context: ModeContext) -> None:
        super().__init__(context)
        self.drawn: list[SessionView] = []
        DRAWN.append(self)

    def before_drawing(self, view: SessionView) -> None:
        self.drawn.append(view)


DRAWN: list[Recording] = []


def render_channels() -> tuple[LatestValue[ViewUpdate], LosslessChannel[UserInput]]:
    """A views channel and an inputs channel, as the session gives the render actor."""
    return LatestValue("views"), LosslessChannel("inputs", 64)


def actor_with(views: LatestValue[ViewUpdate], inputs: LosslessChannel[UserInput],
               **kwargs: object) -> RenderActor:
    return RenderActor(views, inputs, fps=FPS, size=(640, 360), headless=True, sound=False,
                       **kwargs)  # type: ignore[arg-type]


async def run_for(actor: RenderActor, seconds: float) -> None:
    with trio.move_on_after(seconds):
        await actor.run()


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    DRAWN.clear()
    pygame.display.init()
    pygame.event.clear()


async def test_frames_keep_their_rate_and_latency_is_arrival_to_present(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs)

    async def pipeline() -> None:
        # A view every 20 ms, 5 ms after each frame deadline; its newest sample arrived 3 ms
        # before it was published. Then the views stop (as when the exercise is over).
        await trio.sleep(0.005)
        for k in range(25):
            views.publish(ViewUpdate(make_view(t_ns=k * 20_000_000), trio.current_time() - 0.003,
                                     group_delay_ms=12.0))
            await trio.sleep(0.02)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pipeline)
        await run_for(actor, 1.0 + 1e-6)
    # One frame for each view the moment it was published, and no deadline frame between
    # them (it would show nothing new); once the views stop, a frame per deadline: 25 + 25.
    assert actor.frame_index == 50
    assert actor.pacer.frames_skipped == 0
    # Each view is shown as soon as it is published, not at the next deadline: 3 ms since its
    # newest sample arrived, plus the 12 ms filter delay. Repeats of a view do not count.
    assert actor.stats.count == 25
    assert actor.stats.percentile(50) == pytest.approx(15.0, abs=0.11)
    assert actor.stats.max_ms == pytest.approx(15.0)


async def test_the_view_drawn_carries_the_measured_latency(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs, modes={**registry.MODES, "hold": Recording})

    async def publisher() -> None:
        for k in range(20):
            views.publish(ViewUpdate(make_view(t_ns=k * 20_000_000), trio.current_time(), 5.0))
            await trio.sleep(0.02)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(publisher)
        await run_for(actor, 0.38)  # while views keep coming: each is at most a period old
    drawn = DRAWN[0].drawn
    assert drawn[0].latency is None  # nothing measured before the first frame
    later = drawn[-1].latency
    assert later is not None
    assert later.group_delay_ms == 5.0
    assert 5.0 <= later.p50_ms <= later.p99_ms <= 5.0 + 20.0 + 0.1


async def test_keys_drive_the_virtual_muscles_and_the_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs)
    views.publish(ViewUpdate(make_view(t_ns=7_000), trio.current_time()))
    for event in (
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_8),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_LEFT),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_p),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h),
    ):
        pygame.event.post(event)
    await run_for(actor, 0.05)
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=pygame.K_LEFT))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    await actor.run()  # Esc ends the actor normally
    received = []
    while inputs.qsize:
        received.append(await inputs.receive())
    assert [(r.kind, r.value) for r in received] == [
        ("pause", None),
        ("calibration", "submax"),
        ("activation", {"L-quad": 0.8, "R-quad": 0.0}),
        ("activation", {"L-quad": 0.0, "R-quad": 0.0}),
        ("quit", None),
    ]
    assert all(r.t_ns == 7_000 for r in received)


async def test_the_start_menu_chooses_protocol_and_mode_by_keyboard(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    menu = StartMenu(protocols=("quad-sets", "straight-leg-raise"))
    actor = actor_with(views, inputs, menu=menu)
    for key in (pygame.K_RIGHT, pygame.K_RETURN, pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_RETURN,
                pygame.K_RETURN):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    await run_for(actor, 0.1)
    start = await inputs.receive()
    assert (start.kind, start.value) == ("start",
                                         {"mode": "runner", "protocol": "straight-leg-raise"})
    assert actor.stage.training == "runner"


async def test_frames_are_saved_as_png(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs, frames_dir=tmp_path, save_every_frames=10)
    views.publish(ViewUpdate(make_view(), trio.current_time()))
    await run_for(actor, 0.5 + 1e-6)
    assert [p.name for p in actor.saved_frames] == ["frame_000010.png", "frame_000020.png"]
    image = pygame.image.load(str(actor.saved_frames[0]))
    assert image.get_size() == (640, 360)


async def test_cues_follow_the_exercise(autojump_clock: trio.testing.MockClock) -> None:
    from modes.audio import Cue

    views, inputs = render_channels()
    actor = RenderActor(views, inputs, fps=FPS, size=(320, 180), headless=True, sound=True)

    async def exercise() -> None:
        for phase, done in (("rest", 0), ("contract", 0), ("rest", 1), ("contract", 1),
                            ("rest", 1)):
            views.publish(ViewUpdate(make_view(phase=phase, reps_completed=done),
                                     trio.current_time()))
            await trio.sleep(0.1)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(exercise)
        await run_for(actor, 0.6)
    assert actor.cues.audio is not None
    assert actor.cues.audio.played == [Cue.START, Cue.HOLD_COMPLETE, Cue.START, Cue.STOP]


class CrashOnce(HoldGameWith):
    """Its first draw raises, as a bug in a game would."""

    crashes = 0

    def before_drawing(self, view: SessionView) -> None:
        if CrashOnce.crashes == 0:
            CrashOnce.crashes += 1
            raise RuntimeError("the balloon popped")


async def test_a_crashing_mode_is_restarted_and_the_recording_loses_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    CrashOnce.crashes = 0
    views, inputs = render_channels()
    samples: LosslessChannel[int] = LosslessChannel("samples", 1000)
    recorded: list[int] = []
    render = actor_with(views, inputs, modes={**registry.MODES, "hold": CrashOnce})

    async def recorder(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        async for sample in samples:
            recorded.append(sample)

    log = SupervisionLog()
    session = Supervisor("session", [
        ChildSpec("recorder", recorder, Restart.TRANSIENT),
        render.spec(Restart.TRANSIENT),
    ], events=log, backoff=Backoff(initial_s=0.05))

    async def sensor() -> None:
        for k in range(300):
            await samples.send(k)
            views.publish(ViewUpdate(make_view(t_ns=k * 5_000_000), trio.current_time()))
            await trio.sleep(0.005)
        samples.close()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.run)
        nursery.start_soon(sensor)
        await trio.sleep(2.0)
        session.request_stop()
    assert recorded == list(range(300))
    assert [e.kind for e in log.select(child_id="render")][:3] == ["started", "crashed",
                                                                    "restarted"]
    assert render.frame_index > 50


class AlwaysCrashOn(HoldGameWith):
    """Cannot draw one particular view (a poison view)."""

    bad_t_ns = 1_000

    def before_drawing(self, view: SessionView) -> None:
        if view.t_ns == self.bad_t_ns:
            raise ValueError("cannot draw this view")


async def test_a_view_that_crashes_the_renderer_twice_is_skipped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    render = actor_with(views, inputs, modes={**registry.MODES, "hold": AlwaysCrashOn})
    log = SupervisionLog()
    session = Supervisor("session", [render.spec(Restart.TRANSIENT)], events=log,
                         max_restarts=3, period_s=5.0)
    views.publish(ViewUpdate(make_view(t_ns=AlwaysCrashOn.bad_t_ns), trio.current_time()))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.run)
        await trio.sleep(1.0)
        assert render.frame_index == 0
        views.publish(ViewUpdate(make_view(t_ns=2_000), trio.current_time()))
        await trio.sleep(1.0)
        session.request_stop()
    kinds = [e.kind for e in log.select(child_id="render")]
    assert kinds.count("crashed") == 2
    assert "poisoned" in kinds
    assert "gave_up" not in kinds
    assert render.frame_index > 40


def test_a_bad_frame_rate_or_mode_is_refused() -> None:
    from engine.errors import ConfigError

    views: LatestValue[ViewUpdate] = LatestValue("views")
    inputs: LosslessChannel[UserInput] = LosslessChannel("inputs", 4)
    with pytest.raises(ValueError, match="frame rate"):
        RenderActor(views, inputs, fps=0)
    with pytest.raises(ConfigError):
        RenderActor(views, inputs, mode="summary")
    assert math.isnan(RenderActor(views, inputs).stats.last_ms)


async def test_local_keys_mute_switch_view_and_toggle_fullscreen(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    actor = RenderActor(views, inputs, fps=FPS, size=(320, 180), headless=True, sound=True,
                        mode="symmetry")
    views.publish(ViewUpdate(make_view(), trio.current_time()))
    for key in (pygame.K_m, pygame.K_TAB, pygame.K_F11):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    await run_for(actor, 0.1 + 1e-6)
    assert actor.cues.audio is not None
    assert actor.cues.audio.muted
    assert actor.stage.training == "clinician"
    assert actor.window.fullscreen
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_f))
    await run_for(actor, 0.1 + 1e-6)
    assert not actor.window.fullscreen
    assert pygame.display.get_surface().get_size() == (320, 180)
    # The view already waiting is drawn at once, then one frame per deadline from 1.5 periods
    # after it (4 + 5 in the two runs): switching to full screen and back did not stop them.
    assert actor.frame_index == 10
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB))
    await run_for(actor, 0.05)
    assert actor.stage.training == "symmetry"
    assert inputs.qsize == 0  # these keys are local, and no muscle was commanded


async def test_the_mouse_contracts_every_muscle(autojump_clock: trio.testing.MockClock) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs)
    views.publish(ViewUpdate(make_view(), trio.current_time()))
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=2, flipped=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(10, 10)))
    await run_for(actor, 0.05)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(10, 10)))
    await run_for(actor, 0.05)
    values = []
    while inputs.qsize:
        values.append((await inputs.receive()).value)
    assert values == [{"L-quad": 0.6, "R-quad": 0.6}, {"L-quad": 0.0, "R-quad": 0.0}]


async def test_a_slow_frame_skips_missed_deadlines_instead_of_bursting(
    autojump_clock: trio.testing.MockClock,
) -> None:
    class Slow(HoldGameWith):
        """Takes 50 ms of (mock) time to draw every tenth frame."""

        calls = 0

        def before_drawing(self, view: SessionView) -> None:
            Slow.calls += 1
            if Slow.calls % 10 == 0:
                autojump_clock.jump(0.05)

    views, inputs = render_channels()
    actor = actor_with(views, inputs, modes={**registry.MODES, "hold": Slow})
    views.publish(ViewUpdate(make_view(), trio.current_time()))
    start = trio.current_time()
    await run_for(actor, 1.0 + 1e-6)
    assert trio.current_time() - start == pytest.approx(1.0 + 1e-6)
    # The waiting view at once, then the 49 deadlines from 1.5 periods after it in 1 s; each
    # slow frame overran two of them and they were skipped, not drawn.
    assert actor.pacer.frames_skipped + actor.frame_index == 50
    assert actor.pacer.frames_skipped == 2 * (actor.frame_index // 10)


async def test_the_same_views_render_the_same_frames_twice(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    """A replay shown twice gives identical frames (views land between frame deadlines)."""

    async def show(folder: Path) -> list[bytes]:
        views, inputs = render_channels()
        actor = RenderActor(views, inputs, mode="clinician", fps=FPS, size=(480, 270),
                            headless=True, sound=False, frames_dir=folder, save_every_frames=7)

        async def replay() -> None:
            await trio.sleep(0.005)
            for k in range(60):
                views.publish(ViewUpdate(make_view(t_ns=k * 10_000_000, pct=30.0 + k),
                                         trio.current_time(), 12.0))
                await trio.sleep(0.01)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(replay)
            await run_for(actor, 0.7)
        return [path.read_bytes() for path in actor.saved_frames]

    first = await show(tmp_path / "first")
    second = await show(tmp_path / "second")
    # Every 7th frame of 60 views, each drawn as it came, and 4 deadline frames after them.
    assert len(first) == 9
    assert first == second
    assert len(set(first)) == len(first)  # and the frames really move


async def test_before_the_first_view_it_waits_for_the_sensor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
    await run_for(actor, 0.2 + 1e-6)
    assert actor.frame_index == 10
    assert actor.stats.count == 0  # no sample arrived, so there is no latency to count
    assert inputs.qsize == 0  # no channels yet: nothing to activate


async def test_frames_follow_a_resized_window(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    views, inputs = render_channels()
    actor = actor_with(views, inputs, frames_dir=tmp_path, save_every_frames=5)
    views.publish(ViewUpdate(make_view(), trio.current_time()))

    async def player_resizes() -> None:
        await trio.sleep(0.15)
        pygame.display.set_mode((900, 700), pygame.RESIZABLE)  # what SDL does on a drag

    async with trio.open_nursery() as nursery:
        nursery.start_soon(player_resizes)
        await run_for(actor, 0.2 + 1e-6)
    sizes = [pygame.image.load(str(p)).get_size() for p in actor.saved_frames]
    assert sizes == [(640, 360), (900, 700)]
