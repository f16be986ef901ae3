"""The clinician's keys: band and feedback schedule, changed live from the clinician view only,
sent as configuration changes that the session records and a replay re-applies."""

from __future__ import annotations

import dataclasses

import pygame
import pytest
import trio
import trio.testing

from actors.actor_messages import ViewUpdate
from actors.player_controls import PlayerControls
from actors.render_actor import RenderActor
from engine.messages import ConfigChange, RuleEvent, UserInput
from engine.offline import OfflineEngine
from engine.runtime import LatestValue, LosslessChannel
from engine.training import TrainingConfig
from engine.view import ExerciseView, SessionView
from modes.base import ModeContext
from modes.registry import MODES
from replays.reader import ReplayReader
from tests.actors.test_render_actor import make_view
from tests.actors.test_session import packed, plan_for, run_on_mock_clock
from tests.replays.replay_fixtures import split_recording

T_NS = 5_000_000_000


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    pygame.display.init()
    pygame.event.clear()


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k)


def exercise(**changes: object) -> ExerciseView:
    view = make_view().exercise
    assert view is not None
    return dataclasses.replace(view, **changes)  # type: ignore[arg-type]


def press(k: int, shown: ExerciseView | None) -> object:
    return PlayerControls().command_for(key(k), T_NS, menu_open=False, clinician=shown)


def test_brackets_move_the_band_and_v_cycles_the_feedback_schedule() -> None:
    shown = exercise(target_low_pct=20.0, target_high_pct=40.0, feedback_mode="faded")
    assert press(pygame.K_RIGHTBRACKET, shown) == ConfigChange(
        T_NS, "rules.target_band_pct", [25.0, 45.0])
    assert press(pygame.K_LEFTBRACKET, shown) == ConfigChange(
        T_NS, "rules.target_band_pct", [15.0, 35.0])
    modes = []
    for mode in ("concurrent", "bandwidth", "faded"):
        change = press(pygame.K_v, dataclasses.replace(shown, feedback_mode=mode))
        assert isinstance(change, ConfigChange)
        modes.append(change.value)
    assert modes == ["bandwidth", "faded", "concurrent"]


def test_the_keys_do_nothing_outside_the_clinician_view_or_past_the_limits() -> None:
    assert press(pygame.K_RIGHTBRACKET, None) is None
    assert press(pygame.K_v, None) is None
    assert press(pygame.K_LEFTBRACKET, exercise(target_low_pct=4.0, target_high_pct=24.0)) is None
    assert press(pygame.K_RIGHTBRACKET, exercise(target_low_pct=130.0,
                                                 target_high_pct=148.0)) is None
    assert press(pygame.K_RIGHTBRACKET, exercise(kind="relax")) is None
    assert press(pygame.K_v, exercise(phase="done")) is None


async def test_the_render_actor_sends_them_only_in_the_clinician_view(
    autojump_clock: trio.testing.MockClock,
) -> None:
    views: LatestValue[ViewUpdate] = LatestValue("views")
    inputs: LosslessChannel[UserInput | ConfigChange] = LosslessChannel("inputs", 64)
    actor = RenderActor(views, inputs, fps=50.0, size=(640, 360), headless=True, sound=False)
    views.publish(ViewUpdate(make_view(t_ns=T_NS), trio.current_time()))
    for k in (pygame.K_RIGHTBRACKET, pygame.K_TAB, pygame.K_RIGHTBRACKET, pygame.K_v):
        pygame.event.post(key(k))
    with trio.move_on_after(0.1):
        await actor.run()
    received = []
    while inputs.qsize:
        received.append(await inputs.receive())
    assert received == [
        ConfigChange(T_NS, "rules.target_band_pct", [45.0, 65.0]),
        ConfigChange(T_NS, "rules.feedback_mode", "bandwidth"),
    ]


@pytest.mark.slow
def test_a_live_change_is_recorded_and_a_replay_reproduces_the_same_outputs(tmp_path) -> None:
    """A physiotherapist opens the clinician view mid-exercise and raises the band and changes
    the feedback: the changes are in the recording, the rules judged the later reps on the new
    band, and replaying the recording gives exactly the outputs recorded live."""
    class PhysioStepsIn:
        """The hold game, until the first contraction of the exercise: then the physio
        switches to the clinician view, raises the band and changes the feedback."""

        pressed = False

        def __init__(self, context: ModeContext) -> None:
            self.inner = MODES["hold"](context)

        def draw(self, surface: pygame.Surface, view: SessionView) -> None:
            exercise = view.exercise
            if exercise is not None and exercise.phase == "contract" and not self.pressed:
                type(self).pressed = True
                for k in (pygame.K_TAB, pygame.K_RIGHTBRACKET, pygame.K_v):
                    pygame.event.post(key(k))
            self.inner.draw(surface, view)

    modes = dict(MODES) | {"hold": PhysioStepsIn}
    outcome = run_on_mock_clock(plan_for(tmp_path, "quad_set", reps=3, modes=modes))
    assert outcome.reason == "completed"
    with ReplayReader(outcome.record_path) as reader:
        training = TrainingConfig.from_plain(reader.header.config["training"], "test")
        mains = reader.header.config["mains_hz"]
        source, samples, inputs, live = split_recording(reader)
    changes = [i for i in inputs if isinstance(i, ConfigChange) and i.key.startswith("rules.")]
    assert [(c.key, c.value) for c in changes] == [
        ("rules.target_band_pct", [25.0, 45.0]), ("rules.feedback_mode", "concurrent"),
    ]
    events = [r for r in live if isinstance(r, RuleEvent)]
    assert any(e.kind == "target_adjusted" and e.data["reason"] == "config" for e in events)
    assert any(e.kind == "feedback_changed" for e in events)
    assert outcome.summary.bands[-1].low_pct >= 25.0
    replayed = list(OfflineEngine.fresh(source, training, mains).run(samples, inputs))
    assert packed(replayed) == packed(live)
