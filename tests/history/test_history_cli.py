"""``myoplay play --client``, ``myoplay history`` and ``myoplay progress`` as a user runs them."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from history.store import HistoryStore
from replays.reader import ReplayReader
from tests.history.facts_factory import facts
from tests.history.recorded_rows import RECORDING_TABLES


def myoplay(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               MYOPLAY_HISTORY=str(store))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "myoplay", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("myoplay: error")]
    assert len(errors) == 1, done.stderr
    return errors[0]


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two live sessions of one client (the second reusing the first's calibration): the
    store they filed themselves into, and their output folder."""
    root = tmp_path_factory.mktemp("played")
    store, out = root / "live.sqlite3", root / "out"
    ok(myoplay("history", "client", "P-0042", "--name", "Jane Example", "--involved", "right",
               store=store))
    ok(myoplay("play", "--client", "P-0042", "--reps", "2", "--speed", "50", "--out", str(out),
               "--session-date", "2026-11-02T10:00", store=store))
    second = myoplay("play", "--client", "P-0042", "--reps", "2", "--speed", "50", "--out",
                     str(out), "--session-date", "2026-11-12T10:00", "--reuse-calibration",
                     store=store)
    ok(second)
    assert "calibration of 2026-11-02T10:00 (10 days ago)" in second.stderr
    assert " since last session (Nov 2)" in second.stdout
    assert "client P-0042  " in second.stdout
    return store, out


@pytest.mark.slow
def test_live_sessions_file_themselves_and_a_rebuild_gives_the_same_rows(
    played: tuple[Path, Path], tmp_path: Path
):
    live, out = played
    rebuilt = tmp_path / "rebuilt.sqlite3"
    said = ok(myoplay("history", "rebuild", str(out), store=rebuilt))
    assert "2 recordings filed" in said
    again = ok(myoplay("history", "rebuild", str(out), store=rebuilt))  # idempotent
    assert "0 recordings filed" in again
    assert "2 already filed" in again
    forced = ok(myoplay("history", "rebuild", str(out), "--force", "--jobs", "1",
                        store=rebuilt))
    assert "2 recordings filed" in forced
    with HistoryStore(live) as a, HistoryStore(rebuilt) as b:
        for table in RECORDING_TABLES:
            assert a.table(table) == b.table(table), table
        sessions = a.table("sessions")
    assert [s["started_at"] for s in sessions] == ["2026-11-02T10:00", "2026-11-12T10:00"]
    assert [s["calibration_reused"] for s in sessions] == [0, 1]
    assert all(s["involved_side"] == "right" and s["reps_attempted"] == 2 for s in sessions)


@pytest.mark.slow
def test_the_recording_names_the_client_id_and_never_the_display_name(
    played: tuple[Path, Path],
):
    _, out = played
    for recording in sorted(out.rglob("*.myoplay")):
        with ReplayReader(recording) as reader:
            training = reader.header.config["training"]
            assert isinstance(training, dict)
            assert training["filing"] == {"client_id": "P-0042",
                                          "started_at": training["filing"]["started_at"]}
        assert b"Jane" not in recording.read_bytes()


@pytest.mark.slow
def test_export_writes_the_clients_sessions_as_csv_and_forget_removes_them(
    played: tuple[Path, Path], tmp_path: Path
):
    live, out = played
    copy = tmp_path / "copy.sqlite3"
    source, target = sqlite3.connect(live), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    rows = list(csv.DictReader(io.StringIO(ok(myoplay("history", "export", "P-0042",
                                                      store=copy)))))
    assert [r["client_id"] for r in rows] == ["P-0042", "P-0042"]
    assert "display_name" not in rows[0]
    said = ok(myoplay("history", "forget", "P-0042", store=copy))
    assert "2 sessions removed, 0 recordings deleted" in said
    assert list(out.rglob("*.myoplay")), "recordings stay unless asked"
    assert "no client 'P-0042'" in one_line_error(myoplay("progress", "P-0042", store=copy))


@pytest.mark.slow
def test_sessions_and_clients_list_what_the_station_keeps(played: tuple[Path, Path]):
    live, _ = played
    assert ok(myoplay("history", "clients", store=live)) == (
        "P-0042  Jane Example  involved right\n")
    lines = ok(myoplay("history", "sessions", "P-0042", "--history", str(live),
                       store=live)).splitlines()
    assert [line[:16] for line in lines] == ["2026-11-02T10:00", "2026-11-12T10:00"]
    assert all("quad_set" in line and "(mvc)" in line for line in lines)


@pytest.mark.slow
def test_progress_prints_weeks_and_writes_the_report(played: tuple[Path, Path],
                                                     tmp_path: Path):
    live, _ = played
    ok(myoplay("history", "prescribe", "P-0042", "quad_set", "--per-week", "3", "--from",
               "2026-11-02", store=live))
    said = ok(myoplay("progress", "P-0042", "--today", "2026-11-20", "--out", str(tmp_path),
                      store=live))
    assert "week 1 (2026-11-02): sessions 1/3" in said
    assert "week 2 (2026-11-09): sessions 1/3" in said
    assert "week 3 (2026-11-16): sessions 0/3" in said
    assert "muscles on 2026-11-12 (quad_set, %MVC): right quadriceps peak " in said
    assert (tmp_path / "progress.pdf").stat().st_size > 10_000


@pytest.mark.parametrize(("args", "expected"), [
    (("play", "--client", "Jane Doe"), "is not a client id"),
    (("play", "--client", "P-9"), "no history store at"),
    (("play", "--reuse-calibration"), "--reuse-calibration needs --client ID"),
    (("history", "add", "missing.myoplay"), "no such recording: missing.myoplay"),
    (("history", "prescribe", "P-9", "quad_set", "--per-week", "3"), "no history store at"),
    (("progress", "P-9"), "no history store at"),
])
def test_bad_input_is_one_line(tmp_path: Path, args: tuple[str, ...], expected: str):
    assert expected in one_line_error(myoplay(*args, store=tmp_path / "h.sqlite3"))
    assert not (tmp_path / "h.sqlite3").exists(), "no empty store left behind"


@pytest.mark.slow
def test_a_prescribed_session_plays_the_prescription(tmp_path: Path):
    store = tmp_path / "h.sqlite3"
    ok(myoplay("history", "client", "P-7", "--involved", "left", store=store))
    ok(myoplay("history", "prescribe", "P-7", "straight_leg_raise", "--per-week", "2", "--reps",
               "1", store=store))
    said = ok(myoplay("play", "--client", "P-7", "--prescribed", "--speed", "50", "--out",
                      str(tmp_path / "out"), store=store))
    assert "reps completed" in said
    with HistoryStore(store) as history:
        (session,) = history.table("sessions")
    assert (session["protocol_id"], session["reps_prescribed"]) == ("straight_leg_raise", 1)


@pytest.mark.parametrize(("args", "expected"), [
    (("play", "--client", "P-9"), "no client 'P-9'"),
    (("play", "--client", "P-1", "--prescribed"), "client P-1 has no prescription"),
    (("history", "prescribe", "P-9", "quad_set", "--per-week", "3"), "no client 'P-9'"),
    (("history", "prescribe", "P-1", "nope", "--per-week", "3"), "unknown protocol 'nope'"),
    (("history", "prescribe", "P-1", "quad_set", "--per-week", "0"), "--per-week must be"),
    (("progress", "P-9"), "no client 'P-9'"),
    (("history", "export", "P-9"), "no client 'P-9'"),
    (("play", "--client", "P-1", "--next-step"), "client P-1 is offered no next step"),
    (("play", "--next-step"), "--next-step needs --client ID"),
])
def test_bad_input_to_a_store_is_one_line(tmp_path: Path, args: tuple[str, ...], expected: str):
    store = tmp_path / "h.sqlite3"
    ok(myoplay("history", "client", "P-1", store=store))
    assert expected in one_line_error(myoplay(*args, store=store))


@pytest.mark.slow
def test_rebuild_files_every_sound_recording_and_names_the_damaged_one(
    played: tuple[Path, Path], tmp_path: Path
):
    _, out = played
    folder = tmp_path / "recordings"
    folder.mkdir()
    for n, recording in enumerate(sorted(out.rglob("*.myoplay"))):
        (folder / f"{n}.myoplay").write_bytes(recording.read_bytes())
    (folder / "2.myoplay").write_bytes(b"garbage" * 100)
    store = tmp_path / "h.sqlite3"
    done = myoplay("history", "rebuild", str(folder), store=store)
    assert "2 recordings filed" in done.stdout
    assert f"not filed: {folder / '2.myoplay'}" in done.stderr
    assert "1 of 3 recordings" in one_line_error(done)
    with HistoryStore(store) as history:
        assert len(history.table("sessions")) == 2


@pytest.mark.slow
def test_a_recording_cut_short_is_filed_up_to_where_it_ends(played: tuple[Path, Path],
                                                            tmp_path: Path):
    _, out = played
    whole = sorted(out.rglob("*.myoplay"))[0].read_bytes()
    cut = tmp_path / "killed.myoplay"
    cut.write_bytes(whole[: len(whole) * 3 // 4])  # a session killed before its end
    store = tmp_path / "h.sqlite3"
    ok(myoplay("history", "add", str(cut), store=store))
    ok(myoplay("history", "add", str(cut), store=store))  # filing again replaces, never adds
    with HistoryStore(store) as history:
        (session,) = history.table("sessions")
        assert session["client_id"] == "P-0042"
        assert session["finished"] == 0
        assert session["reps_attempted"] <= 2
        assert history.integrity() == "ok"


def test_a_store_from_a_newer_myoplay_is_refused_in_one_line(tmp_path: Path):
    store = tmp_path / "h.sqlite3"
    db = sqlite3.connect(store)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    line = one_line_error(myoplay("history", "clients", store=store))
    assert "schema version 99, newer than this myoplay knows" in line


def test_a_recording_without_session_settings_is_refused_in_one_line(tmp_path: Path):
    from replays.writer import RecordingWriter

    path = tmp_path / "bare.myoplay"
    RecordingWriter(path, seed=None, config={}, sources=[]).close()
    line = one_line_error(myoplay("history", "add", "--client", "P-1", str(path),
                                  store=tmp_path / "h.sqlite3"))
    assert "has no session settings" in line


@pytest.mark.slow
def test_play_offers_the_next_step_with_why_and_takes_it_only_when_asked(tmp_path: Path):
    store, out = tmp_path / "h.sqlite3", tmp_path / "out"
    with HistoryStore(store) as history:
        for n, day in enumerate(("2026-11-02", "2026-11-04")):
            strong = dataclasses.replace(facts(client_id="P-5", peak_pct=75.0),
                                         next_protocol="straight_leg_raise")
            history.file_session(strong, started_at=f"{day}T10:00", recording_path=f"/r/{n}",
                                 sha256=f"{n:064d}", created_at=f"{day}T10:00")
    offered = myoplay("play", "--client", "P-5", "--reps", "1", "--speed", "50", "--out",
                      str(out), "--session-date", "2026-11-06T10:00", store=store)
    ok(offered)
    assert ("next step offered to P-5: straight_leg_raise, because 2 of the last 2 quad_set "
            "sessions reached 70 %MVC; play it with --next-step") in offered.stderr
    listed = ok(myoplay("history", "clients", "--today", "2026-11-06", store=store))
    assert "quad_set: 2 of the last 3 sessions reached 70 %MVC – ready for the next step: " \
           "straight_leg_raise" in listed
    taken = myoplay("play", "--client", "P-5", "--next-step", "--reps", "1", "--speed", "50",
                    "--out", str(out), "--session-date", "2026-11-08T10:00", store=store)
    ok(taken)
    assert "taking the next step: straight_leg_raise" in taken.stderr
    with HistoryStore(store) as history:
        protocols = [s["protocol_id"] for s in history.table("sessions", "P-5")]
    assert protocols == ["quad_set", "quad_set", "quad_set", "straight_leg_raise"]


@pytest.mark.slow
def test_rebuilding_over_a_pool_of_processes_files_the_same_rows_as_one_process(
    played: tuple[Path, Path], tmp_path: Path
):
    from history.filing import file_replayed, recordings_under

    _, out = played
    tables = []
    for workers in (1, 2):
        with HistoryStore(tmp_path / f"{workers}.sqlite3") as store:
            assert file_replayed(store, recordings_under(out), workers=workers) == 2
            tables.append([store.table(t) for t in RECORDING_TABLES])
    assert tables[0] == tables[1]
