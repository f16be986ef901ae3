"""The history store: schema versions, one transaction per session, two processes at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.errors import HistoryStoreError
from engine.weekly_progress import Prescription
from history.schema import MIGRATIONS, SCHEMA_VERSION
from history.store import ClientRecord, HistoryStore
from tests.history.facts_factory import facts

NOW = "2026-11-02T09:00:00+00:00"


def file(store: HistoryStore, sha: str, **kwargs: object) -> None:
    store.file_session(facts(**kwargs), started_at=str(kwargs.get("started_at", NOW)),  # type: ignore[arg-type]
                       recording_path=f"/rec/{sha}.myoplay", sha256=sha, created_at=NOW)


def test_a_new_store_is_wal_at_the_latest_schema_and_sound(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity() == "ok"
    db = sqlite3.connect(tmp_path / "h.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    strict = db.execute("SELECT name FROM sqlite_schema WHERE type = 'table' "
                        "AND sql NOT LIKE '%STRICT'").fetchall()
    assert strict == []


def test_filing_the_same_recording_again_replaces_its_rows(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        file(store, "a" * 64, peak_pct=30.0)
        file(store, "a" * 64, peak_pct=35.0)
        sessions = store.table("sessions", "P-01")
        assert [s["peak_pct"] for s in sessions] == [35.0]
        assert len(store.table("reps", "P-01")) == 3
        assert len(store.table("calibration_channels", "P-01")) == 2


def test_an_older_schema_is_migrated_on_open_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + ";PRAGMA user_version = 1;")
    db.execute("INSERT INTO clients VALUES ('P-07', NULL, 'left', ?)", (NOW,))
    db.commit()
    db.close()
    with HistoryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [c.client_id for c in store.clients()] == ["P-07"]
        file(store, "b" * 64, client_id="P-07")
        assert store.latest_calibration("P-07", "quadriceps", "simulated") is not None


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(HistoryStoreError, match="newer than this myoplay knows") as error:
        HistoryStore(path)
    assert "\n" not in str(error.value)


def test_a_file_that_is_not_a_store_is_refused_with_what_to_do(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(HistoryStoreError, match="history rebuild"):
        HistoryStore(path)


def test_the_last_calibration_of_a_muscle_with_the_same_sensor_is_found(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        file(store, "1" * 64, started_at="2026-11-02T10:00:00+00:00")
        file(store, "2" * 64, started_at="2026-11-09T10:00:00+00:00")
        kept = store.latest_calibration("P-01", "quadriceps", "simulated")
        assert kept is not None
        assert kept.started_at.startswith("2026-11-09")
        assert store.latest_calibration("P-01", "quadriceps", "myo") is None
        assert store.latest_calibration("P-01", "hamstrings", "simulated") is None


def test_forget_removes_every_row_of_the_client_only(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        file(store, "1" * 64)
        file(store, "2" * 64, client_id="P-02")
        store.prescribe(Prescription("P-01", "quad_set", None, 3, "2026-11-02"))
        assert store.forget("P-01") == ["/rec/" + "1" * 64 + ".myoplay"]
        assert store.table("sessions", "P-01") == []
        assert store.table("reps", "P-01") == []
        assert store.table("prescriptions", "P-01") == []
        assert len(store.table("sessions")) == 1
        assert len(store.table("reps")) == 3


def test_the_display_name_stays_when_a_later_update_leaves_it_out(tmp_path: Path):
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        store.add_client(ClientRecord("P-01", "Jane", None, NOW))
        store.add_client(ClientRecord("P-01", None, "right", NOW))
        assert store.require_client("P-01") == ClientRecord("P-01", "Jane", "right", NOW)


WRITER = textwrap.dedent("""
    import sys
    from history.store import HistoryStore
    from tests.history.facts_factory import facts
    store = HistoryStore(__import__("pathlib").Path(sys.argv[1]))
    n = 0
    while True:
        store.file_session(facts(reps=50), started_at="2026-11-02T10:00:00+00:00",
                           recording_path=f"/rec/{n}", sha256=f"{n:064d}",
                           created_at="2026-11-02T10:00:00+00:00")
        n += 1
        print(n, flush=True)
""")


def _start_writer(path: Path) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=root,
                            stdout=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_killing_a_writer_leaves_whole_sessions_and_a_reader_works_meanwhile(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    writer = _start_writer(path)
    try:
        assert writer.stdout is not None
        for _ in range(20):  # the writer is under way
            writer.stdout.readline()
        with HistoryStore(path) as reader:  # a report reading while the session writes
            for _ in range(5):
                sessions = reader.table("sessions")
                assert len(reader.table("reps")) >= 50 * len(sessions) - 50
                time.sleep(0.01)
    finally:
        writer.kill()
        writer.wait()
    with HistoryStore(path) as store:
        assert store.integrity() == "ok"
        sessions = store.table("sessions")
        assert len(sessions) >= 20
        assert len(store.table("reps")) == 50 * len(sessions), "every session whole or absent"



def test_a_store_locked_past_the_timeout_files_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import history.store

    monkeypatch.setattr(history.store, "BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with pytest.raises(HistoryStoreError, match="nothing was filed"):
            file(store, "c" * 64)
        other.execute("ROLLBACK")
        other.close()
        assert store.table("sessions") == []
        file(store, "c" * 64)
        assert len(store.table("sessions")) == 1


def test_a_channel_the_calibration_did_not_measure_is_not_reused(tmp_path: Path):
    import dataclasses

    from engine.session_facts import ChannelCalibration

    unmeasured = dataclasses.replace(facts(), calibrations=(
        ChannelCalibration("L-quad", "quadriceps", "left", "mvc", 100.0, 1.0, 0.5),
        ChannelCalibration("L-ham", "hamstrings", "left", "mvc", 0.0, 1.0, 0.5)))
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        store.file_session(unmeasured, started_at=NOW, recording_path="/rec/u",
                           sha256="d" * 64, created_at=NOW)
        assert store.latest_calibration("P-01", "quadriceps", "simulated") is not None
        assert store.latest_calibration("P-01", "hamstrings", "simulated") is None
