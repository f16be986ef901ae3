"""``myoplay batch --analyse``: per muscle what ``myoplay analyse`` finds, per variation of a
comparison what ``myoplay compare`` ranks, the same bytes on one process and on the pool, and
``--resume`` analyses what a batch without it judged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from myoplay.cli import main
from sensors.simulated import SimulatedSource
from sensors.virtual_patient import PatientConfig, VirtualPatient
from tests.batch.cohort_files import bad_files, with_whole_settings, write_session
from tests.engine.comparison_patient import GLUTE_CHANNELS, RATE_HZ, comparison_script
from tests.myoplay.test_compare_command import TIMING, TRUTHS, lab_recording

TABLES = ("sessions.csv", "analysis.csv", "analysis.parquet", "comparison.csv",
          "comparison.parquet")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two quad-set sessions, a cue test recorded in the exercise lab, a text file."""
    folder = tmp_path_factory.mktemp("cohort")
    write_session(folder / "whole.myoplay", 100_000)
    write_session(folder / "calibrating.myoplay", 1000)
    script, spans = comparison_script(TRUTHS, seed=2, **TIMING)
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=GLUTE_CHANNELS), script,
                             seed=2)
    counts = patient.render(0, round(script.duration_s * RATE_HZ)).counts
    with_whole_settings(lab_recording(folder, (counts, spans, SimulatedSource(patient))))
    (folder / "text.myoplay").write_bytes(bad_files(folder / "bad")["text"].read_bytes())
    return folder


@pytest.fixture(scope="module")
def analysed(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analysed")
    assert main(["batch", str(cohort / "whole.myoplay"), str(cohort / "calibrating.myoplay"),
                 str(cohort / "cue.myoplay"), str(cohort / "text.myoplay"), "--out", str(out),
                 "--scheduler", "serial", "--analyse"]) == 0
    return out


def _rows(out: Path, table: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = pq.read_table(out / f"{table}.parquet").to_pylist()
    return rows


def test_each_muscle_sums_up_what_myoplay_analyse_finds_with_its_symmetry(analysed, cohort,
                                                                         tmp_path):
    recording = cohort / "whole.myoplay"
    assert main(["analyse", str(recording), "--json", "-o", str(tmp_path / "a.json")]) == 0
    segments = json.loads((tmp_path / "a.json").read_text())["segments"]
    rows = {row["channel"]: row for row in _rows(analysed, "analysis")
            if row["recording"] == str(recording)}
    assert set(rows) == {"L-quad", "R-quad", "L-ham", "R-ham"}
    for channel, row in rows.items():
        own = [s for s in segments if s["channel"] == channel]
        assert row["onsets"] == len(own)
        assert row["active_s"] == pytest.approx(sum(s["duration_s"] for s in own))
        assert row["peak_envelope"] == max((s["peak_envelope"] for s in own), default=None)
        weighted = [(s["mean_pct_mvc"], s["duration_s"]) for s in own
                    if s["mean_pct_mvc"] is not None]
        if weighted:
            assert row["mean_pct_mvc"] == pytest.approx(
                sum(v * w for v, w in weighted) / sum(w for _, w in weighted))
            assert row["peak_pct_mvc"] >= row["mean_pct_mvc"]
        slopes = [(s["mdf_slope_pct_per_s"], s["mdf_windows"]) for s in own
                  if s["mdf_slope_pct_per_s"] is not None]
        assert row["fatigue_segments"] == len(slopes)
    assert any(row["onsets"] for row in rows.values())
    lab = [row for row in _rows(analysed, "analysis")
           if row["recording"] == str(cohort / "cue.myoplay")]
    assert len(lab) == 4
    assert all(row["partner"] and row["symmetry_angle_pct"] is not None for row in lab)


def test_a_comparison_session_gets_its_variations_ranked_as_compare_ranks_them(analysed,
                                                                                cohort):
    from myoplay.compare_command import comparison_of_recording

    recording = cohort / "cue.myoplay"
    expected = comparison_of_recording(recording)
    rows = [row for row in _rows(analysed, "comparison")
            if row["recording"] == str(recording)]
    assert [row["variation_id"] for row in rows] == [
        v["variation_id"] for v in expected.variations]
    for row, variation in zip(rows, expected.variations, strict=True):
        assert row["problem"] is None
        assert row["protocol_id"] == "cue_ab_glute_squeeze"
        assert row["verdict"] == expected.summary["verdict"]
        assert row["mean"] == pytest.approx(variation["mean"])
        assert row["reps"] == variation["reps"]
    assert {row["recording"] for row in _rows(analysed, "comparison")} == {str(recording)}


def test_a_file_that_cannot_be_judged_has_no_analysis_rows(analysed, cohort):
    analysed_files = {row["recording"] for row in _rows(analysed, "analysis")}
    assert str(cohort / "text.myoplay") not in analysed_files
    assert str(cohort / "calibrating.myoplay") in analysed_files


def test_the_pool_writes_the_same_bytes_and_resume_adds_the_analysis(analysed, cohort,
                                                                     tmp_path, capsys):
    paths = [str(cohort / name) for name in ("whole.myoplay", "calibrating.myoplay",
                                             "cue.myoplay", "text.myoplay")]
    out = tmp_path / "out"
    assert main(["batch", *paths, "--out", str(out), "--scheduler", "serial"]) == 0
    assert not (out / "analysis.csv").exists()
    capsys.readouterr()
    assert main(["batch", *paths, "--out", str(out), "--workers", "2", "--resume",
                 "--analyse"]) == 0
    # The file that could not be judged has nothing to analyse: kept as it was.
    assert "batch: 3 judged, 0 failed, 1 already done" in capsys.readouterr().out
    assert {name: (out / name).read_bytes() for name in TABLES} == {
        name: (analysed / name).read_bytes() for name in TABLES}
