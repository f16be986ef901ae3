"""Kill a real recording process at 50 random moments; every file must read up to its last sync.

Each child writes frames of an 8-channel 2 kHz stream at about ten times real time and reports,
after each ``write`` returns, the sample time it has handed to the writer. The parent SIGKILLs it
at a seeded random moment, then checks the file: truncated (never corrupt), its frames an exact
prefix of the stream, and at most 1 s of sample time lost.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from replays.reader import ReplayReader
from replays.verify import verify
from tests.replays.replay_fixtures import EIGHT_CHANNELS, frame

KILLS = 50
PARALLEL = 10
MAX_LOSS_NS = 1_000_000_000

CHILD = """
import sys, time
sys.path.insert(0, sys.argv[3])
from tests.replays.replay_fixtures import EIGHT_CHANNELS, frame
from replays.writer import RecordingWriter

path, seed = sys.argv[1], int(sys.argv[2])
writer = RecordingWriter(path, seed=seed, sources=[EIGHT_CHANNELS])
print("ready", flush=True)
seq = 0
while True:
    current = frame(seq, source=EIGHT_CHANNELS, seed=seed)
    writer.write(current)
    print(current.end_t_ns(EIGHT_CHANNELS.rate_hz), flush=True)
    seq += 1
    time.sleep(0.001)
"""


def start_child(path: Path, seed: int) -> subprocess.Popen[str]:
    here = str(Path(__file__).parent)
    root = str(Path(__file__).parents[2])
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(seed), here],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )


def check_file(path: Path, seed: int, reported: list[str]) -> int:
    """Check one killed recording; return how many frames it kept."""
    status = verify(path)
    assert status.state == "truncated", (seed, status)
    reader = ReplayReader(path, allow_truncated=True)
    with reader:
        records = list(reader)
    assert reader.header.seed == seed
    assert records[0] == EIGHT_CHANNELS
    frames = records[1:]
    assert frames == [frame(i, source=EIGHT_CHANNELS, seed=seed) for i in range(len(frames))]
    written_ns = max((int(line) for line in reported if line.isdigit()), default=0)
    assert written_ns - reader.samples_t_ns <= MAX_LOSS_NS, (seed, written_ns, reader.samples_t_ns)
    return len(frames)


def test_sigkilled_recordings_read_up_to_their_last_sync(tmp_path):
    rng = np.random.default_rng(5)
    delays_s = rng.uniform(0.0, 0.6, size=KILLS)
    kept: list[int] = []
    for batch in range(0, KILLS, PARALLEL):
        seeds = range(batch, min(batch + PARALLEL, KILLS))
        children = {seed: start_child(tmp_path / f"kill{seed}.myoplay", seed) for seed in seeds}
        deadlines = {}
        for seed, child in children.items():
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            deadlines[seed] = time.monotonic() + delays_s[seed]
        for seed in sorted(deadlines, key=deadlines.__getitem__):
            time.sleep(max(0.0, deadlines[seed] - time.monotonic()))
            children[seed].kill()
        for seed, child in children.items():
            out, _ = child.communicate(timeout=30)
            assert child.returncode == -9
            kept.append(check_file(tmp_path / f"kill{seed}.myoplay", seed, out.splitlines()))
    # The kills landed between many different sync points (one every 50 frames here).
    assert len(set(kept)) >= 5
    assert max(kept) > 100
