"""A whole supervised session, headless on Trio's MockClock: virtual patient → calibration →
reps → summary, its recording, and the determinism of replaying that recording."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgpack
import pygame
import pytest
import trio
import trio.testing

from actors.session import SessionOutcome, SessionPlan, run_session
from engine.calibration_procedure import CalibrationProtocol
from engine.messages import Gap, Record, RuleEvent, SampleFrame, Side
from engine.offline import OfflineEngine, rechunk
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from modes.registry import MODES
from replays.reader import ReplayReader
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from tests.replays.replay_fixtures import split_recording

QUICK_CALIBRATION = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=2.0)


def plan_for(tmp: Path, protocol: str, reps: int, **overrides: object) -> SessionPlan:
    base = builtin_protocol(protocol)
    base = dataclasses.replace(base, timing=dataclasses.replace(base.timing, reps=reps, sets=1))
    source = SimulatedSource(VirtualPatient(PatientConfig(snr_db=25.0), seed=5))

    plan = SessionPlan(
        source=source,
        training=TrainingConfig(
            base, calibration_protocol=QUICK_CALIBRATION, involved_side=Side.LEFT, seed=5
        ),
        record_path=tmp / "session.myoplay",
        frames_dir=tmp / "frames",
        fps=10.0,
        sound=False,
        linger_s=0.5,
        on_activation=source.set_activations,
        autopilot=True,
    )
    return dataclasses.replace(plan, **overrides)


def run_on_mock_clock(plan: SessionPlan) -> SessionOutcome:
    clock = trio.testing.MockClock(autojump_threshold=0)
    outcome: SessionOutcome = trio.run(run_session, plan, clock=clock)
    return outcome


def read_all(path: Path) -> list[Record]:
    with ReplayReader(path) as reader:
        records = list(reader)
        assert reader.status is not None
        assert reader.status.state == "complete"
    return records


def packed(records: list[Record]) -> bytes:
    return b"".join(msgpack.packb(r.to_list(), use_bin_type=True) for r in records)


@pytest.fixture(scope="module")
def quad_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionOutcome, Path]:
    tmp = tmp_path_factory.mktemp("quad")
    return run_on_mock_clock(plan_for(tmp, "quad_set", reps=3)), tmp


def test_headless_session_calibrates_plays_three_reps_and_summarises(quad_session):
    outcome, tmp = quad_session
    assert outcome.reason == "completed"
    summary = outcome.summary
    assert (summary.reps_prescribed, summary.reps_completed) == (3, 3)
    assert summary.finished
    kinds = [r.kind for r in read_all(outcome.record_path) if isinstance(r, RuleEvent)]
    assert kinds[0] == "calibration_completed"
    assert kinds.count("rep_completed") == 3
    assert kinds[-1] == "session_completed"
    assert (tmp / "frames" / "summary.png").is_file()
    assert outcome.latency_p99_ms is not None


def test_recording_holds_every_sample_and_the_summary(quad_session):
    outcome, _ = quad_session
    frames = [r for r in read_all(outcome.record_path) if isinstance(r, SampleFrame)]
    starts = [f.first_index for f in frames]
    assert starts == sorted(starts)
    expected = 0
    for frame in frames:
        assert frame.first_index == expected, "a sample went missing or came twice"
        expected += frame.n_samples
    with ReplayReader(outcome.record_path) as reader:
        list(reader)
        assert reader.summary is not None
        assert reader.summary["reps_completed"] == 3


def test_replay_is_byte_identical_to_live_for_any_chunking_and_every_run(quad_session):
    outcome, _ = quad_session
    with ReplayReader(outcome.record_path) as reader:
        training = TrainingConfig.from_plain(reader.header.config["training"], "test")
        mains = reader.header.config["mains_hz"]
        source, samples, inputs, live = split_recording(reader)
    live_bytes = packed(live)
    assert any(isinstance(r, RuleEvent) for r in live)

    def replay(chunk: int | None) -> bytes:
        engine = OfflineEngine.fresh(source, training, mains)
        items = rechunk(samples, chunk, source.rate_hz) if chunk else samples
        return packed(list(engine.run(items, inputs)))

    for chunk in (None, 1000, 37, 4096):
        assert replay(chunk) == live_bytes, f"chunk {chunk} changed the events"
    runs = {replay(None) for _ in range(19)}
    assert runs == {live_bytes}


class _CrashOnce:
    """A hold game that raises on its 5th draw: a bug in a mode, as the supervisor sees it."""

    draws = 0

    def __init__(self, context):
        self.inner = MODES["hold"](context)

    def draw(self, surface: pygame.Surface, view) -> None:
        type(self).draws += 1
        if type(self).draws == 5:
            raise RuntimeError("a mode bug")
        self.inner.draw(surface, view)


def test_a_mode_that_crashes_is_restarted_and_the_recording_loses_nothing(tmp_path):
    modes = dict(MODES) | {"hold": _CrashOnce}
    outcome = run_on_mock_clock(plan_for(tmp_path, "straight_leg_raise", reps=1, modes=modes))
    assert outcome.reason == "completed"
    crashed = outcome.supervision.select("crashed", "render")
    restarted = outcome.supervision.select("restarted", "render")
    assert len(crashed) == 1
    assert len(restarted) == 1
    assert "a mode bug" in crashed[0].reason
    assert not outcome.supervision.select("restarted", "recorder")
    records = read_all(outcome.record_path)
    assert not [r for r in records if isinstance(r, Gap)]
    frames = [r for r in records if isinstance(r, SampleFrame)]
    assert sum(f.n_samples for f in frames) == frames[-1].first_index + frames[-1].n_samples
    assert outcome.summary.reps_completed == 1


def test_a_duration_limit_ends_the_session_with_a_complete_recording(tmp_path):
    outcome = run_on_mock_clock(plan_for(tmp_path, "quad_set", reps=3, duration_s=4.0))
    assert outcome.reason == "duration reached"
    records = read_all(outcome.record_path)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    assert frames
    assert not outcome.summary.finished
