"""``myoplay play --publish`` on loopback: a dashboard's inlet reads the station's state with its
reps advancing; its control rows reach the recording as inputs (and the replay gives the same
events) only with ``--allow-remote``; bad rows are one line each and change nothing."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pylsl
import pytest

from actors.station_outlet import state_stream_name
from engine.messages import ConfigChange, RuleEvent
from engine.remote_change import REMOTE_BY_KEY
from myoplay.cli import main
from replays.reader import ReplayReader
from tests.sensors.lsl_loopback import unique_name

GOLDEN = Path(__file__).parents[1] / "data" / "replays" / "quad_set_session.myoplay"
#: The exercise's phases, in which the dashboard asks for its change.
EXERCISE_PHASES = ("ready", "contract", "rest")
BAND_ROW = {"v": 1, "seq": 7, "by": "dr_lee", "key": "rules.target_band_pct", "value": [30, 45]}


def control_outlet() -> tuple[str, pylsl.StreamOutlet]:
    name = f"myoplay-dashboard:{unique_name('desk')}:control"
    info = pylsl.StreamInfo(name, "MyoplayControl", 1, 0.0, "string", name)
    return name, pylsl.StreamOutlet(info)


@dataclass
class Dashboard:
    """A test dashboard in a thread: reads a station's state rows and, once the exercise runs,
    sends the band change until a state row confirms it (rows sent before the station
    listens are lost, as in LSL), then bad rows once."""

    station: str
    name: str
    outlet: pylsl.StreamOutlet
    rows: list[dict[str, object]] = field(default_factory=list)
    description: dict[str, str] = field(default_factory=dict)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            found = pylsl.resolve_byprop("source_id", state_stream_name(self.station), 1, 20.0)
            assert found, "the station's state stream was not found"
            inlet = pylsl.StreamInlet(found[0])
            desc = inlet.info(5.0).desc()
            self.description = {key: desc.child_value(key) for key in
                                ("station", "state_version", "remote", "myoplay_version")}
            inlet.open_stream(5.0)
            bad_sent = False
            while not (self.rows and self.rows[-1]["ended"]):
                sample, _ = inlet.pull_sample(timeout=20.0)
                assert sample is not None, "the station went silent"
                row = json.loads(sample[0])
                self.rows.append(row)
                if row["phase"] not in EXERCISE_PHASES:
                    continue
                if not row["last_remote_change"]:
                    self.outlet.push_sample([json.dumps({**BAND_ROW, "station": self.station})])
                elif not bad_sent:  # the station surely listens now
                    for text in ('{"v": 1, "station": ',
                                 json.dumps({**BAND_ROW, "station": "elsewhere",
                                             "key": "rules.protocol"}),
                                 json.dumps({**BAND_ROW, "station": self.station, "seq": 8,
                                             "value": [45, 30]})):
                        self.outlet.push_sample([text])
                    bad_sent = True
        except BaseException as error:  # reported by finish()
            self.error = error

    def finish(self) -> None:
        self.thread.join(30.0)
        if self.error is not None:
            raise self.error


@dataclass
class Played:
    dashboard: Dashboard
    stdout: str
    stderr: str
    recording: Path
    status: int


def play(tmp: Path, station: str, *options: str, reps: str,
         speed: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["play", "--headless", "--publish", "--station", station, "--reps", reps,
                       "--speed", speed, "--calibration", str(GOLDEN), "--no-sound",
                       "--out", str(tmp), *options])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def remote_session(tmp_path_factory: pytest.TempPathFactory) -> Played:
    tmp = tmp_path_factory.mktemp("publish")
    station = unique_name("bay")
    name, outlet = control_outlet()
    dashboard = Dashboard(station, name, outlet)
    status, stdout, stderr = play(tmp, station, "--allow-remote", reps="2", speed="8")
    dashboard.finish()
    return Played(dashboard, stdout, stderr, tmp / "session-001" / "session.myoplay", status)


def test_a_dashboard_reads_the_station_state_with_reps_advancing(remote_session: Played):
    rows = remote_session.dashboard.rows
    assert remote_session.status == 0
    assert remote_session.dashboard.description == {
        "station": remote_session.dashboard.station, "state_version": "1",
        "remote": "allowed", "myoplay_version": remote_session.dashboard.description[
            "myoplay_version"]}
    assert [row["seq"] for row in rows] == sorted({row["seq"] for row in rows})
    assert {row["rep"] for row in rows if row["phase"] == "contract"} == {1, 2}
    contracting = [row["muscles"][0]["pct_mvc"] for row in rows if row["phase"] == "contract"]
    assert max(p for p in contracting if p is not None) > 20.0
    last = rows[-1]
    assert (last["phase"], last["ended"], last["end_reason"]) == ("ended", True, "completed")
    assert last["client"] is None
    assert last["remote_allowed"] is True
    assert {"kind": "ended", "text": "Session ended: completed"} in last["alerts"]


def test_a_remote_band_change_is_recorded_as_inputs_and_replays_the_same(
        remote_session: Played, capsys: pytest.CaptureFixture[str]):
    with ReplayReader(remote_session.recording) as reader:
        records = list(reader)
    configs = [r for r in records if isinstance(r, ConfigChange) and r.key != "session.calibration"]
    assert [(c.key, c.value) for c in configs] == [
        (REMOTE_BY_KEY, {"by": "dr_lee", "key": "rules.target_band_pct", "value": [30.0, 45.0],
                         "dashboard": remote_session.dashboard.name, "seq": 7}),
        ("rules.target_band_pct", [30.0, 45.0]),
    ]
    events = [r for r in records if isinstance(r, RuleEvent)]
    remote = next(e for e in events if e.kind == "remote_change")
    adjusted = next(e for e in events if e.kind == "target_adjusted")
    assert remote.subject == "dr_lee"
    assert remote.t_ns <= adjusted.t_ns
    assert (adjusted.data["low_pct"], adjusted.data["high_pct"]) == (30.0, 45.0)
    confirmed = [row["last_remote_change"] for row in remote_session.dashboard.rows
                 if row["last_remote_change"]]
    assert confirmed[-1] == {"by": "dr_lee", "key": "rules.target_band_pct",
                             "value": [30.0, 45.0], "t_s": round(remote.t_ns / 1e9, 3),
                             "dashboard": remote_session.dashboard.name, "seq": 7}
    assert main(["replay", str(remote_session.recording), "--headless"]) == 0
    assert "identical to the events recorded live" in capsys.readouterr().out


def test_bad_rows_are_one_line_each_and_the_good_one_applies_once(remote_session: Played):
    refused = [line for line in remote_session.stderr.splitlines() if "refused" in line]
    dashboard = remote_session.dashboard.name
    prefix = f"myoplay: remote change from {dashboard} refused: "
    assert len(refused) == 2
    assert all(line.startswith(prefix) for line in refused)
    assert refused[0].removeprefix(prefix).startswith("not JSON (Expecting value")
    assert refused[1].removeprefix(prefix).startswith(
        "config 'rules.target_band_pct' is [45.0, 30.0] (give [low, high]")
    assert "remote changes: 1 applied, 2 refused" in remote_session.stdout


def test_without_allow_remote_no_inlet_is_opened_and_nothing_is_applied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A dashboard keeps asking; the station neither looks for it nor applies anything. (Whether
    the control outlet has consumers says nothing here: other test runs' stations on this
    machine may listen to it, so the station's own resolver and inlets are watched instead.)"""
    station = unique_name("bay")
    _, outlet = control_outlet()
    opened: list[str] = []
    for name in ("ContinuousResolver", "StreamInlet", "resolve_byprop", "resolve_streams"):
        real = getattr(pylsl, name)
        monkeypatch.setattr(pylsl, name, lambda *a, _real=real, _name=name, **k: (
            opened.append(_name), _real(*a, **k))[1])
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            outlet.push_sample([json.dumps({**BAND_ROW, "station": station})])
            time.sleep(0.02)

    asking = threading.Thread(target=keep_asking, daemon=True)
    asking.start()
    status, stdout, _ = play(tmp_path, station, reps="1", speed="10")
    stop.set()
    asking.join(5.0)
    assert status == 0
    assert opened == []
    assert "remote changes: not allowed" in stdout
    with ReplayReader(tmp_path / "session-001" / "session.myoplay") as reader:
        keys = {r.key for r in reader if isinstance(r, ConfigChange)}
    assert keys == set()  # the calibration came with the session's settings


def test_remote_changes_need_publishing(capsys: pytest.CaptureFixture[str]):
    assert main(["play", "--headless", "--allow-remote"]) == 2
    assert capsys.readouterr().err == (
        "myoplay: error: --allow-remote needs --publish (a station takes remote changes only "
        "while it publishes)\n")
