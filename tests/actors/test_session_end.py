"""How a session ends, on Trio's MockClock: a stop request ends it at once as Esc does, a time
limit bounds a windowed session too, the summary image is saved before the window closes, and
a session left on the start screen says it was never played; Ctrl-C on ``myoplay play`` under
SDL's dummy driver is one more clean end."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest
import trio
import trio.testing

from actors.session import SessionOutcome, SessionPlan, run_session
from actors.stop_request import StopRequest
from tests.actors.test_session import plan_for, read_all
from tests.terminal_signals import sigint_as_from_a_terminal


def run_with_stop_after(plan: SessionPlan, after_s: float, reason: str) -> SessionOutcome:
    """Run ``plan``, asking its stop request for ``reason`` ``after_s`` session seconds in."""

    async def main() -> SessionOutcome:
        async with trio.open_nursery() as nursery:
            async def ask_later() -> None:
                await trio.sleep(after_s)
                plan.stop_request.ask(reason)

            nursery.start_soon(ask_later)
            outcome = await run_session(plan)
            nursery.cancel_scope.cancel()
        return outcome

    clock = trio.testing.MockClock(autojump_threshold=0)
    outcome: SessionOutcome = trio.run(main, clock=clock)
    return outcome


def test_a_stop_request_ends_the_session_at_once_with_a_complete_recording(tmp_path: Path):
    plan = plan_for(tmp_path, "quad_set", reps=3, linger_s=30.0)
    outcome = run_with_stop_after(plan, 5.0, "terminated by SIGTERM")
    assert outcome.reason == "terminated by SIGTERM"
    assert outcome.played
    assert not outcome.summary.finished
    read_all(outcome.record_path)  # complete: the end record was written
    assert outcome.frames[-1] == tmp_path / "frames" / "summary.png"
    assert outcome.frames[-1].is_file()
    assert pygame.display.get_surface() is None, "the window is closed after the image"


def test_a_stop_request_cuts_the_headless_linger_short(tmp_path: Path):
    plan = plan_for(tmp_path, "straight_leg_raise", reps=1, linger_s=3600.0)
    # The rep is over within 30 session seconds; the sensor streams on while the summary
    # lingers, so every session second asked for here costs real time.
    outcome = run_with_stop_after(plan, 45.0, "terminated by SIGTERM")
    assert outcome.reason == "completed"  # the first reason wins
    assert outcome.summary.finished


def test_a_duration_ends_a_windowed_session_without_waiting_for_esc(tmp_path: Path):
    plan = plan_for(tmp_path, "quad_set", reps=3, headless=False, duration_s=4.0)
    outcome = run_with_stop_after(plan, 3600.0, "never needed")
    assert outcome.reason == "duration reached"
    assert (tmp_path / "frames" / "summary.png").is_file()


def test_leaving_the_start_screen_is_not_a_played_session(tmp_path: Path):
    plan = plan_for(tmp_path, "quad_set", reps=3, headless=False, menu=True, autopilot=False)
    plan = dataclasses.replace(
        plan, training=dataclasses.replace(plan.training, wait_for_start=True)
    )
    outcome = run_with_stop_after(plan, 2.0, "terminated by SIGTERM")
    assert not outcome.played
    assert not (tmp_path / "frames" / "summary.png").exists()


def test_a_stop_request_keeps_its_first_reason():
    request = StopRequest()

    async def main() -> str:
        request.ask("terminated by SIGTERM")
        request.ask("terminated by SIGTERM again")
        return await request.wait()

    assert trio.run(main) == "terminated by SIGTERM"


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ctrl_c_on_a_headless_play_saves_the_summary_and_exits_0(tmp_path: Path):
    out = tmp_path / "out"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    with (tmp_path / "stdout").open("wb") as stdout, (tmp_path / "stderr").open("wb") as stderr:
        # Its own process group, so the Ctrl-C below reaches it as a terminal's would.
        process = subprocess.Popen(
            [sys.executable, "-m", "myoplay", "play", "--headless", "--reps", "3", "--speed", "1",
             "--out", str(out)],
            cwd=REPO, env=env, stdout=stdout, stderr=stderr, start_new_session=True,
            preexec_fn=sigint_as_from_a_terminal,
        )
    try:
        frames = out / "session-001" / "frames"
        deadline = time.monotonic() + 120.0
        while not (frames.is_dir() and any(frames.glob("frame_*.png"))):  # frames are shown
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "no frame saved in 120 s"
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGINT)
        status = process.wait(timeout=120.0)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    errors = (tmp_path / "stderr").read_text()
    assert status == 0, errors
    assert "Traceback" not in errors
    assert "Ctrl-C again to quit at once" in errors
    report = (tmp_path / "stdout").read_text()
    assert "session ended: stopped with Ctrl-C" in report
    folder = out / "session-001"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["reps_prescribed"] == 3
    assert not summary["finished"]
    assert (folder / "frames" / "summary.png").stat().st_size > 0
    read_all(folder / "session.myoplay")  # complete
