"""Fatigue per set in the history store: filed with each session, migrated into older files."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from engine.rules.session_summary import SetFatigue
from history.progress_report import fatigue_lines
from history.schema import MIGRATIONS, SCHEMA_VERSION
from history.store import HistoryStore
from tests.history.facts_factory import facts

NOW = "2026-11-02T09:00:00+00:00"
SET_1 = SetFatigue(set_index=1, channel="L-quad", muscle="quadriceps", side="left",
                   slope_pct_per_s=-0.31, start_hz=96.5, windows=42, contraction_s=58.0)
SET_2 = dataclasses.replace(SET_1, set_index=2, slope_pct_per_s=-0.44, windows=40)
SET_2_RIGHT = dataclasses.replace(SET_2, channel="R-quad", side="right", slope_pct_per_s=0.02)


def _file(store: HistoryStore, sha: str, started_at: str,
          fatigue: tuple[SetFatigue, ...]) -> None:
    store.file_session(dataclasses.replace(facts(started_at=started_at), fatigue=fatigue),
                       started_at=started_at, recording_path=f"/rec/{sha}.myoplay",
                       sha256=sha, created_at=NOW)


def test_each_sessions_fatigue_per_set_and_muscle_is_filed_and_read_back(
    tmp_path: Path,
) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        _file(store, "b" * 64, "2026-11-04T10:00", (SET_1, SET_2, SET_2_RIGHT))
        _file(store, "a" * 64, "2026-11-02T10:00", (SET_1,))
        assert store.session_fatigue("P-01") == [
            ("2026-11-02T10:00", SET_1),
            ("2026-11-04T10:00", SET_1), ("2026-11-04T10:00", SET_2),
            ("2026-11-04T10:00", SET_2_RIGHT),
        ]
        rows = store.table("session_fatigue", "P-01")
        assert [(r["set_index"], r["channel"], r["slope_pct_per_s"]) for r in rows][:3] == [
            (1, "L-quad", -0.31), (1, "L-quad", -0.31), (2, "L-quad", -0.44)]
        # Filing a recording again replaces its rows, and forgetting the client removes them.
        _file(store, "b" * 64, "2026-11-04T10:00", (SET_2,))
        assert [f for _, f in store.session_fatigue("P-01")] == [SET_1, SET_2]
        store.forget("P-01")
        assert store.table("session_fatigue") == []


def test_a_store_from_before_fatigue_was_kept_gains_the_table_and_keeps_its_sessions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.sqlite3"
    before = MIGRATIONS.index(next(m for m in MIGRATIONS if "session_fatigue" in m))
    db = sqlite3.connect(path)
    db.executescript(";".join(MIGRATIONS[:before]) + f";PRAGMA user_version = {before};")
    db.close()
    with HistoryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.session_fatigue("P-01") == []
        _file(store, "c" * 64, "2026-11-06T10:00", (SET_1,))
        assert store.session_fatigue("P-01") == [("2026-11-06T10:00", SET_1)]
        assert store.integrity() == "ok"


def test_the_progress_report_names_the_newest_sessions_fatigue_in_words(
    tmp_path: Path,
) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        _file(store, "a" * 64, "2026-11-02T10:00", (SET_1,))
        _file(store, "b" * 64, "2026-11-04T10:00", (SET_2, SET_2_RIGHT))
        lines = fatigue_lines(store.session_fatigue("P-01"))
    assert lines == [
        "2026-11-04 Quadriceps L: median frequency \u22120.44 %/s in set 2 (fatiguing)",
        "2026-11-04 Quadriceps R: median frequency +0.02 %/s in set 2 (steady)",
    ]
    assert fatigue_lines([]) == []
