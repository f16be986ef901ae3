"""A client's history: ``myoplay progress`` over many sessions, ``myoplay history rebuild`` speed.

- progress: a store holding 1,000 sessions of one client (20 reps each, a calibration each),
  then what ``myoplay progress`` does in-process — read the sessions, the weekly figures, the
  changes, the criterion, and the three PNG charts and the PDF (target ≤ 1 s);
- rebuild: 100 one-minute 8 ch × 2 kHz recordings (one simulated session of calibration and quad
  sets, copied under 100 dates so that each file is distinct) filed into an empty store by the
  code ``myoplay history rebuild`` runs — the SHA-256 of each, a headless replay of each over a
  pool of one process per CPU, and one transaction each written by this process — in times real
  time (target ≥ 500×); then the same folder again, where every recording is already filed and
  skipped by its SHA-256.
"""

from __future__ import annotations

import datetime
import tempfile
import time
from pathlib import Path

from bench import Result
from bench.bench_session import write_recording
from engine.calibration import Calibration
from engine.progression_across_sessions import criterion_status
from engine.session_facts import ChannelCalibration, RepFacts, SessionFacts
from engine.session_filing import SessionFiling
from engine.weekly_progress import Prescription, changes_since_first_week, weekly_figures
from history.filing import available_cpus, file_replayed, recordings_under
from history.progress_report import ProgressReport, write_report
from history.store import HistoryStore
from replays.reader import ReplayReader
from replays.writer import RecordingWriter

SESSIONS = 1000
RECORDINGS = 100
RECORDING_S = 60.0
FIRST_DAY = datetime.date(2024, 1, 1)
CALIBRATION = Calibration(("L-quad", "R-quad"), (2.0, 2.0), (1.0, 1.0), (250.0, 300.0),
                          {"rate_hz": 2000.0})


def _facts(n: int) -> SessionFacts:
    peak = 25.0 + 40.0 * n / SESSIONS
    reps = tuple(RepFacts(1 + r // 10, 1 + r % 10, True, 12.0, 10.0, peak, peak - 10.0,
                          60.0 + 35.0 * n / SESSIONS, 20.0, 40.0) for r in range(20))
    return SessionFacts(
        client_id="B-0001", started_at=None, protocol_id="quad_set", protocol_name="Quad set",
        mode="hold", sensor_kind="simulated", sensor_name="Virtual patient",
        involved_side="left", target_muscle="quadriceps", target_side="left",
        calibration_kind="mvc", calibration_reused=False, duration_s=600.0, reps_prescribed=20,
        reps_attempted=20, reps_completed=18, time_in_zone_s=180.0, paused_s=0.0,
        peak_pct=peak, mean_pct=peak - 10.0, symmetry_lsi_pct=60.0 + 35.0 * n / SESSIONS,
        compensation_metric=None, compensation_peak=None, symmetry_alerts=0,
        compensation_alerts=0, quality_pauses=0, progression_ready=False, bar_peak_pct=70.0,
        bar_symmetry_pct=None, finished=True, reps=reps,
        calibrations=tuple(ChannelCalibration(label, "quadriceps", side, "mvc", ref, 2.0, 1.0)
                           for label, side, ref in (("L-quad", "left", 250.0),
                                                    ("R-quad", "right", 300.0))),
        calibration=CALIBRATION.to_plain(),
    )


def progress_seconds(folder: Path) -> float:
    """Fill a store with :data:`SESSIONS` sessions, then time the progress report over them."""
    path = folder / "progress.sqlite3"
    with HistoryStore(path) as store:
        for n in range(SESSIONS):
            day = FIRST_DAY + datetime.timedelta(days=n * 2 // 3)
            store.file_session(_facts(n), started_at=f"{day}T10:{n % 60:02d}:00",
                               recording_path=f"/recordings/{n}.myoplay", sha256=f"{n:064x}",
                               created_at="2024-01-01T09:00:00")
        store.prescribe(Prescription("B-0001", "quad_set", None, 3, FIRST_DAY.isoformat()))
    start = time.perf_counter()
    with HistoryStore(path) as store:
        sessions = store.session_points("B-0001")
        prescriptions = store.prescriptions("B-0001")
    today = FIRST_DAY + datetime.timedelta(days=SESSIONS * 2 // 3)
    weeks = weekly_figures(sessions, prescriptions, today)
    changes = changes_since_first_week(weeks)
    status = criterion_status(sessions)
    report = ProgressReport("B-0001", weeks, changes, [status.describe()] if status else [])
    write_report(report, folder / "report")
    return time.perf_counter() - start


def _copy_filed(source: Path, target: Path, day: int) -> None:
    """``source`` again, filed under the bench client on another day (a distinct file)."""
    with ReplayReader(source) as reader:
        config = dict(reader.header.config)
        settings = config["training"]
        if not isinstance(settings, dict):
            raise RuntimeError("the bench recording has no session settings")
        training = dict(settings)
        when = FIRST_DAY + datetime.timedelta(days=day)
        training["filing"] = SessionFiling("B-0001", f"{when}T10:00:00").to_plain()
        config["training"] = training
        with RecordingWriter(target, seed=reader.header.seed, config=config,
                             fsync=False) as writer:
            for record in reader:
                writer.write(record)


def rebuild_times_real_time(folder: Path) -> float:
    recordings = folder / "recordings"
    recordings.mkdir()
    original = folder / "original.myoplay"
    write_recording(original, RECORDING_S)
    for n in range(RECORDINGS):
        _copy_filed(original, recordings / f"{n:03d}.myoplay", n)
    start = time.perf_counter()
    with HistoryStore(folder / "rebuild.sqlite3") as store:
        filed = file_replayed(store, recordings_under(recordings))
    elapsed = time.perf_counter() - start
    if filed != RECORDINGS:
        raise RuntimeError(f"only {filed} of {RECORDINGS} recordings were filed")
    return RECORDINGS * RECORDING_S / elapsed


def rebuild_again_seconds(folder: Path) -> float:
    """A second rebuild of the same folder: every recording is skipped by its SHA-256."""
    start = time.perf_counter()
    with HistoryStore(folder / "rebuild.sqlite3") as store:
        filed = file_replayed(store, recordings_under(folder / "recordings"))
    if filed:
        raise RuntimeError(f"{filed} recordings filed twice")
    return time.perf_counter() - start


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        progress_s = min(progress_seconds(folder / f"p{n}") for n in range(3))
        rebuild_speed = rebuild_times_real_time(folder)
        again_s = rebuild_again_seconds(folder)
    cpus = available_cpus()
    return [
        Result(f"progress report over {SESSIONS} sessions of one client", progress_s, "s",
               target=1.0),
        Result(f"history rebuild of {RECORDINGS} one-minute 8ch×2kHz recordings "
               f"({cpus} CPU{'s' if cpus != 1 else ''})",
               rebuild_speed, "× real time", target=500.0, higher_is_better=True),
        Result(f"history rebuild again: {RECORDINGS} recordings already filed, skipped",
               again_s, "s"),
    ]
