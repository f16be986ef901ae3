"""The station's state row for a clinic dashboard, from session views, without a network; and
the state actor's channel policy (latest view wins, a row every 0.1 s whatever comes)."""

from __future__ import annotations

import json

import trio
import trio.testing

from actors.actor_messages import ViewUpdate
from actors.station_outlet import StateOutlet, StationPublishing, StationStateActor
from actors.station_state import MAX_ROW_BYTES, StationIdentity, StationState, encode_row
from engine.messages import QualityFlag, RuleEvent, Side
from engine.remote_change import RemoteAuthor
from engine.rules import EventKind
from engine.runtime.channels import LatestValue
from engine.view import AlertView, CalibrationView, ChannelView, ExerciseView, SessionView

DASHBOARD = "myoplay-dashboard:d1:control"
IDENTITY = StationIdentity("bay-3", "P-0042", "quad_set", "Quad set after knee surgery", "hold",
                           remote_allowed=True)


def channel(label: str, side: Side, pct: float | None, quality: int = 0) -> ChannelView:
    return ChannelView(label, "quadriceps", side, envelope_uv=50.0, pct_mvc=pct, quality=quality)


def exercise(**changes: object) -> ExerciseView:
    fields: dict[str, object] = dict(
        protocol="Quad set after knee surgery", phase="contract", phase_elapsed_s=2.0,
        phase_remaining_s=8.0, target_low_pct=20.0, target_high_pct=40.0, target_channels=(0,),
        hold_required_s=10.0, hold_progress_s=2.0, in_zone=True, rep=3, reps_total=10,
        set_index=1, sets_total=2, reps_completed=2)
    fields.update(changes)
    return ExerciseView(**fields)  # type: ignore[arg-type]


def view(t_s: float = 12.5, **changes: object) -> SessionView:
    fields: dict[str, object] = dict(
        t_ns=int(t_s * 1e9),
        channels=(channel("L-quad", Side.LEFT, 31.26), channel("R-quad", Side.RIGHT, None)),
        exercise=exercise())
    fields.update(changes)
    return SessionView(**fields)  # type: ignore[arg-type]


def remote_event(t_s: float, value: list[float], seq: int = 1) -> RuleEvent:
    author = RemoteAuthor("dr_lee", "rules.target_band_pct", value, DASHBOARD, seq)
    return RuleEvent(int(t_s * 1e9), EventKind.REMOTE_CHANGE.value, "dr_lee", author.to_plain())


def test_a_row_carries_the_exercise_with_the_band_on_the_target_muscle():
    row = StationState(IDENTITY).row(view(), latency_ms=23.456)
    assert {k: row[k] for k in ("v", "station", "seq", "t_s", "client", "protocol",
                                "protocol_name", "mode", "phase", "rep", "reps_total", "set",
                                "sets_total", "quality_ok", "latency_ms", "remote_allowed",
                                "last_remote_change", "ended", "end_reason", "alerts")} == {
        "v": 1, "station": "bay-3", "seq": 1, "t_s": 12.5, "client": "P-0042",
        "protocol": "quad_set", "protocol_name": "Quad set after knee surgery", "mode": "hold",
        "phase": "contract", "rep": 3, "reps_total": 10, "set": 1, "sets_total": 2,
        "quality_ok": True, "latency_ms": 23.5, "remote_allowed": True,
        "last_remote_change": None, "ended": False, "end_reason": None, "alerts": []}
    assert row["muscles"] == [
        {"label": "L-quad", "muscle": "quadriceps", "side": "left", "pct_mvc": 31.3,
         "band_pct": [20.0, 40.0], "quality": "ok"},
        {"label": "R-quad", "muscle": "quadriceps", "side": "right", "pct_mvc": None,
         "band_pct": None, "quality": "ok"},
    ]
    assert json.loads(encode_row(row)) == row


def test_pct_mvc_is_null_on_a_flagged_channel_and_the_problem_is_an_alert_in_words():
    flagged = view(channels=(channel("L-quad", Side.LEFT, 88.0, QualityFlag.LIFT_OFF),
                             channel("R-quad", Side.RIGHT, 12.0)))
    row = StationState(IDENTITY).row(flagged)
    assert [m["pct_mvc"] for m in row["muscles"]] == [None, 12.0]
    assert row["muscles"][0]["quality"] == "electrode off"
    assert row["quality_ok"] is False
    assert {"kind": "signal", "text": "L-quad: electrode off"} in row["alerts"]


def test_the_rules_alerts_and_a_lost_sensor_are_said_in_words():
    compensation = AlertView("compensation", "hamstrings", "right", "gluteus_maximus", "ratio",
                             1.12, 1.0, 0.8)
    row = StationState(IDENTITY).row(view(
        sensor_status="reconnecting", packet_loss_pct=4.0,
        exercise=exercise(active_alerts=("compensation",), alert_details=(compensation,),
                          compensation_ratio=1.1234, symmetry_lsi_pct=81.25)))
    assert row["alerts"] == [
        {"kind": "sensor", "text": "Sensor reconnecting"},
        {"kind": "compensation",
         "text": "Right hamstrings are doing the work: relax them and squeeze the glutes "
                 "(ratio 1.12 · alert above 1.00, clears below 0.80)"},
        {"kind": "packet_loss", "text": "4.0 % of the sensor's packets lost"},
    ]
    assert (row["compensation_ratio"], row["symmetry_pct"]) == (1.12, 81.2)
    assert row["quality_ok"] is False


def test_before_the_exercise_the_phase_says_so_and_nothing_is_judged():
    state = StationState(IDENTITY)
    assert state.row(None)["phase"] == "start"
    calibrating = state.row(view(
        exercise=None, channels=(channel("L-quad", Side.LEFT, None),),
        calibration=CalibrationView("effort", 1, 3, 2.0, "mvc")))
    assert calibrating["phase"] == "calibration"
    assert calibrating["rep"] is None
    assert calibrating["muscles"][0]["pct_mvc"] is None
    assert calibrating["muscles"][0]["band_pct"] is None
    assert calibrating["seq"] == 2


def test_the_client_is_its_pseudonym_and_no_one_is_named_without_a_client():
    assert StationState(IDENTITY).row(view())["client"] == "P-0042"
    anonymous = StationIdentity("bay-3", None, "quad_set", "Quad set", "hold",
                                remote_allowed=False)
    row = StationState(anonymous).row(view())
    assert row["client"] is None
    assert row["remote_allowed"] is False


def test_the_last_remote_change_is_confirmed_in_every_later_row():
    state = StationState(IDENTITY)
    state.row(view(recent_events=(remote_event(10.0, [30.0, 50.0]),)))
    later = state.row(view(t_s=30.0, recent_events=()))  # the event left the recent list
    assert later["last_remote_change"] == {"by": "dr_lee", "key": "rules.target_band_pct",
                                           "value": [30.0, 50.0], "t_s": 10.0,
                                           "dashboard": DASHBOARD, "seq": 1}
    newer = state.row(view(t_s=40.0, recent_events=(remote_event(10.0, [30.0, 50.0]),
                                                    remote_event(35.0, [25.0, 45.0], seq=2))))
    assert newer["last_remote_change"]["value"] == [25.0, 45.0]


def test_the_last_row_says_the_session_ended_and_why():
    row = StationState(IDENTITY).row(view(), end_reason="completed")
    assert (row["phase"], row["ended"], row["end_reason"]) == ("ended", True, "completed")
    assert row["alerts"][0] == {"kind": "ended", "text": "Session ended: completed"}


def test_a_row_never_exceeds_8_kb():
    many = tuple(channel(f"ch{i}-" + "x" * 40, Side.LEFT, 10.0, QualityFlag.SATURATED)
                 for i in range(40))
    text = encode_row(StationState(IDENTITY).row(view(channels=many)))
    assert len(text.encode()) <= MAX_ROW_BYTES
    assert len(json.loads(text)["muscles"]) == 40


async def test_rows_go_out_every_tenth_of_a_second_with_the_newest_view_only(
        autojump_clock: trio.testing.MockClock):
    """Latest value wins: five views published between two rows give one row (the last);
    no new view still gives a row on time; a row that cannot be sent costs only itself."""
    views: LatestValue[ViewUpdate] = LatestValue("rules→render")
    sent: list[dict[str, object]] = []
    failures = iter([True] + [False] * 1000)

    def push(text: str) -> None:
        if next(failures):
            raise OSError("network down")
        sent.append(json.loads(text))

    publishing = StationPublishing(StationState(IDENTITY),
                                   StateOutlet("bay-3", remote_allowed=False))
    actor = StationStateActor(publishing, views, lambda: None, push=push)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(actor.loop)
        await trio.sleep(0.05)
        for k in range(5):  # the rules publish faster than rows go out: only the last counts
            views.publish(ViewUpdate(view(t_s=1.0 + k), trio.current_time()))
        await trio.sleep(0.1)
        await trio.sleep(0.3)  # no new view: rows still go out, repeating the newest
        nursery.cancel_scope.cancel()
    assert [row["t_s"] for row in sent] == [5.0, 5.0, 5.0, 5.0]
    assert [row["seq"] for row in sent] == [2, 3, 4, 5]  # row 1 (before any view) was lost



async def test_a_session_run_faster_than_real_time_still_sends_ten_rows_a_real_second(
        autojump_clock: trio.testing.MockClock):
    sent: list[str] = []
    publishing = StationPublishing(StationState(IDENTITY),
                                   StateOutlet("bay-3", remote_allowed=False))
    actor = StationStateActor(publishing, LatestValue("rules→render"), lambda: None,
                              time_scale=4.0, push=sent.append)
    with trio.move_on_after(3.95):  # 3.95 s of the session's clock: about one real second
        await actor.loop()
    assert len(sent) == 10


def test_a_protocol_chosen_on_the_start_screen_is_named_by_its_id():
    identity = StationIdentity("bay-3", None, "quad_set", "Quad set after knee surgery", "hold",
                               remote_allowed=False,
                               protocol_ids={"Bridge hold": "bridge_hold"})
    row = StationState(identity).row(view(exercise=exercise(protocol="Bridge hold")))
    assert (row["protocol"], row["protocol_name"]) == ("bridge_hold", "Bridge hold")
