"""A batch's memory does not grow with the cohort: its peak (VmHWM, read in a fresh child
process so nothing else counts) is the same for 200 recordings as for 20."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.batch.cohort_files import write_session

#: Judge a batch in this process (``serial``: the work's memory counts too), then print the
#: peak resident size in kB.
_CHILD = """
import sys
from myoplay.cli import main
status = main(["batch", sys.argv[1], "--out", sys.argv[2], "--events", "--scheduler", "serial"])
assert status == 0, status
with open("/proc/self/status") as status_file:
    print(next(line.split()[1] for line in status_file if line.startswith("VmHWM:")))
"""

#: How much more the bigger batch may take: room for the journal's offsets and the listing,
#: far less than holding ten times the rows would.
ALLOWED_GROWTH_KB = 8 * 1024


def _peak_kb(folder: Path, out: Path) -> int:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(out)], check=True,
                          capture_output=True, text=True, timeout=300)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
@pytest.mark.slow
def test_peak_memory_is_flat_from_20_to_200_recordings(tmp_path):
    one = write_session(tmp_path / "one.myoplay", 600)
    data = one.read_bytes()
    peaks = {}
    for count in (20, 200):
        folder = tmp_path / f"cohort{count}"
        folder.mkdir()
        for n in range(count):
            (folder / f"r{n:04}.myoplay").write_bytes(data)
        peaks[count] = _peak_kb(folder, tmp_path / f"out{count}")
        rows = (tmp_path / f"out{count}" / "sessions.csv").read_text().count("\n")
        assert rows == count + 1
    assert peaks[200] - peaks[20] < ALLOWED_GROWTH_KB, peaks
