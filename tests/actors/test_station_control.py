"""Which dashboard rows a station applies, and as what inputs (no network)."""

from __future__ import annotations

import json

import pytest
import trio

from actors.actor_messages import ViewUpdate
from actors.remote_control import (
    TOLD_PER_DASHBOARD,
    ControlListener,
    ControlMessage,
    RemoteControlActor,
)
from actors.station_control import ControlDesk, ControlRefused
from engine.messages import ConfigChange, Side, UserInput
from engine.remote_change import REMOTE_BY_KEY
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.view import CalibrationView, ChannelView, ExerciseView, SessionView

DASHBOARD = "myoplay-dashboard:front-desk:control"


def exercise_view(kind: str = "hold", phase: str = "contract") -> SessionView:
    exercise = ExerciseView(
        protocol="Quad set", phase=phase, phase_elapsed_s=1.0, phase_remaining_s=9.0,
        target_low_pct=20.0, target_high_pct=40.0, target_channels=(0,), hold_required_s=10.0,
        hold_progress_s=0.0, in_zone=False, rep=1, reps_total=10, set_index=1, sets_total=1,
        reps_completed=0, kind=kind)
    return SessionView(1_000_000_000, (ChannelView("L", "quadriceps", Side.LEFT, 1.0, 5.0, 0),),
                       exercise=exercise)


def row(**changes: object) -> str:
    fields: dict[str, object] = {"v": 1, "station": "bay-3", "seq": 1, "by": "dr_lee",
                                 "key": "rules.target_band_pct", "value": [30, 50]}
    fields.update(changes)
    return json.dumps(fields)


def test_a_row_for_this_station_becomes_who_then_what():
    desk = ControlDesk("bay-3")
    changes = desk.take(DASHBOARD, row(), exercise_view())
    assert changes == [
        ConfigChange(0, REMOTE_BY_KEY, {"by": "dr_lee", "key": "rules.target_band_pct",
                                        "value": [30.0, 50.0], "dashboard": DASHBOARD,
                                        "seq": 1}),
        ConfigChange(0, "rules.target_band_pct", [30.0, 50.0]),
    ]
    pause = desk.take(DASHBOARD, row(seq=2, key="rules.paused", value=True), exercise_view())
    assert pause[1] == ConfigChange(0, "rules.paused", True)
    assert (desk.applied, desk.refused) == (2, 0)


def test_each_row_is_applied_once_however_often_it_is_sent():
    desk = ControlDesk("bay-3")
    assert desk.take(DASHBOARD, row(), exercise_view())
    assert desk.take(DASHBOARD, row(), exercise_view()) == []
    # a restarted dashboard (another stream instance) numbers from 1 again
    assert desk.take(DASHBOARD, row(), exercise_view(), stream_uid="second")
    assert desk.applied == 2


def test_rows_for_other_stations_are_ignored_even_when_wrong():
    desk = ControlDesk("bay-3")
    assert desk.take(DASHBOARD, row(station="bay-4"), exercise_view()) == []
    assert desk.take(DASHBOARD, row(station="bay-4", key="rules.protocol"), exercise_view()) == []
    assert (desk.applied, desk.refused) == (0, 0)


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps({"v": 1, "seq": 1}), "no target station"),
    (row(v=2), "version 2 is not 1"),
    (row(seq=-1), "seq -1"),
    (row(seq=True), "seq True"),
    (row(by=""), "not a clinician's label"),
    (row(by="x" * 65), "not a clinician's label"),
    (row(key="rules.protocol", value="hamstring_curl"), "cannot be changed remotely"),
    (row(key="session.calibration", value={}), "cannot be changed remotely"),
    (row(value=[50, 30]), "rules.target_band_pct"),
    (row(value=[30, "50"]), "rules.target_band_pct"),
    (row(value=[30, 500]), "rules.target_band_pct"),
    (row(key="rules.paused", value="yes"), "give true or false"),
    ("x" * 5000, "too long"),
])
def test_a_bad_row_is_refused_in_one_line_and_changes_nothing(text: str, says: str):
    desk = ControlDesk("bay-3")
    with pytest.raises(ControlRefused) as refused:
        desk.take(DASHBOARD, text, exercise_view())
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)
    assert (desk.applied, desk.refused) == (0, 1)


@pytest.mark.parametrize(("view", "text", "says"), [
    (None, row(), "not in an exercise yet"),
    (SessionView(0, (), calibration=CalibrationView("effort", 1, 3, 2.0, "mvc")), row(),
     "not in an exercise yet"),
    (exercise_view(phase="done"), row(key="rules.paused", value=True), "the exercise is over"),
    (exercise_view(kind="relax"), row(), "a relax exercise has no band to move"),
])
def test_a_change_that_does_not_fit_what_the_station_does_is_refused(
        view: SessionView | None, text: str, says: str):
    with pytest.raises(ControlRefused, match=says):
        ControlDesk("bay-3").take(DASHBOARD, text, view)


class ScriptedListener(ControlListener):
    """The rows of one poll, then nothing (no network)."""

    def __init__(self, rows: list[str]) -> None:
        self.rows = [ControlMessage(DASHBOARD, "uid-1", text) for text in rows]

    def poll(self, wait_s: float = 0.0) -> list[ControlMessage]:
        rows, self.rows = self.rows, []
        return rows

    def close(self) -> None:
        self.rows = []


async def test_the_actor_sends_who_then_what_and_tells_a_flood_of_bad_rows_briefly():
    views: LatestValue[ViewUpdate] = LatestValue("rules→render")
    views.publish(ViewUpdate(exercise_view(), 0.0))
    inputs: LosslessChannel[UserInput | ConfigChange] = LosslessChannel("inputs", 16)
    told: list[str] = []
    desk = ControlDesk("bay-3")
    actor = RemoteControlActor(desk, views, inputs, report=told.append,
                               listen=lambda: ScriptedListener(["{oops"] * 25 + [row()]))
    with trio.fail_after(10):  # real time: the listener is polled in a worker thread
        async with trio.open_nursery() as nursery:
            nursery.start_soon(actor.run)
            received = [(await inputs.receive()).key, (await inputs.receive()).key]
            nursery.cancel_scope.cancel()
    assert received == [REMOTE_BY_KEY, "rules.target_band_pct"]
    assert inputs.qsize == 0
    assert len(told) == TOLD_PER_DASHBOARD + 1
    assert told[0].startswith(f"myoplay: remote change from {DASHBOARD} refused: not JSON")
    assert told[-1] == (f"myoplay: further refused changes from {DASHBOARD} are counted, "
                        "not shown")
    assert (desk.applied, desk.refused) == (1, 25)
