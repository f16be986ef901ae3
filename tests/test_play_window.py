"""``myoplay play`` in a real X window (Xvfb), keys sent with xdotool: every way a windowed
session ends (Esc, closing the window, SIGTERM, Ctrl-C, the time limit) is clean — exit 0, the
summary saved, the report printed — and leaving from the start screen keeps no session folder.

Each test waits for what it needs to see (the window, the "session over" log line), never for a
fixed time, and every wait is bounded, so a slow machine only makes the tests slower. Keys go to
the window once it is shown, with the keyboard focus, and a key that moves the session on (Return
on the start screen, Esc, S) is pressed again if its effect does not show (see ``virtual_x``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import virtual_x
from tests.terminal_signals import sigint_as_from_a_terminal
from tests.wm_delete import send_wm_delete

if not virtual_x.available():
    pytest.skip(virtual_x.MISSING, allow_module_level=True)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
#: Bounds on each wait; generous, because only a hang should ever reach them.
WAIT_S = 120.0
#: One quick-calibrated rep of the virtual patient on autopilot, ten times real time.
PLAY_ARGS = ("--log-level", "info", "play", "--reps", "1", "--speed", "10",
             "--quick-calibration", "--autopilot", "--no-sound")


@dataclass
class WindowedPlay:
    """One ``myoplay play`` process on the test's X display, and where it writes."""

    display: str
    process: subprocess.Popen[bytes]
    out: Path
    stdout: Path
    stderr: Path
    window: int = 0

    def press_until(self, key: str, arrived: Callable[[], bool], what: str) -> None:
        """Press ``key`` until ``arrived()``: again if its effect does not show."""
        virtual_x.press_until(self.display, self.window, key, arrived, what)

    def start_exercise(self) -> None:
        """Take the start screen's choices (the command line's) through its rows."""
        virtual_x.take_the_start_screen(
            self.display, self.window,
            lambda: self.logged("exercise chosen on the start screen"), WAIT_S)

    def leave(self) -> None:
        """Press Esc (the player leaves) until the process ends."""
        self.press_until("Escape", lambda: self.process.poll() is not None, "ended")

    def logged(self, text: str) -> bool:
        """Whether ``text`` is on the process's stderr (the log) yet."""
        return virtual_x.logged(self.process, self.stderr, text)

    def wait_for_log(self, text: str) -> None:
        """Wait until ``text`` appears on the process's stderr (the log)."""
        virtual_x.wait_for_log(self.process, self.stderr, text, WAIT_S)

    def interrupt(self) -> None:
        """Press Ctrl-C in the terminal: SIGINT to the process group, as a terminal sends it."""
        os.killpg(self.process.pid, signal.SIGINT)

    def exit_status(self) -> int:
        return self.process.wait(timeout=WAIT_S)

    def report(self) -> str:
        return self.stdout.read_text()


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with virtual_x.virtual_display() as name:
        yield name


@pytest.fixture
def play(display: str, tmp_path: Path) -> Iterator[Callable[..., WindowedPlay]]:
    """Start ``myoplay play`` in a window; the process group is killed if a test leaves it."""
    started: list[WindowedPlay] = []

    def start(*extra: str) -> WindowedPlay:
        out, stdout, stderr = tmp_path / "out", tmp_path / "stdout", tmp_path / "stderr"
        with stdout.open("wb") as o, stderr.open("wb") as e:
            process = subprocess.Popen(
                [sys.executable, "-m", "myoplay", *PLAY_ARGS, "--out", str(out), *extra],
                cwd=REPO, env=virtual_x.window_env(display, tmp_path / "history.sqlite3"),
                stdout=o, stderr=e, start_new_session=True,
                preexec_fn=sigint_as_from_a_terminal,
            )
        run = WindowedPlay(display, process, out, stdout, stderr)
        started.append(run)
        run.window = virtual_x.window_of(display, process, WAIT_S)
        return run

    yield start
    for run in started:
        if run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()


def play_to_the_summary(run: WindowedPlay) -> None:
    """Start from the start screen and wait until the summary is up."""
    run.start_exercise()
    run.wait_for_log("session over: completed")


def assert_clean_end(run: WindowedPlay, reason: str, reps: int = 1) -> None:
    """Exit 0, the summary and its image in the session folder, the report on stdout."""
    status = run.exit_status()
    assert status == 0, run.stderr.read_text()
    assert "Traceback" not in run.stderr.read_text()
    folder = run.out / "session-001"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["reps_prescribed"] == reps
    assert (folder / "frames" / "summary.png").stat().st_size > 0
    assert (folder / "session.myoplay").is_file()
    report = run.report()
    assert f"session ended: {reason}" in report
    assert f"summary:   {folder / 'summary.json'}" in report


def test_esc_at_the_summary_saves_it_and_exits_0(play: Callable[..., WindowedPlay]) -> None:
    run = play()
    play_to_the_summary(run)
    run.leave()
    assert_clean_end(run, "completed")
    assert json.loads((run.out / "session-001" / "summary.json").read_text())["finished"]


def test_closing_the_window_at_the_summary_ends_the_same_way(
    play: Callable[..., WindowedPlay],
) -> None:
    run = play()
    play_to_the_summary(run)
    send_wm_delete(run.display, run.window)
    assert_clean_end(run, "completed")


def test_sigterm_ends_the_session_the_way_esc_does(play: Callable[..., WindowedPlay]) -> None:
    run = play()
    play_to_the_summary(run)
    run.process.send_signal(signal.SIGTERM)
    assert_clean_end(run, "completed")


def test_ctrl_c_at_the_summary_ends_the_way_esc_does(play: Callable[..., WindowedPlay]) -> None:
    run = play()
    play_to_the_summary(run)
    run.interrupt()
    assert_clean_end(run, "completed")


def test_ctrl_c_during_the_exercise_stops_it_and_saves_the_summary(
    play: Callable[..., WindowedPlay],
) -> None:
    run = play("--reps", "5", "--speed", "1")
    run.start_exercise()
    run.wait_for_log("exercise chosen on the start screen")
    run.interrupt()
    assert_clean_end(run, "stopped with Ctrl-C", reps=5)
    assert "Ctrl-C again to quit at once" in run.stderr.read_text()
    summary = json.loads((run.out / "session-001" / "summary.json").read_text())
    assert not summary["finished"]


def test_a_duration_ends_a_windowed_session_without_a_key(
    play: Callable[..., WindowedPlay],
) -> None:
    # 40 session seconds at 4x leave 10 s of real time to choose on the start screen, which
    # takes a moment; the limit then ends the exercise midway, with nobody pressing a key.
    run = play("--reps", "5", "--speed", "4", "--duration", "40")
    run.start_exercise()
    assert_clean_end(run, "duration reached", reps=5)


def test_esc_on_the_start_screen_keeps_no_session_folder(
    play: Callable[..., WindowedPlay],
) -> None:
    run = play()
    run.leave()
    assert run.exit_status() == 0, run.stderr.read_text()
    assert "before anything was played" in run.report()
    assert not run.out.exists(), "the output folder this run made is taken back"


def test_s_saves_a_screenshot_and_says_where_on_screen(
    play: Callable[..., WindowedPlay],
) -> None:
    import numpy as np
    import pygame

    run = play()
    play_to_the_summary(run)
    run.press_until("s", lambda: run.logged("Screenshot saved: "), "logged a screenshot")
    time.sleep(0.5)  # a few frames with the note on screen
    frames = run.out / "session-001" / "frames"
    run.press_until("s", lambda: len(list(frames.glob("screenshot_*.png"))) >= 2,
                    "saved a second screenshot")
    first, second = sorted(frames.glob("screenshot_*.png"))
    assert f"Screenshot saved: {first}" in run.stderr.read_text()  # outside the working folder
    # The second picture shows the note about the first: yellow text where the first had none.
    before, after = (pygame.surfarray.array3d(pygame.image.load(str(p))) for p in (first, second))
    note = np.all(after == np.array((240, 228, 66)), axis=2) & ~np.all(
        before == np.array((240, 228, 66)), axis=2)
    assert note.sum() > 100
    run.leave()
    assert_clean_end(run, "completed")
