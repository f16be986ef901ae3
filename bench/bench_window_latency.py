"""Live latency in a real X window, with the clinician view and the recorder on, under load.

``bench_session`` measures a headless session on the dummy video driver; a player sees a real
window, where presenting a frame means handing 1280×720 pixels to an X server, and the machine
is rarely idle. Here a private Xvfb server stands in for the screen, the session (8 ch × 2 kHz
virtual patient on autopilot, 60 fps, recording to disk) opens on the clinician view (the
heaviest screen: every channel's trace), and a second process keeps one core busy the whole
time. Figures: time from a sample's arrival to the frame showing it being presented, p50 and
p99 (target p99 ≤ 20 ms, issue 14), without the envelope filter's group delay, which is
printed beside it; the same session without the busy core is printed too, for comparison.

The session runs in a child process (``python -m bench.bench_window_latency SECONDS``), so its
pygame display is its own (other benchmarks in this process use the dummy driver) and its
event loop competes with the busy core as a real application's would. Without Xvfb the
benchmark is skipped, with one line in the table saying so.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import Result

#: Session length in seconds: the quick calibration (about 21 s) and then the exercise.
SESSION_S = 45.0
TARGET_P99_MS = 20.0
#: Bounds the child's run; only a hang reaches it.
CHILD_TIMEOUT_S = 300.0
BURNER = "while True:\n    pass\n"


def run() -> list[Result]:
    if shutil.which("Xvfb") is None:
        return [Result("live latency in an X window: SKIPPED, Xvfb is not installed "
                       "(Debian: apt-get install xvfb)", math.nan, "-")]
    # Imported only when there is an X server to run: it is the tests' helper for the same job.
    from tests.virtual_x import virtual_display

    with virtual_display() as display:
        quiet = _window_session(display, SESSION_S)
        with _busy_core():
            loaded = _window_session(display, SESSION_S)
    delay = loaded["group_delay_ms"]
    return [
        Result("X window + clinician + recorder, quiet: latency p50", quiet["p50_ms"], "ms"),
        Result("X window + clinician + recorder, quiet: latency p99", quiet["p99_ms"], "ms"),
        Result("X window + clinician + recorder, one core busy: latency p50",
               loaded["p50_ms"], "ms"),
        Result("X window + clinician + recorder, one core busy: latency p99",
               loaded["p99_ms"], "ms", reference=delay,
               reference_name="+ envelope group delay", target=TARGET_P99_MS),
    ]


@contextmanager
def _busy_core() -> Iterator[None]:
    """Another process spinning on one core while inside."""
    burner = subprocess.Popen([sys.executable, "-c", BURNER])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def _window_session(display: str, seconds: float) -> dict[str, float]:
    """Run the session in a child process on ``display``; its latency figures."""
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    env.pop("SDL_VIDEODRIVER", None)  # `make bench` sets the dummy driver for the others
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_window_latency", str(seconds)],
        env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the windowed session failed:\n{done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def _child(seconds: float) -> dict[str, float]:
    """The session itself, in this (child) process: its figures, group delay taken out."""
    import trio

    from actors.session import SessionPlan, run_session
    from bench.bench_session import EIGHT_CHANNELS, RATE_HZ, _training
    from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient

    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=EIGHT_CHANNELS), seed=4)
    source = SimulatedSource(patient)
    with tempfile.TemporaryDirectory() as folder:
        plan = SessionPlan(
            source=source, training=_training(), record_path=Path(folder) / "live.myoplay",
            headless=False, clinician_view=True, fps=60.0, sound=False, duration_s=seconds,
            linger_s=0.0, autopilot=True, on_activation=source.set_activations,
        )
        outcome = trio.run(run_session, plan)
    if outcome.latency_p50_ms is None or outcome.latency_p99_ms is None:
        raise RuntimeError("the windowed session presented no frame")
    delay = outcome.group_delay_ms
    return {"p50_ms": outcome.latency_p50_ms - delay, "p99_ms": outcome.latency_p99_ms - delay,
            "group_delay_ms": delay}


if __name__ == "__main__":
    print(json.dumps(_child(float(sys.argv[1]))))
