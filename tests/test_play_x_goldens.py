"""Golden screenshots of ``myoplay play`` in a real X window (Xvfb): start, calibration result,
hold, symmetry, runner, clinician and summary, read back from the X server and compared with
``tests/data/golden_x/<name>.png`` within a tolerance.

The virtual patient is on autopilot with a fixed seed, so what the rules judge (the reps, the
score, the summary's numbers) is the same in every run, and each screen is reached on the
session's own schedule: the quick calibration's steps (rest 3 s, three 3 s efforts with 3 s
recoveries, the result for 5 s), then the protocol's ready phase and hold. A screenshot is taken
well inside the step it shows, a known number of session seconds after the start screen's choice
is logged, so a late or early frame by a few hundred milliseconds is still the same step.

What is *not* the same from run to run is what moves with time within a step, and the
comparison allows for it (measured over repeated runs; the limits leave some margin):

- every case: a pixel counts as different beyond ``PIXEL_TOLERANCE`` in a colour channel (font
  rasterisation, anti-aliased edges), and a case passes with at most its ``max_fraction`` of the
  compared pixels different. The sky's clouds drift with the sensor's sample time, which starts
  when the window opens, so how long the start screen was up moves them: about 1 % of the window
  on the game screens; the balloon rides the envelope's ripple and a countdown digit may tick.
- masked (not compared), because they move by far more than that between runs: the runner's
  flying area and ground (gates, coins, trail and rocket scroll at 240 px/s), the clinician
  view's traces (a 10 s window sliding with sample time), its clock and event times (sample time
  since the sensor started), the latency figures on the clinician view and the summary (wall
  clock), and in the symmetry game the seesaw's tilt, the two side bars with their levels, the
  symmetry % and its gauge's pointer, which follow the noisy difference between two live
  envelopes (run to run the beam tips either way). What stays compared there: the layout, the
  titles, the hold timer, the fulcrum, the prompt and the key legend.

Masks are rectangles in fractions of the window (:data:`SHOTS`); a failing case saves its window
with the masks painted magenta, so the reader sees what was left out.

To regenerate after an intended visual change, look at the new pictures first, then run::

    MYOPLAY_REGENERATE_GOLDEN_X=1 .venv/bin/python -m pytest -q tests/test_play_x_goldens.py

and commit the PNGs in ``tests/data/golden_x``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pygame
import pytest

from tests import virtual_x, x_screenshot

if not (virtual_x.available() and x_screenshot.available()):
    pytest.skip(virtual_x.MISSING, allow_module_level=True)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
GOLDEN_X = REPO / "tests" / "data" / "golden_x"
REGENERATE = "MYOPLAY_REGENERATE_GOLDEN_X"
#: Bound on every wait; only a hang reaches it.
WAIT_S = 120.0
PIXEL_TOLERANCE = 40
#: Logged when the start screen's choice is made: the session's schedule starts.
CHOSEN = "exercise chosen on the start screen"

#: The quick calibration's schedule after the start screen's choice, session seconds.
RESULT_AT_S = 3.0 + 3 * 3.0 + 2 * 3.0
RESULT_S = 5.0

Box = tuple[float, float, float, float]
"""A masked rectangle: left, top, right, bottom as fractions of the window."""


@dataclass(frozen=True)
class Shot:
    """One golden screenshot: what may differ, and where nothing is compared."""

    name: str
    max_fraction: float
    masks: tuple[Box, ...] = ()


#: The key legend's strip (the virtual patient's keys) has the bottom of every screen but the
#: start and the summary to itself, and those screens are laid out in the area above it, so
#: their masks are in fractions of that area: the strip is 8 px of padding around and between
#: its 15 px rows at 720p, one row for the quad set's one leg, two for both legs.
LEGEND_ROW_PX, LEGEND_PAD_PX, WINDOW_HEIGHT_PX = 15, 8, 720


def _above_legend(rows: int, *boxes: Box) -> tuple[Box, ...]:
    """``boxes`` given in fractions of the area above a legend of ``rows`` rows, in the
    window's."""
    above = 1.0 - (LEGEND_PAD_PX * (rows + 1) + LEGEND_ROW_PX * rows) / WINDOW_HEIGHT_PX
    return tuple((left, top * above, right, bottom * above)
                 for left, top, right, bottom in boxes)


SHOTS = {
    "start": Shot("start", 0.02),
    "calibration_result": Shot("calibration_result", 0.02),
    "symmetry": Shot("symmetry", 0.04, masks=_above_legend(
        2,
        (0.42, 0.08, 0.58, 0.19),  # the symmetry % of the moment
        (0.38, 0.27, 0.62, 0.33),  # its gauge's pointer
        (0.16, 0.30, 0.84, 0.72),  # the seesaw's tilt and its balls follow left minus right
        (0.02, 0.21, 0.08, 0.80), (0.92, 0.21, 0.98, 0.80),  # each side's level and its bar
    )),
    "clinician": Shot("clinician", 0.02, masks=_above_legend(
        2,
        (0.0, 0.0, 0.1, 0.07),  # "t = 2:12.6": sample time since the sensor started
        (0.135, 0.15, 0.635, 0.85),  # the traces: a 10 s window sliding with sample time
        (0.65, 0.46, 1.0, 0.56),  # latency p50/p99 and the group delay now: wall clock
        (0.65, 0.8, 1.0, 0.86),  # the event log's times (since the sensor started)
    )),
    "summary": Shot("summary", 0.02, masks=(
        (0.6, 0.68, 1.0, 0.72),  # latency p50/p99: wall clock
    )),
    "hold": Shot("hold", 0.04),
    "runner": Shot("runner", 0.03, masks=_above_legend(
        1,
        (0.085, 0.16, 1.0, 1.0),  # gates, coins, trail, rocket and ground scroll at 240 px/s
    )),
}


class Player:
    """One ``myoplay play`` on the autopilot in a window of a private X display."""

    def __init__(self, display: str, folder: Path, *args: str, speed: float) -> None:
        self.display, self.speed = display, speed
        self.out, self.log = folder / "out", folder / "log"
        folder.mkdir(parents=True, exist_ok=True)
        env = virtual_x.window_env(display, folder / "history.sqlite3")
        with (folder / "report").open("wb") as o, self.log.open("wb") as e:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "myoplay", "--log-level", "info", "play", "--reps", "1",
                 "--seed", "7", "--autopilot", "--no-sound", "--speed", str(speed),
                 "--out", str(self.out), *args],
                cwd=REPO, env=env, stdout=o, stderr=e, start_new_session=True,
            )
        self.window = virtual_x.window_of(display, self.process, WAIT_S)
        self.started = 0.0

    def keys(self, *names: str) -> None:
        virtual_x.press(self.display, self.window, *names)

    def logged(self, text: str) -> bool:
        """Whether ``text`` is logged yet."""
        return virtual_x.logged(self.process, self.log, text)

    def wait_for_log(self, text: str) -> float:
        """Wait until ``text`` is logged; the real time it was first seen."""
        return virtual_x.wait_for_log(self.process, self.log, text, WAIT_S)

    def start(self) -> None:
        """Take the command line's choices through the start screen's rows (each Return checked
        on screen, see ``virtual_x``)."""
        virtual_x.take_the_start_screen(self.display, self.window,
                                        lambda: self.logged(CHOSEN), WAIT_S)
        self.started = self.wait_for_log(CHOSEN)

    def at(self, session_s: float) -> None:
        """Wait until ``session_s`` session seconds after the start screen's choice."""
        time.sleep(max(0.0, self.started + session_s / self.speed - time.monotonic()))

    def grab(self) -> npt.NDArray[np.uint8]:
        return x_screenshot.grab_window(self.display, self.window)

    def first_frames(self) -> npt.NDArray[np.uint8]:
        """The window half a second after it first shows something."""
        deadline = time.monotonic() + WAIT_S
        while not self.grab().any():
            assert time.monotonic() < deadline, "the window stayed black"
            time.sleep(0.05)
        time.sleep(0.5)
        return self.grab()

    def settle(self) -> npt.NDArray[np.uint8]:
        """The window once two grabs 0.3 s apart agree (a static screen has been drawn)."""
        deadline = time.monotonic() + WAIT_S
        previous = self.grab()
        while True:
            time.sleep(0.3)
            now = self.grab()
            if now.any() and _differing(previous, now, ()) <= 0.002:
                return now
            assert time.monotonic() < deadline, "the window never settled"
            previous = now

    def finish(self) -> None:
        """Esc until the process ends (the summary's, or the exercise's early end)."""
        deadline = time.monotonic() + WAIT_S
        while self.process.poll() is None and time.monotonic() < deadline:
            self.keys("Escape")
            time.sleep(0.3)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _mask(shape: tuple[int, ...], masks: tuple[Box, ...]) -> npt.NDArray[np.bool_]:
    """True where pixels are compared."""
    keep = np.ones(shape[:2], dtype=bool)
    height, width = shape[:2]
    for left, top, right, bottom in masks:
        keep[round(top * height):round(bottom * height),
             round(left * width):round(right * width)] = False
    return keep


def _differing(expected: npt.NDArray[np.uint8], actual: npt.NDArray[np.uint8],
               masks: tuple[Box, ...]) -> float:
    """The fraction of compared pixels differing by more than the tolerance."""
    if expected.shape != actual.shape:
        return 1.0
    keep = _mask(actual.shape, masks)
    off = np.abs(expected.astype(np.int16) - actual.astype(np.int16)).max(axis=2)
    return float((off[keep] > PIXEL_TOLERANCE).mean())


def _save(path: Path, pixels: npt.NDArray[np.uint8]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(pygame.surfarray.make_surface(pixels.swapaxes(0, 1)), str(path))


def _load(path: Path) -> npt.NDArray[np.uint8]:
    pixels: npt.NDArray[np.uint8] = pygame.surfarray.array3d(
        pygame.image.load(str(path))).swapaxes(0, 1)
    return pixels


def _with_masks(pixels: npt.NDArray[np.uint8], masks: tuple[Box, ...]) -> npt.NDArray[np.uint8]:
    shown = pixels.copy()
    shown[~_mask(pixels.shape, masks)] = (255, 0, 255)
    return shown


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with virtual_x.virtual_display() as name:
        yield name


@pytest.fixture(scope="module")
def screens(display: str, tmp_path_factory: pytest.TempPathFactory,
            ) -> dict[str, npt.NDArray[np.uint8]]:
    """Every screen of :data:`SHOTS`, captured from three sessions."""
    folder = tmp_path_factory.mktemp("x_goldens")
    shots: dict[str, npt.NDArray[np.uint8]] = {}
    # A symmetry hold from the start screen to the summary, with the calibration.
    both = Player(display, folder / "symmetry", "--protocol", "symmetry_hold",
                  "--mode", "symmetry", "--quick-calibration", speed=2.0)
    try:
        shots["start"] = both.first_frames()
        both.start()
        both.at(RESULT_AT_S + RESULT_S / 2)
        shots["calibration_result"] = both.grab()
        exercise_s = RESULT_AT_S + RESULT_S
        both.at(exercise_s + 3.0 + 8.0)  # ready 3 s, then 8 s into the 20 s hold
        shots["symmetry"] = both.grab()
        both.keys("Tab")
        both.at(exercise_s + 3.0 + 12.0)
        shots["clinician"] = both.grab()
        both.keys("Tab")
        both.wait_for_log("session over: completed")
        time.sleep(2.0)  # the confetti of the finale falls
        shots["summary"] = both.settle()
    finally:
        both.finish()
    calibration = both.out / "session-001" / "session.myoplay"
    # One rep each of the quad set's balloon and the runner, on that calibration.
    for mode in ("hold", "runner"):
        player = Player(display, folder / mode, "--protocol", "quad_set", "--mode", mode,
                        "--calibration", str(calibration), speed=1.0)
        try:
            player.first_frames()
            player.start()
            player.at(3.0 + 4.0)  # ready 3 s, then 4 s into the hold
            shots[mode] = player.grab()
        finally:
            player.finish()
    return shots


@pytest.mark.parametrize("name", sorted(SHOTS))
def test_the_screen_matches_its_golden_screenshot(
    name: str, screens: dict[str, npt.NDArray[np.uint8]], tmp_path: Path,
) -> None:
    shot = SHOTS[name]
    path = GOLDEN_X / f"{name}.png"
    actual = screens[name]
    if os.environ.get(REGENERATE):
        _save(path, actual)
    assert path.exists(), f"no golden screenshot {path}; see this module's docstring"
    expected = _load(path)
    fraction = _differing(expected, actual, shot.masks)
    if fraction > shot.max_fraction:
        _save(tmp_path / f"{name}_actual.png", _with_masks(actual, shot.masks))
    assert fraction <= shot.max_fraction, (
        f"{name}: {fraction:.2%} of the compared pixels differ from {path.name} "
        f"(at most {shot.max_fraction:.0%}); the window is in {tmp_path}"
    )


def test_the_comparison_tells_screens_apart(
    screens: dict[str, npt.NDArray[np.uint8]],
) -> None:
    """Each screen is far from every other: the tolerance cannot pass a wrong screen."""
    for name, shot in SHOTS.items():
        for other in SHOTS:
            if other != name:
                assert _differing(screens[other], screens[name], shot.masks) > shot.max_fraction, (
                    f"{other} passes for {name}")
