"""Whole-engine figures: headless replay speed and memory, and live on-screen latency.

- replay: a recorded 8 ch × 2 kHz session (calibration, then quad sets) read from disk and fed
  through a fresh pipeline and rules engine by the code ``myoplay replay --headless`` runs, in
  times real time. The target (≥ 1000×) is for a 10-minute session, the length of a typical
  exercise session; a 2-minute one is printed too, where the fixed start-up (forking the reader,
  designing the filters, finishing the calibration) weighs about a fifth;
- memory: peak resident memory of a ``myoplay replay --fast --headless`` process on a one-hour
  8 ch × 2 kHz recording (target ≤ 200 MB, interpreter and libraries included);
- latency: a live headless session at 60 fps with 8 ch × 2 kHz input, on the real clock: time
  from a sample's arrival to the frame showing it being presented, p50 and p99 (target p99 ≤
  20 ms), without the envelope filter's group delay, which is printed beside it.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from actors.session import SessionPlan, recording_config, run_session
from bench import Result
from engine.calibration_procedure import CalibrationProtocol
from engine.messages import ChannelInfo, SampleFrame, Side
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from replays.headless import replay_headless
from replays.writer import RecordingWriter
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from sensors.virtual_patient import script

RATE_HZ = 2000.0
FRAME_SAMPLES = 40  # 20 ms frames, as the simulated sensor sends them
EIGHT_CHANNELS = tuple(
    ChannelInfo(f"{side.value[0].upper()}-{short}", muscle, side)
    for muscle, short in (("quadriceps", "quad"), ("hamstrings", "ham"),
                          ("gluteus_maximus", "glute"), ("gastrocnemius", "calf"))
    for side in (Side.LEFT, Side.RIGHT)
)
CALIBRATION = CalibrationProtocol(rest_s=3.0, efforts=3, effort_s=3.0, recover_s=3.0)


def _training() -> TrainingConfig:
    protocol = builtin_protocol("quad_set")
    return TrainingConfig(protocol, calibration_protocol=CALIBRATION, involved_side=Side.LEFT)


def _patient(seconds: float) -> VirtualPatient:
    every = tuple(c.label for c in EIGHT_CHANNELS)
    cal = script.rest(3.0) + script.mvc_trials(3, effort_s=3.0, recover_s=3.0, muscles=every)
    reps = max(1, int((seconds - cal.duration_s) // 20.0) + 1)
    plan = cal + script.rest(3.0) + script.quad_sets(reps, level=0.3, hold_s=10.0, rest_s=10.0)
    return VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=EIGHT_CHANNELS), plan, seed=3)


def write_recording(path: Path, seconds: float) -> None:
    """A recording as ``myoplay play`` writes it, generated faster than real time."""
    patient = _patient(seconds)
    source = SimulatedSource(patient, realtime=False)
    plan = SessionPlan(source=source, training=_training(), record_path=path)
    total = int(seconds * RATE_HZ)
    with RecordingWriter(path, seed=0, config=recording_config(plan), sources=[source.info],
                         fsync=False) as writer:
        for seq, first in enumerate(range(0, total, FRAME_SAMPLES)):
            n = min(FRAME_SAMPLES, total - first)
            t_ns = round(first * 1e9 / RATE_HZ)
            counts = patient.render(first, n).counts
            writer.write(SampleFrame(source.info.source_id, seq, first, t_ns, counts, t_ns))


def replay_times_real_time(path: Path, seconds: float) -> float:
    """Speed of the headless replay ``myoplay replay --headless`` runs, file reading included."""
    start = time.perf_counter()
    done = replay_headless(
        path, lambda config: TrainingConfig.from_plain(config["training"], "bench")
    )
    elapsed = time.perf_counter() - start
    if done.passes != 1:
        raise RuntimeError("the bench recording needed two passes")
    if not done.read_ahead and sys.platform == "linux":
        raise RuntimeError("the replay did not read ahead in a child process")
    return seconds / elapsed


def replay_peak_rss_mb(path: Path) -> float:
    """Peak RSS of a fresh ``myoplay replay`` process, measured by a fresh parent (so no earlier
    child of this benchmark process can be mistaken for it)."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'myoplay', 'replay', '--fast', '--headless', "
        "sys.argv[1]], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(path)], check=True,
                          capture_output=True, text=True)
    return int(done.stdout.strip()) / 1024.0


def live_latency_ms(tmp: Path, seconds: float) -> tuple[float, float, float]:
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=EIGHT_CHANNELS), seed=4)
    source = SimulatedSource(patient)
    plan = SessionPlan(
        source=source, training=_training(), record_path=tmp / "live.myoplay",
        fps=60.0, sound=False, duration_s=seconds, linger_s=0.0, autopilot=True,
        on_activation=source.set_activations,
    )
    outcome = trio.run(run_session, dataclasses.replace(plan))
    delay = outcome.group_delay_ms
    if outcome.latency_p50_ms is None or outcome.latency_p99_ms is None:
        raise RuntimeError("the live session presented no frame")
    return outcome.latency_p50_ms - delay, outcome.latency_p99_ms - delay, delay


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        # The best of several runs, as timeit does: slower runs measure what else the machine
        # was doing.
        speeds = {}
        for minutes, runs in ((10, 3), (2, 5)):
            path = tmp / f"{minutes}min.myoplay"
            write_recording(path, minutes * 60.0)
            speeds[minutes] = max(replay_times_real_time(path, minutes * 60.0)
                                  for _ in range(runs))
        hour = tmp / "hour.myoplay"
        write_recording(hour, 3600.0)
        rss_mb = replay_peak_rss_mb(hour)
        p50, p99, delay = live_latency_ms(tmp, 10.0)
    return [
        Result("replay 8ch×2kHz through DSP+rules, 10 min", speeds[10], "× real time",
               target=1000.0, higher_is_better=True),
        Result("replay 8ch×2kHz through DSP+rules, 2 min", speeds[2], "× real time"),
        Result("replay one hour: peak memory", rss_mb, "MB", target=200.0),
        Result("live latency p50 (arrival→present)", p50, "ms"),
        Result("live latency p99 (arrival→present)", p99, "ms", reference=delay,
               reference_name="+ envelope group delay", target=20.0),
    ]
