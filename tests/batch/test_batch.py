"""``myoplay batch``: the same rows wherever the work runs, equal to ``replay --headless`` file
by file; an error row per bad file; ``--resume``; the history filing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from engine.messages import SampleFrame
from myoplay import batch_runner
from myoplay.batch_tables import JOURNAL_NAME, batch_settings
from myoplay.cli import main
from replays.reader import ReplayReader
from tests.batch.cohort_files import bad_files, good_cohort, write_session

_REAL_JUDGE = batch_runner.judge


def _judge_or_die(job: batch_runner.BatchJob) -> object:
    """The unit of work, except that the process judging ``s2.myoplay`` dies (as one killed
    for want of memory would)."""
    if job.identity.path.endswith("s2.myoplay"):
        os._exit(9)
    return _REAL_JUDGE(job)


OUTPUTS = ("sessions.csv", "sessions.parquet", "reps.csv", "reps.parquet", "events.jsonl")
#: The what-if a research group asks: the quad sets judged on another band.
WHAT_IF_FILE = Path(__file__).with_name("quad_set_band_15_35.toml")
WHAT_IF = str(WHAT_IF_FILE)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cohort")
    good_cohort(folder)
    bad_files(folder / "bad")
    return folder


def _batch(cohort: Path, out: Path, *options: str) -> int:
    return main(["batch", str(cohort), "--out", str(out), "--events", *options])


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _sessions(out: Path) -> dict[str, dict[str, object]]:
    rows = pq.read_table(out / "sessions.parquet").to_pylist()
    return {Path(str(row["recording"])).name: row for row in rows}


@pytest.fixture(scope="module")
def serial_run(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    assert _batch(cohort, out, "--scheduler", "serial", "--protocol", WHAT_IF) == 0
    return out


def test_the_local_pool_writes_the_same_bytes_as_one_process(cohort, serial_run, tmp_path,
                                                            capsys):
    assert _batch(cohort, tmp_path, "--workers", "2", "--protocol", WHAT_IF) == 0
    assert "ran on:    a process pool of 2 on this machine" in capsys.readouterr().out
    assert _outputs(tmp_path) == _outputs(serial_run)


@pytest.mark.slow
def test_a_dask_local_cluster_writes_the_same_bytes(cohort, serial_run, tmp_path):
    assert _batch(cohort, tmp_path, "--scheduler", "local-dask", "--protocol", WHAT_IF) == 0
    assert _outputs(tmp_path) == _outputs(serial_run)


@pytest.mark.slow
def test_a_dask_cluster_reached_by_its_address_writes_the_same_bytes(cohort, serial_run,
                                                                       tmp_path, capsys):
    import dask.config
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                  processes=True) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        assert _batch(cohort, tmp_path / "given", "--scheduler", address,
                      "--protocol", WHAT_IF) == 0
        with dask.config.set({"scheduler-address": address}):
            assert _batch(cohort, tmp_path / "configured", "--protocol", WHAT_IF) == 0
    assert f"ran on:    the Dask cluster at {address}" in capsys.readouterr().out
    assert _outputs(tmp_path / "given") == _outputs(serial_run)
    assert _outputs(tmp_path / "configured") == _outputs(serial_run)


def test_no_scheduler_at_the_address_is_one_line(cohort, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch_runner, "CONNECT_TIMEOUT_S", 0.5)
    assert _batch(cohort, tmp_path, "--scheduler", "tcp://127.0.0.1:9") == 2
    err = capsys.readouterr().err
    assert "--scheduler tcp://127.0.0.1:9: no Dask scheduler answers" in err
    assert err.count("\n") == 1


def test_each_recording_is_judged_as_replay_headless_judges_it(cohort, serial_run, tmp_path,
                                                                capsys):
    capsys.readouterr()
    batch_events: dict[str, list[dict[str, object]]] = {}
    for line in (serial_run / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        batch_events.setdefault(event.pop("recording"), []).append(event)
    sessions = _sessions(serial_run)
    reps = pq.read_table(serial_run / "reps.parquet").to_pylist()
    judged = [row for row in sessions.values() if row["status"] != "error"]
    assert len(judged) == 5
    for row in judged:
        recording = str(row["recording"])
        events_out = tmp_path / "events.jsonl"
        assert main(["replay", "--headless", "--protocol", WHAT_IF, recording,
                     "--events-out", str(events_out)]) == 0
        replayed = [json.loads(line) for line in events_out.read_text().splitlines()]
        assert batch_events.get(recording, []) == replayed
        rule_events = [e for e in replayed if e["type"] == "event"]
        assert row["events"] == len(rule_events)
        assert f"{len(rule_events)} events" in capsys.readouterr().out
        completed = [e["data"] for e in rule_events if e["kind"] == "rep_completed"]
        own_reps = [r for r in reps if r["recording"] == recording]
        assert [(r["rep"], r["success"], r["time_in_zone_s"], r["peak_pct"]) for r in own_reps] \
            == [(d["rep"], d["success"], d["time_in_zone_s"], d["peak_pct"]) for d in completed]
        assert row["protocol_id"] == WHAT_IF_FILE.stem
    assert sum(row["reps_attempted"] for row in judged) == len(reps) > 0


def test_a_worker_that_dies_gives_its_recording_an_error_row_and_the_pool_goes_on(
        cohort, serial_run, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_runner, "judge", _judge_or_die)
    assert _batch(cohort, tmp_path, "--workers", "2", "--protocol", WHAT_IF) == 0
    _only_s2_died(tmp_path, serial_run, "the process judging it died")


def _only_s2_died(out: Path, serial_run: Path, how: str) -> None:
    """``s2.myoplay`` has an error row saying ``how`` it died; every other row is as usual."""
    died, judged = _sessions(out), _sessions(serial_run)
    assert died.pop("s2.myoplay")["problem"] == (
        f"{judged.pop('s2.myoplay')['recording']}: {how} (out of memory, or a crash in a "
        f"library)")
    assert died == judged


@pytest.mark.slow
def test_a_recording_whose_dask_workers_die_gets_an_error_row(cohort, serial_run, tmp_path,
                                                              monkeypatch):
    import dask.config

    monkeypatch.setattr(batch_runner, "judge", _judge_or_die)
    # Give up on a task at its first worker's death (the default retries take longer).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        assert _batch(cohort, tmp_path, "--scheduler", "local-dask", "--protocol", WHAT_IF) == 0
    _only_s2_died(tmp_path, serial_run, "the Dask workers judging it died")


def test_each_bad_file_gets_a_row_naming_its_problem_and_the_rest_are_judged(serial_run):
    sessions = _sessions(serial_run)
    problems = {name: (row["status"], row["problem"]) for name, row in sessions.items()}
    assert problems["damaged.myoplay"][0] == "error"
    assert "corrupt at record 553" in str(problems["damaged.myoplay"][1])
    assert problems["cut_before_sync.myoplay"] == (
        "error", f"{sessions['cut_before_sync.myoplay']['recording']}: the file ends before "
                 f"its header")
    assert "has no session settings" in str(problems["foreign.myoplay"][1])
    assert "not a myoplay replay file" in str(problems["text.myoplay"][1])
    assert problems["truncated.myoplay"][0] == "truncated"
    assert "truncated after record 840" in str(problems["truncated.myoplay"][1])
    assert all(problems[f"s{n}.myoplay"] == ("ok", None) for n in range(4))
    for name in ("damaged", "cut_before_sync", "foreign", "text"):
        row = sessions[f"{name}.myoplay"]
        assert row["reps_attempted"] is None
        assert str(row["problem"]).startswith(str(row["recording"]))


def test_strict_exits_1_when_a_file_failed_and_a_clean_cohort_exits_0(cohort, tmp_path, capsys):
    assert _batch(cohort / "bad", tmp_path / "bad", "--scheduler", "serial", "--strict") == 1
    assert "failed:    4 recording(s)" in capsys.readouterr().out
    good = tmp_path / "good"
    good.mkdir()
    write_session(good / "a.myoplay", 500)
    assert _batch(good, tmp_path / "good-out", "--scheduler", "serial", "--strict") == 0


def test_resume_after_a_kill_gives_the_same_tables_as_one_run(cohort, tmp_path):
    many = tmp_path / "many"
    many.mkdir()
    for n in range(12):
        (many / f"r{n:02}.myoplay").write_bytes((cohort / "s2.myoplay").read_bytes())
    whole = tmp_path / "whole"
    assert _batch(many, whole, "--scheduler", "serial") == 0

    out = tmp_path / "killed"
    command = [sys.executable, "-m", "myoplay", "batch", str(many), "--out", str(out),
               "--events", "--scheduler", "serial"]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / JOURNAL_NAME
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and child.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    lines = journal.read_bytes().count(b"\n")
    assert 4 <= lines < 13, "the batch must be killed midway"
    assert not (out / "sessions.csv").exists()
    with journal.open("ab") as torn:
        torn.write(b'{"session": {"recording": "half a li')  # as if killed mid-write

    assert _batch(many, out, "--scheduler", "serial", "--resume") == 0
    assert _outputs(out) == _outputs(whole)
    resumed = journal.read_bytes().splitlines()
    assert len(resumed) == 13, "each recording once: those judged before were skipped"
    assert all(line.endswith(b"}") for line in resumed)


def test_resume_judges_a_recording_changed_since_and_nothing_else(cohort, tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    first = write_session(folder / "a.myoplay", 1500)
    write_session(folder / "b.myoplay", 1500)
    out = tmp_path / "out"
    assert _batch(folder, out, "--scheduler", "serial") == 0
    first.unlink()
    write_session(first, 100_000, seed=5)  # the whole session: its rep now ends
    os.utime(first, ns=(1, 1))
    capsys.readouterr()
    assert _batch(folder, out, "--scheduler", "serial", "--resume") == 0
    assert "batch: 1 judged, 0 failed, 1 already done" in capsys.readouterr().out
    assert _sessions(out)["a.myoplay"]["reps_attempted"] == 1
    assert _sessions(out)["b.myoplay"]["reps_attempted"] == 0
    assert _batch(folder, out, "--scheduler", "local-dask", "--resume") == 0
    assert "batch: 0 judged, 0 failed, 2 already done" in capsys.readouterr().out


def test_a_batch_is_not_overwritten_or_resumed_with_other_settings(cohort, tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    write_session(folder / "a.myoplay", 400)
    out = tmp_path / "out"
    assert _batch(folder, out, "--scheduler", "serial") == 0
    capsys.readouterr()
    assert _batch(folder, out, "--scheduler", "serial") == 2
    assert "already holds a batch" in capsys.readouterr().err
    assert _batch(folder, out, "--scheduler", "serial", "--resume", "--protocol", WHAT_IF) == 2
    err = capsys.readouterr().err
    assert "judged with other settings (each recording's own protocol" in err
    assert f"not protocol {WHAT_IF_FILE.stem!r}" in err
    what_if = tmp_path / "what-if"
    assert _batch(folder, what_if, "--scheduler", "serial", "--protocol", WHAT_IF) == 0
    capsys.readouterr()
    assert _batch(folder, what_if, "--scheduler", "serial", "--resume", "--protocol", WHAT_IF) == 0
    assert "batch: 0 judged, 0 failed, 1 already done" in capsys.readouterr().out


@pytest.mark.parametrize(("options", "message"), [
    (["--scheduler", "nowhere"], "--scheduler 'nowhere' is not a place to run"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--history", "--protocol", WHAT_IF], "a what-if with --protocol stays"),
    (["--protocol", "no_such"], "unknown protocol 'no_such'"),
    (["--out", "/dev/null/x"], "--out /dev/null/x: Not a directory"),
])
def test_bad_options_are_one_line(tmp_path, capsys, options, message):
    write_session(tmp_path / "a.myoplay", 400)
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), *options]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_a_path_with_no_recordings_is_one_line(tmp_path, capsys):
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no recordings (*.myoplay) in" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "missing")]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err


def test_history_files_each_session_with_a_client(tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    filing = {"client_id": "P-0042", "started_at": "2026-11-02T10:00:00+01:00"}
    write_session(folder / "filed.myoplay", 1800, filing=filing)
    write_session(folder / "anonymous.myoplay", 1800)
    store = tmp_path / "history.sqlite3"
    assert main(["batch", str(folder), "--out", str(tmp_path / "o"), "--scheduler", "serial",
                 "--history", "--history-file", str(store)]) == 0
    assert "1 session(s) name no client and were not filed" in capsys.readouterr().out
    assert main(["history", "--history", str(store), "sessions", "P-0042"]) == 0
    listed = capsys.readouterr().out
    assert "2026-11-02" in listed
    assert "quad_set" in listed


def test_progress_counts_files_hours_and_speed_and_the_summary_ends(cohort, tmp_path, capsys):
    assert main(["batch", str(cohort), "--out", str(tmp_path), "--scheduler", "serial",
                 "--progress"]) == 0
    captured = capsys.readouterr()
    last = captured.err.rstrip("\n").split("\r")[-1]
    assert last.startswith("judged 9/9 files, 4 failed, 1.9 min, ")
    assert "files/s" in last
    assert "x real time" in last
    summary = captured.out.splitlines()[0]
    assert summary.startswith("batch: 5 judged (1 of them truncated), 4 failed; 1.9 min of "
                              "sessions in ")
    assert not (tmp_path / "events.jsonl").exists(), "events only when asked for"


def _span_s(path: Path) -> float:
    """From the recording's first sample to the end of its last, read from the file itself."""
    with ReplayReader(path) as reader:
        frames = [r for r in reader if isinstance(r, SampleFrame)]
        rate_hz = next(iter(reader.sources.values())).rate_hz
    return (frames[-1].t_ns - frames[0].t_ns) / 1e9 + frames[-1].n_samples / rate_hz


def test_hours_are_each_recordings_whole_span_gaps_included(tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    calibrating = write_session(folder / "calibrating.myoplay", 400)  # before any event
    gappy = write_session(folder / "gappy.myoplay", 100_000, lost=slice(300, 700))
    assert main(["batch", str(folder), "--out", str(tmp_path / "o"), "--scheduler", "serial"]) \
        == 0
    sessions = _sessions(tmp_path / "o")
    for path in (calibrating, gappy):
        assert sessions[path.name]["recorded_s"] == pytest.approx(_span_s(path), abs=1e-6)
    # What the engine's last event dates (the history's duration) falls short of the span.
    assert sessions["calibrating.myoplay"]["duration_s"] == 0.0
    assert sessions["gappy.myoplay"]["duration_s"] < _span_s(gappy) - 1.0
    minutes = (_span_s(calibrating) + _span_s(gappy)) / 60
    assert f"{minutes:.1f} min of sessions" in capsys.readouterr().out


def test_a_journal_of_an_older_format_is_not_resumed(tmp_path, capsys):
    write_session(tmp_path / "a.myoplay", 400)
    out = tmp_path / "out"
    out.mkdir()
    older = {**batch_settings(None), "myoplay_batch": 1}
    (out / JOURNAL_NAME).write_text(json.dumps(older, sort_keys=True) + "\n")
    assert _batch(tmp_path / "a.myoplay", out, "--scheduler", "serial", "--resume") == 2
    err = capsys.readouterr().err
    assert "was judged with other settings (each recording's own protocol" in err
    assert "journal format 1, not" in err
    assert err.count("\n") == 1
