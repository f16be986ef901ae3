"""``myoplay play`` quad_set in a real X window (Xvfb), the virtual patient driven by keys sent
with xdotool, as a patient after left-knee surgery plays it: start → calibrate contracting only
the operated (left) quadriceps → the calibration result → 3 reps → the summary → Esc; exit 0
with the summary files, and the recording says the left quadriceps alone was calibrated, with no
effort thrown away.

The session runs at twice real time and the keys follow the calibration's schedule from the
moment the start screen's choice is logged, with margins of a quarter of each step; the result
screen is left with Return; during the exercise the left key is held at 30 % of the calibration
level, in the protocol's 20–40 %MVC band, and every wait is bounded. Keys go to the window once it
is shown, with the keyboard focus; each Return on the start screen is checked on screen and
pressed again if it did not arrive (see ``virtual_x``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.messages import RuleEvent
from replays.reader import ReplayReader
from tests import virtual_x

if not virtual_x.available():
    pytest.skip(virtual_x.MISSING, allow_module_level=True)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
WAIT_S = 180.0
SPEED = 2.0
#: The quick calibration's steps, session seconds: rest, then efforts with recoveries.
REST_S = EFFORT_S = RECOVER_S = 3.0
EFFORTS = 3
#: Logged when the start screen's choice is made: the calibration's schedule starts.
CHOSEN = "exercise chosen on the start screen"


class Player:
    """One ``myoplay play`` process on a private X display, and keys for its window."""

    def __init__(self, display: str, out: Path, log: Path, report: Path) -> None:
        self.display, self.out, self.log, self.report = display, out, log, report
        env = virtual_x.window_env(display, out.parent / "history.sqlite3")
        with report.open("wb") as o, log.open("wb") as e:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "myoplay", "--log-level", "info", "play",
                 "--protocol", "quad_set", "--involved", "left", "--reps", "3",
                 "--quick-calibration", "--speed", str(SPEED), "--no-sound", "--out", str(out)],
                cwd=REPO, env=env, stdout=o, stderr=e, start_new_session=True,
            )
        self.window = virtual_x.window_of(display, self.process, WAIT_S)

    def keys(self, *names: str) -> None:
        virtual_x.press(self.display, self.window, *names)

    def key_down(self, name: str) -> None:
        virtual_x.hold(self.display, self.window, name)

    def key_up(self, name: str) -> None:
        virtual_x.let_go(self.display, self.window, name)

    def start(self) -> float:
        """Take the start screen's choices (the command line's) through its rows; the real time
        the choice was first seen logged."""
        virtual_x.take_the_start_screen(
            self.display, self.window, lambda: self.logged(CHOSEN), WAIT_S)
        return self.wait_for_log(CHOSEN)

    def logged(self, text: str) -> bool:
        """Whether ``text`` is logged yet."""
        return virtual_x.logged(self.process, self.log, text)

    def wait_for_log(self, text: str) -> float:
        """Wait until ``text`` is logged; the real time it was first seen."""
        return virtual_x.wait_for_log(self.process, self.log, text, WAIT_S)


def _sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.monotonic()))


@pytest.fixture
def player(tmp_path: Path) -> Iterator[Player]:
    with virtual_x.virtual_display() as display:
        run = Player(display, tmp_path / "out", tmp_path / "log", tmp_path / "report")
        try:
            yield run
        finally:
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGKILL)
                run.process.wait()


def test_a_quad_set_calibrated_on_the_operated_quadriceps_alone_plays_to_its_summary(
    player: Player,
) -> None:
    player.keys("0")  # the virtual muscles at 100 %: maximal efforts
    started = player.start()
    # Each effort: the left key held from a quarter into it to a quarter before its end.
    for k in range(EFFORTS):
        begin = REST_S + k * (EFFORT_S + RECOVER_S)
        _sleep_until(started + (begin + EFFORT_S / 4) / SPEED)
        player.key_down("Left")
        _sleep_until(started + (begin + EFFORT_S * 3 / 4) / SPEED)
        player.key_up("Left")
    # The result screen: read it for a moment, then Return starts the exercise.
    _sleep_until(started + (REST_S + EFFORTS * EFFORT_S + (EFFORTS - 1) * RECOVER_S + 1) / SPEED)
    player.keys("Return")
    player.keys("3")  # 30 % of the calibration effort: inside the 20-40 %MVC band
    player.key_down("Left")
    player.wait_for_log("session over: completed")
    player.key_up("Left")
    player.keys("Escape")
    status = player.process.wait(timeout=WAIT_S)
    log = player.log.read_text()
    assert status == 0, log
    assert "Traceback" not in log
    folder = player.out / "session-001"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["reps_prescribed"] == 3
    assert summary["finished"]
    assert (folder / "frames" / "summary.png").stat().st_size > 0
    events = [r for r in ReplayReader(folder / "session.myoplay") if isinstance(r, RuleEvent)]
    kinds = [e.kind for e in events]
    assert "calibration_failed" not in kinds, [e.data for e in events
                                               if e.kind == "calibration_failed"]
    completed = events[kinds.index("calibration_completed")]
    assert isinstance(completed.data, dict)
    reference = completed.data["reference_uv"]
    assert isinstance(reference, list)
    assert isinstance(reference[0], int | float)
    assert reference[0] > 0, "the left quadriceps (L-quad) has its reference"
    assert reference[1:] == [0.0, 0.0, 0.0], "the other leg and the hamstrings need not rise"
    assert kinds.count("rep_completed") == 3
