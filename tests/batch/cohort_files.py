"""Small cohorts of recordings for the batch tests, cut from the recorded golden session.

Each session is the golden one's header and source followed by its first ``records`` records,
closed properly: shorter sessions end before their calibration, longer ones after a rep, so the
cohort's rows differ. Damaged, truncated and foreign files are made from them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from engine.calibration import Calibration
from engine.messages import Gap, SampleFrame, SourceInfo
from engine.protocol import protocol_from_plain
from engine.training import TrainingConfig
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"
FOREIGN = GOLDEN.with_name("quad_sets_4s.myoplay")
"""A file with no session settings (what an import or another tool writes)."""


def write_session(path: Path, records: int, *, seed: int = 1,
                  filing: dict[str, Any] | None = None, lost: slice | None = None) -> Path:
    """The golden session's first ``records`` records as a complete recording at ``path``
    (``filing`` files it under a client; the frames ``lost`` selects, counted from the first,
    never arrived: one gap stands for them)."""
    with ReplayReader(GOLDEN) as reader:
        config = dict(reader.header.config)
        kept = [r for r in reader if not isinstance(r, SourceInfo)][:records]
        source = next(iter(reader.sources.values()))
    if lost is not None:
        kept = _with_gap(kept, lost, source.rate_hz)
    if filing is not None:
        config["training"] = {**config["training"], "filing": filing}  # type: ignore[dict-item]
    with RecordingWriter(path, seed=seed, config=config, sources=[source],
                         fsync=False) as writer:
        for record in kept:
            writer.write(record)
    return path


def _with_gap(records: list[Any], lost: slice, rate_hz: float) -> list[Any]:
    """``records`` with the frames ``lost`` selects replaced by one gap."""
    frames = [r for r in records if isinstance(r, SampleFrame)]
    gone = frames[lost]
    first, missing = gone[0], sum(f.n_samples for f in gone)
    gap = Gap(first.source_id, first.first_index, missing, first.t_ns,
              round(missing * 1e9 / rate_hz), "radio")
    dropped = {id(f) for f in gone}
    return [gap if r is first else r for r in records if r is first or id(r) not in dropped]


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


def with_whole_settings(path: Path) -> Path:
    """The recording at ``path`` rewritten with every training setting in its header, as
    ``myoplay play`` writes them (a test's lab recording names only its protocol and
    calibration), so that a batch can judge it."""
    with ReplayReader(path) as reader:
        config = dict(reader.header.config)
        kept = [r for r in reader if not isinstance(r, SourceInfo)]
        source = next(iter(reader.sources.values()))
    given = config["training"]
    assert isinstance(given, dict)
    training = TrainingConfig(protocol_from_plain(given["protocol"], str(path)),
                              calibration=Calibration.from_plain(given["calibration"]))
    config["training"] = training.to_plain()
    with RecordingWriter(path, seed=1, config=config, sources=[source], fsync=False,
                         overwrite=True) as writer:
        for record in kept:
            writer.write(record)
    return path
