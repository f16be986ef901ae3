"""Small cohorts of recordings for the batch tests, cut from the recorded golden session.

Each session is the golden one's header and source followed by its first ``records`` records,
closed properly: shorter sessions end before their calibration, longer ones after a rep, so the
cohort's rows differ. Damaged, truncated and foreign files are made from them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from engine.messages import SourceInfo
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"
FOREIGN = GOLDEN.with_name("quad_sets_4s.myoplay")
"""A file with no session settings (what an import or another tool writes)."""


def write_session(path: Path, records: int, *, seed: int = 1,
                  filing: dict[str, Any] | None = None) -> Path:
    """The golden session's first ``records`` records as a complete recording at ``path``
    (``filing`` files it under a client)."""
    with ReplayReader(GOLDEN) as reader:
        config = dict(reader.header.config)
        kept = [r for r in reader if not isinstance(r, SourceInfo)][:records]
        source = next(iter(reader.sources.values()))
    if filing is not None:
        config["training"] = {**config["training"], "filing": filing}  # type: ignore[dict-item]
    with RecordingWriter(path, seed=seed, config=config, sources=[source],
                         fsync=False) as writer:
        for record in kept:
            writer.write(record)
    return path


#: Record counts of a varied cohort: before the calibration ends, during the rep, the whole
#: session (more than it has).
LENGTHS = (400, 1000, 1500, 100_000)


def good_cohort(folder: Path) -> list[Path]:
    """Four different sessions, two of them in a sub-folder."""
    (folder / "week2").mkdir(parents=True, exist_ok=True)
    return [write_session(folder / ("week2" if n % 2 else "") / f"s{n}.myoplay", records)
            for n, records in enumerate(LENGTHS)]


def bad_files(folder: Path) -> dict[str, Path]:
    """A damaged, a truncated (mid-file and before any sync), a foreign and a text file."""
    folder.mkdir(parents=True, exist_ok=True)
    data = GOLDEN.read_bytes()
    damaged = bytearray(data)
    damaged[200_000] ^= 0xFF
    files = {
        "damaged": bytes(damaged),
        "truncated": data[:300_000],
        "cut_before_sync": data[:500],
        "text": b"time,emg\n0,1\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.myoplay"
        paths[name].write_bytes(content)
    paths["foreign"] = folder / "foreign.myoplay"
    shutil.copyfile(FOREIGN, paths["foreign"])
    return paths
