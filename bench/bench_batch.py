"""Batch re-analysis (``myoplay batch``): throughput on one worker, on the local process pool over
every core and on a Dask ``LocalCluster``, and the parent's peak memory.

The cohort is the issue's: :data:`FILES` ten-minute recordings (8 channels at 2 kHz, calibration
then quad sets, written as ``myoplay play`` writes them by :mod:`bench.bench_session`), judged
with their own protocol. They are one recording linked under :data:`FILES` names, so the page
cache holds its bytes once and the bench measures the judging, not the disk.

Each run is the real command in a child process, start-up included (imports, pool or cluster
start), as a user would time it. The places are run in :data:`ROUNDS` interleaved rounds (the
order rotated each round), so a burst of load elsewhere on the machine hits every place alike;
each figure is the median of its rounds, with their range in its name. The speed-up is taken
round by round (the pool's run over the one-worker run beside it). This machine is shared (other
builds and tests run beside the bench), so the wall-clock figures are noisy: the 1-minute load
average before and after is printed with them, and so is the CPU time each place used per
recorded hour (the child and its workers), which load elsewhere barely moves: the pool's CPU
over one worker's says what spreading the work costs, whatever the machine was doing.

The memory bound (≤ 300 MB in the parent) is for :data:`MEMORY_FILES` files: the golden session
(39 s) linked under that many names, on the default pool; the parent's VmHWM (its workers'
memory is not in it).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import Result
from bench.bench_session import write_recording

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "replays" / (
    "quad_set_session.myoplay")
#: The issue's cohort: 100 ten-minute recordings.
FILES = 100
SESSION_S = 600.0
ROUNDS = 3
#: The cohort whose parent memory the issue bounds (≤ 300 MB).
MEMORY_FILES = 1000
#: The issue's target for the pool over one worker on this 2-core machine.
SPEED_UP_TARGET = 1.6

_CHILD = """
import sys
from myoplay.cli import main
status = main(["batch", sys.argv[1], "--out", sys.argv[2], *sys.argv[3:]])
assert status == 0, status
with open("/proc/self/status") as status_file:
    print(next(line.split()[1] for line in status_file if line.startswith("VmHWM:")))
"""


@dataclass(frozen=True)
class _Run:
    wall_s: float
    cpu_s: float
    """User and system time of the child and its workers."""
    peak_mb: float


def _run(cohort: Path, out: Path, *options: str) -> _Run:
    """One batch of ``cohort`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(cohort), str(out), *options],
                          check=True, capture_output=True, text=True)
    wall_s = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(out)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return _Run(wall_s, cpu_s, int(done.stdout.split()[-1]) / 1024)


def _linked(source: Path, folder: Path, count: int) -> Path:
    """``source`` under ``count`` names in ``folder`` (hard links; copies where links fail)."""
    folder.mkdir()
    for n in range(count):
        target = folder / f"session{n:04}.myoplay"
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    return folder


def _spread(values: list[float]) -> str:
    return f"median of {len(values)}, range {min(values):.3g}–{max(values):.3g}"


def run() -> list[Result]:
    cores = len(os.sched_getaffinity(0))
    one, pool, dask = "one worker", f"local pool, {cores} workers", "Dask LocalCluster, 2 workers"
    places = {one: ("--workers", "1"), pool: (), dask: ("--scheduler", "local-dask")}
    runs: dict[str, list[_Run]] = {name: [] for name in places}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "ten_minutes.myoplay"
        write_recording(recording, SESSION_S)
        cohort = _linked(recording, Path(tmp) / "cohort", FILES)
        order = list(places)
        for round_ in range(ROUNDS):
            for name in order[round_ % len(order):] + order[:round_ % len(order)]:
                runs[name].append(_run(cohort, Path(tmp) / "out", *places[name]))
        load_after = os.getloadavg()[0]
        memory = _run(_linked(GOLDEN, Path(tmp) / "many", MEMORY_FILES), Path(tmp) / "out")
    hours = FILES * SESSION_S / 3600
    results = [Result("batch bench: 1-minute load average before (the machine is shared)",
                      load_before, "processes"),
               Result("batch bench: 1-minute load average after", load_after, "processes")]
    for name, done in runs.items():
        rates = [hours * 60 / r.wall_s for r in done]
        results += [
            Result(f"batch of {FILES} × {SESSION_S / 60:g} min, {name}: recorded hours per minute "
                   f"({_spread(rates)})", statistics.median(rates), "h/min"),
            Result(f"batch, {name}: speed", statistics.median(rates) * 60, "× real time"),
            Result(f"batch, {name}: CPU time per recorded hour (child and workers)",
                   statistics.median(r.cpu_s for r in done) / hours, "s/h"),
            Result(f"batch, {name}: parent peak memory", max(r.peak_mb for r in done), "MB"),
        ]
    for name in (pool, dask):
        ratios = [a.wall_s / b.wall_s for a, b in zip(runs[one], runs[name], strict=True)]
        cpu = [b.cpu_s / a.cpu_s for a, b in zip(runs[one], runs[name], strict=True)]
        results += [
            Result(f"batch speed-up, {name} over one worker, round by round ({_spread(ratios)})",
                   statistics.median(ratios), "×",
                   target=SPEED_UP_TARGET if name == pool else None, higher_is_better=True),
            Result(f"batch, {name}: CPU time over one worker's ({_spread(cpu)})",
                   statistics.median(cpu), "×"),
        ]
    results.append(Result(f"batch of {MEMORY_FILES} files, {pool}: parent peak memory",
                          memory.peak_mb, "MB", target=300.0))
    return results
