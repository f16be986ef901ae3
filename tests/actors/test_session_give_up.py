"""A session that cannot go on gives up in one line, with a complete recording that says why."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
import trio.testing

from actors.sensor_actor import OUTAGE_AT_END
from actors.session import run_session
from engine.dsp import Pipeline
from engine.errors import DeviceNotFoundError, RestartIntensityError
from engine.messages import ErrorReport, Gap, Record, SampleFrame
from myoplay.cli import main
from replays.reader import ReplayReader
from sensors.simulated import SimulatedSource
from sensors.source import SourceItem
from tests.actors.test_session import plan_for, read_all


class _VanishingSensor:
    """The virtual patient until ``after_s``; from then on the device is never found again."""

    def __init__(self, inner: SimulatedSource, after_s: float) -> None:
        self.inner, self.after_s = inner, after_s

    @property
    def info(self):  # type: ignore[no-untyped-def]  # the wrapped source's description
        return self.inner.info

    async def stream(self) -> AsyncIterator[SourceItem]:
        if trio.current_time() >= self.after_s:
            raise DeviceNotFoundError("no sensor answered the scan")
        async for item in self.inner.stream():
            yield item
            if trio.current_time() >= self.after_s:
                raise DeviceNotFoundError("no sensor answered the scan")

    async def aclose(self) -> None:
        await self.inner.aclose()


def _give_up(tmp_path: Path, **overrides: object) -> tuple[RestartIntensityError, list]:
    plan = plan_for(tmp_path, "quad_set", reps=3, frames_dir=None, **overrides)
    outcome = trio.run(run_session, plan, clock=trio.testing.MockClock(autojump_threshold=0))
    assert outcome.gave_up is not None
    assert outcome.reason == f"gave up: {outcome.gave_up.child_id} kept failing"
    assert outcome.summary.reps_prescribed == 3, "the summary covers what was played"
    return outcome.gave_up, read_all(plan.record_path)


def test_a_sensor_that_fails_on_every_reconnect_gives_up_and_says_so(tmp_path):
    plan = plan_for(tmp_path, "quad_set", reps=3)
    sensor = _VanishingSensor(plan.source, after_s=5.0)  # type: ignore[arg-type]
    error, records = _give_up(tmp_path, source=sensor, duration_s=40.0)
    assert error.child_id == "sensor:sim"
    assert "no sensor answered the scan" in str(error)
    assert "\n" not in str(error)
    errors = [r for r in records if isinstance(r, ErrorReport)]
    assert [e.actor for e in errors if e.message.startswith("gave_up")] == ["sensor:sim"]
    assert len([e for e in errors if e.message.startswith("crashed")]) >= 7
    last = max(r.t_ns for r in records if isinstance(r, SampleFrame))
    assert all(last - 1e9 <= e.t_ns <= last + 1e9 for e in errors), "errors in sample time"


def outage_at_end(records: list[Record]) -> tuple[ErrorReport, float]:
    """The one record of a sensor down at the session's end, and the seconds it says were lost."""
    (outage,) = [r for r in records if isinstance(r, ErrorReport)
                 and r.message.startswith(OUTAGE_AT_END)]
    lost_s = float(re.search(r"for ([0-9.]+) s", outage.message).group(1))  # type: ignore[union-attr]
    return outage, lost_s


def test_a_sensor_that_never_returns_leaves_its_loss_up_to_the_end_on_record(tmp_path):
    plan = plan_for(tmp_path, "quad_set", reps=3)
    sensor = _VanishingSensor(plan.source, after_s=5.0)  # type: ignore[arg-type]
    _, records = _give_up(tmp_path, source=sensor, duration_s=40.0)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    assert not [r for r in records if isinstance(r, Gap)], "no gap a replay would judge"
    outage, lost_s = outage_at_end(records)
    last = frames[-1]
    assert outage.actor == "sensor:sim"
    assert outage.t_ns == last.t_ns + round(last.n_samples * 1e9 / plan.source.info.rate_hz)
    assert f"from sample {last.first_index + last.n_samples} on" in outage.message
    assert "count unknown" in outage.message
    assert "DeviceNotFoundError: no sensor answered the scan" in outage.message
    # The sensor gives up after its back-off (0.2 + 0.4 + … s, about 11 s) and the session
    # ends then: the loss reaches from 5 s to there.
    assert 10.0 <= lost_s <= 12.0
    assert records.index(outage) > records.index(last)


def test_a_time_limit_reached_while_the_sensor_is_down_records_the_loss_to_the_end(tmp_path):
    plan = plan_for(tmp_path, "quad_set", reps=3)
    sensor = _VanishingSensor(plan.source, after_s=5.0)  # type: ignore[arg-type]
    run_plan = dataclasses.replace(plan, source=sensor, duration_s=8.0, frames_dir=None)
    outcome = trio.run(run_session, run_plan, clock=trio.testing.MockClock(autojump_threshold=0))
    assert outcome.gave_up is None
    assert outcome.reason == "duration reached"
    outage, lost_s = outage_at_end(read_all(plan.record_path))
    assert outage.t_ns == pytest.approx(5e9, abs=0.05e9)
    # The time limit, then the summary's linger: the session ran until then.
    assert 5.0 + lost_s == pytest.approx(8.0 + plan.linger_s, abs=0.1), "up to the end"


def test_a_session_that_ends_with_the_sensor_streaming_records_no_loss(tmp_path):
    plan = plan_for(tmp_path, "quad_set", reps=3, duration_s=8.0, frames_dir=None)
    trio.run(run_session, plan, clock=trio.testing.MockClock(autojump_threshold=0))
    records = read_all(plan.record_path)
    assert not [r for r in records if isinstance(r, Gap)]
    assert not [r for r in records if isinstance(r, ErrorReport) and r.actor == "sensor:sim"]


def test_an_actor_that_always_crashes_gives_up_with_a_complete_recording(tmp_path, monkeypatch):
    def broken(self: Pipeline, item: object) -> None:
        raise ValueError("filter state is broken")

    monkeypatch.setattr(Pipeline, "feed", broken)
    error, records = _give_up(tmp_path, duration_s=40.0)
    assert error.child_id == "dsp"
    assert "ValueError: filter state is broken" in str(error)
    errors = [r for r in records if isinstance(r, ErrorReport) and r.actor == "dsp"]
    kinds = [e.message.split(" ")[0] for e in errors]
    assert kinds.count("crashed") == 6
    assert kinds.count("restarted") == 5
    assert kinds[-1] == "gave_up"


def test_play_that_gives_up_reports_the_session_then_one_line_and_fails(
    tmp_path, monkeypatch, capsys,
):
    async def vanished(self: SimulatedSource) -> AsyncIterator[SourceItem]:
        raise DeviceNotFoundError("no sensor answered the scan")
        yield  # an async generator that never yields

    monkeypatch.setattr(SimulatedSource, "stream", vanished)
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    status = main(["play", "--headless", "--reps", "1", "--speed", "50",
                   "--record", str(tmp_path / "gave-up.myoplay"), "--out", str(tmp_path)])
    assert status != 0
    captured = capsys.readouterr()
    assert "session ended: gave up: sensor:sim kept failing" in captured.out
    summary = json.loads((tmp_path / "session-001" / "summary.json").read_text())
    assert summary["reps_prescribed"] == 1
    assert f"summary:   {tmp_path / 'session-001' / 'summary.json'}" in captured.out
    lines = captured.err.splitlines()
    errors = [line for line in lines if line.startswith("myoplay: error")]
    assert errors == lines[-1:], "one line, the last"
    assert "sensor:sim" in errors[0]
    assert "no sensor answered" in errors[0]
    assert not [line for line in lines if "Traceback" in line]
    with ReplayReader(tmp_path / "gave-up.myoplay") as reader:
        list(reader)
        assert reader.status is not None
        assert reader.status.state == "complete"
