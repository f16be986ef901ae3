"""Fault injection: every actor of a live session crashed at seeded random moments.

For each actor, sessions with the virtual patient run on Trio's MockClock while
:class:`~tests.actors.fault_injection.FaultPlan` raises inside that actor one to three times. The
session must go on to its time limit, the recording must read complete, the recorded frames and
gaps must cover the sample stream exactly (a gap only where the sensor itself restarted, with
the true missing count), every crash must be an error record, and the judgements recorded live
must equal a fresh replay of the recording (nothing stepped twice, nothing skipped).

The issue asks for 20 sessions per actor (``MYOPLAY_FAULT_SESSIONS=20``, about 2.5 minutes);
``make test`` runs 8 per actor, 40 sessions in under a minute.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import msgpack
import pytest

from actors.outbox import Outbox
from actors.session import SessionPlan
from engine.calibration_procedure import CalibrationProtocol
from engine.dsp import Pipeline
from engine.messages import ErrorReport, Gap, Record, SampleFrame
from engine.offline import OfflineEngine
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.training import TrainingConfig, TrainingSession
from replays.reader import ReplayReader
from replays.writer import RecordingWriter
from tests.actors.fault_injection import FaultPlan, InjectedFault
from tests.actors.test_session import plan_for, run_on_mock_clock
from tests.replays.replay_fixtures import split_recording

#: Sessions per actor: the issue asks for 20; ``MYOPLAY_FAULT_SESSIONS`` runs that many.
SESSIONS = int(os.environ.get("MYOPLAY_FAULT_SESSIONS", "8"))
DURATION_S = 8.0
#: Short enough that the rules calibrate and judge a rep's start within the time limit, so the
#: comparison with a fresh replay has judgements to compare.
SHORT_CALIBRATION = CalibrationProtocol(rest_s=1.0, efforts=1, effort_s=1.5, recover_s=0.5)

#: What each actor calls for every item it handles, and roughly how often in one session.
TARGETS: dict[str, tuple[tuple[tuple[type, str], ...], int]] = {
    "sensor:sim": (((Outbox, "flush"), (LosslessChannel, "send_nowait")), 1150),
    "dsp": (((Pipeline, "feed"), (Outbox, "flush"), (LosslessChannel, "send_nowait")), 1150),
    "rules": (((TrainingSession, "step"), (Outbox, "flush"), (LatestValue, "publish")), 1150),
    # The recorder writes what piled up while its thread last wrote, so its call count falls
    # on a loaded machine (380 quiet, 157 at a load average of 10): faults go in the first 150.
    "recorder": (((RecordingWriter, "write"),), 150),
    "render": (((LatestValue, "get"), (LatestValue, "wait_newer")), 900),
}


def covered_samples(records: list[Record]) -> int:
    """Samples covered by frames and gaps, checking that each starts where the last ended."""
    expected = 0
    for item in (r for r in records if isinstance(r, SampleFrame | Gap)):
        assert item.first_index == expected, f"{item!r} leaves a hole or an overlap"
        missing = item.n_samples if isinstance(item, SampleFrame) else item.n_missing
        assert missing >= 0, "a gap of unknown size"
        expected += missing
    return expected


def replayed_outputs(records: list[Record], header: dict[str, Any]) -> tuple[bytes, bytes]:
    """The live judgements and a fresh engine's on the recorded samples, packed."""
    source, samples, inputs, live = split_recording(records)
    engine = OfflineEngine.fresh(
        source, TrainingConfig.from_plain(header["training"], "test"), header["mains_hz"]
    )

    def pack(items: list[Record]) -> bytes:
        return b"".join(msgpack.packb(r.to_list(), use_bin_type=True) for r in items)

    return pack(live), pack(list(engine.run(samples, inputs)))


def fault_plan(tmp_path: Path, child_id: str) -> SessionPlan:
    """An 8 s session with the virtual patient on autopilot; the window only when it is the
    renderer under test (drawing is most of a session's cost)."""
    plan = plan_for(tmp_path, "quad_set", reps=3, duration_s=DURATION_S, linger_s=0.1,
                    frames_dir=None, render=child_id == "render")
    training = dataclasses.replace(plan.training, calibration_protocol=SHORT_CALIBRATION)
    return dataclasses.replace(plan, training=training)


@pytest.mark.slow
@pytest.mark.parametrize("child_id", list(TARGETS))
@pytest.mark.parametrize("session", range(SESSIONS))
def test_crashes_cost_the_recording_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            child_id: str, session: int) -> None:
    targets, horizon = TARGETS[child_id]
    faults = FaultPlan.seeded(child_id, seed=1000 * session + len(child_id), horizon=horizon)
    faults.install(monkeypatch, *targets)
    plan = fault_plan(tmp_path, child_id)
    outcome = run_on_mock_clock(plan)

    assert outcome.reason == "duration reached"
    assert faults.fired, f"no fault fired in {faults.calls} calls (crash_at {faults.crash_at})"
    crashed = outcome.supervision.select("crashed", child_id)
    # A write still running in its thread when the session stops goes on while the MockClock
    # jumps past the stop timeout (every task is blocked); a fault raised there, on the very last
    # call, ends the stop rather than a running child, so the supervisor cannot report it.
    unseen = len(faults.fired) - len(crashed)
    assert unseen == 0 or (unseen == 1 and faults.fired[-1] == faults.calls
                           and outcome.supervision.select("stop_timeout", child_id)), faults
    assert all(InjectedFault.__name__ in event.reason for event in crashed)
    assert not outcome.supervision.select("gave_up")
    assert not outcome.supervision.select("poisoned")

    with ReplayReader(outcome.record_path) as reader:
        records = list(reader)
        assert reader.status is not None
        assert reader.status.state == "complete"
        header = reader.header.config
    covered = covered_samples(records)
    assert covered >= 0.9 * DURATION_S * plan.source.info.rate_hz
    gaps = [r for r in records if isinstance(r, Gap)]
    if child_id.startswith("sensor"):
        assert 1 <= len(gaps) <= len(faults.fired)
    else:
        assert not gaps, "a restart that is not the sensor's cost samples"
    errors = [r for r in records if isinstance(r, ErrorReport) and r.actor == child_id]
    assert len([e for e in errors if e.message.startswith("crashed")]) == len(faults.fired)
    assert all(0 <= e.t_ns <= covered * 1e9 / plan.source.info.rate_hz for e in errors)

    live, replayed = replayed_outputs(records, header)
    assert b"calibration_completed" in live
    assert live == replayed, "a restart stepped a block or an input twice, or skipped one"
