"""An imported bilateral recording with muscles, sides and a marked MVC is judged like a session.

The fixture is generated in the format of the UCI lower-limb dataset (a Latin-1 text preamble,
tab-separated columns in mV, 1000 Hz) with a phase column: rest, a bilateral MVC, rest, then a
wall-sit hold with the right thigh doing much less than the left.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from engine.dsp import PipelineConfig
from engine.training import TrainingConfig
from myoplay.cli import main
from replays.reader import ReplayReader

RATE_HZ = 1000
#: (phase label, seconds, left amplitude, right amplitude) in mV of EMG standard deviation.
PHASES = [("rest", 5, 0.0, 0.0), ("MVC", 5, 0.8, 0.8), ("rest", 5, 0.0, 0.0),
          ("hold", 25, 0.4, 0.12), ("rest", 3, 0.0, 0.0)]
NOISE_MV = 0.004
MAP = ["--map", "RF izq=quadriceps:left", "RF der=quadriceps:right"]


@pytest.fixture(scope="module")
def bilateral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "sujeto3.txt"
    rng = np.random.default_rng(11)
    lines = ["Sesión: sujeto 3, año 2026, señales en mV\n",
             "Tiempo (s)\tRF izq (mV)\tRF der (mV)\tfase\n"]
    start = 0
    for label, seconds, left, right in PHASES:
        n = seconds * RATE_HZ
        emg = rng.normal(0.0, 1.0, (n, 2)) * (np.array([left, right]) + NOISE_MV)
        lines.extend(f"{(start + i) / RATE_HZ:.4f}\t{a:.5f}\t{b:.5f}\t{label}\n"
                     for i, (a, b) in enumerate(emg))
        start += n
    path.write_bytes("".join(lines).encode("latin-1"))
    return path


def _import(capsys, source: Path, out: Path, *options: str) -> str:
    status = main(["import", str(source), "-o", str(out), "--skip-lines", "1", "--rate",
                   str(RATE_HZ), *options])
    err = capsys.readouterr().err
    assert status == 0, err
    return err


def _header_training(path: Path) -> tuple[TrainingConfig, ReplayReader]:
    reader = ReplayReader(path)
    list(reader)
    config = reader.header.config
    return TrainingConfig.from_plain(config["training"], str(path)), reader


def test_marked_mvc_replays_under_symmetry_hold_and_gives_symmetry_events(bilateral, tmp_path,
                                                                         capsys):
    out = tmp_path / "bilateral.myoplay"
    err = _import(capsys, bilateral, out, *MAP, "--mvc-marker", "MVC", "--rest-marker", "rest")
    assert "read as cp1252, tab-separated, decimal point; samples in mV at 1000 Hz" in err
    assert "calibration: MVC references RF izq" in err
    events = tmp_path / "events.jsonl"
    assert main(["replay", "--headless", "--protocol", "symmetry_hold", str(out),
                 "--events-out", str(events)]) == 0
    judged = [json.loads(line) for line in events.read_text().splitlines()]
    alerts = [e for e in judged if e["kind"] == "symmetry_alert"]
    assert alerts, [e["kind"] for e in judged]
    # The right thigh does ~30 % of the left: the index says so, not "push harder" to both.
    assert alerts[0]["data"]["lsi_pct"] < 60
    assert any(e["kind"] == "rep_started" for e in judged)


def test_the_calibration_is_stored_as_a_live_session_stores_a_reused_one(bilateral, tmp_path,
                                                                        capsys):
    out = tmp_path / "settings.myoplay"
    _import(capsys, bilateral, out, *MAP, "--mvc-marker", "MVC", "--protocol", "symmetry_hold",
            "--mains", "60")
    training, reader = _header_training(out)
    source = reader.sources["csv"]
    assert [(c.label, c.muscle, c.side.value) for c in source.channels] == [
        ("RF izq", "quadriceps", "left"), ("RF der", "quadriceps", "right")]
    assert training.protocol.id == "symmetry_hold"
    assert reader.header.config["mains_hz"] == 60.0
    calibration = training.calibration
    assert calibration is not None
    pipeline = PipelineConfig.for_source(source, mains_hz=60.0)
    assert dict(calibration.pipeline) == pipeline.signature()
    # The references are the MVC's envelope in mV, equal on both sides within noise.
    left, right = calibration.reference_uv
    assert 0.4 < left < 1.0
    assert right == pytest.approx(left, rel=0.1)
    # Without --protocol the recorded one judges: a plain replay runs too.
    assert main(["replay", "--headless", str(out)]) == 0
    capsys.readouterr()


def test_an_mvc_segment_by_time_is_the_marked_one(bilateral, tmp_path, capsys):
    by_marker, by_time = tmp_path / "m.myoplay", tmp_path / "t.myoplay"
    _import(capsys, bilateral, by_marker, *MAP, "--mvc-marker", "MVC", "--rest-segment", "11:14")
    _import(capsys, bilateral, by_time, *MAP, "--mvc-segment", "5:10", "--rest-segment", "11:14")
    assert _header_training(by_marker)[0].calibration == _header_training(by_time)[0].calibration


def test_processed_export_of_an_imported_file_gives_pct_mvc(bilateral, tmp_path, capsys):
    out = tmp_path / "pct.myoplay"
    _import(capsys, bilateral, out, *MAP, "--mvc-marker", "MVC")
    table = tmp_path / "pct.csv"
    assert main(["export", str(out), "--processed", "-o", str(table)]) == 0
    capsys.readouterr()
    with table.open() as handle:
        rows = list(csv.DictReader(handle))
    hold = rows[20_000:38_000]
    left = np.median([float(r["RF izq_pct_mvc"]) for r in hold if r["RF izq_pct_mvc"]])
    right = np.median([float(r["RF der_pct_mvc"]) for r in hold if r["RF der_pct_mvc"]])
    # Amplitudes 0.404 and 0.124 of 0.804 mV: about 50 % and 15 %MVC.
    assert 40 < left < 60
    assert 10 < right < 20


def test_given_references_calibrate_without_a_marked_mvc(bilateral, tmp_path, capsys):
    out = tmp_path / "given.myoplay"
    err = _import(capsys, bilateral, out, *MAP, "--reference", "RF izq=0.6", "RF der=0.5")
    calibration = _header_training(out)[0].calibration
    assert calibration is not None
    # Above a resting floor of ~0.003 mV, taken off in power: the given amplitudes, nearly.
    assert calibration.reference_uv == pytest.approx((0.6, 0.5), rel=1e-3)
    found = err.split("above rest, rest ")[1].split(" s)")[0]
    start, end = (float(v) for v in found.split("–"))
    assert end - start == pytest.approx(2.0)
    # The quietest stretch is a rest, not the MVC (5–10 s) or the hold (15–40 s).
    assert end <= 5 or start >= 10
    assert end <= 15 or start >= 40


@pytest.mark.parametrize(("options", "words"), [
    (["--map", "RF izq=quadricep:left"], "unknown muscle 'quadricep'"),
    (["--map", "RF izq=quadriceps:up"], "unknown side 'up'"),
    (["--map", "RF=quadriceps"], "--map names 'RF', which is not a channel"),
    (["--mvc-marker", "MAX"], "no label column holds 'MAX'"),
    (["--mvc-segment", "100:105"], "starts after the recording ends (43.000 s)"),
    (["--mvc-segment", "5:4"], "0 <= START_S < END_S"),
    (["--reference", "RF izq=0.6", "--protocol", "symmetry_hold"],
     "protocol 'symmetry_hold' needs a quadriceps channel"),
    (["--protocol", "symmetry_hold"], "--protocol needs a calibration"),
    (["--reference", "XX=1"], "--reference names 'XX', which is not a channel"),
    (["--reference", "RF izq=0.0001"], "is not above that channel's resting level"),
    (["--rest-marker", "rest", "--rest-segment", "1:2"], "not both"),
])
def test_bad_channel_metadata_is_refused_in_one_line(bilateral, tmp_path, capsys, options, words):
    out = tmp_path / "bad.myoplay"
    status = main(["import", str(bilateral), "-o", str(out), "--skip-lines", "1", "--rate",
                   "1000", *options])
    err = capsys.readouterr().err
    assert (status, err.count("\n")) == (2, 1), err
    assert words in err
    assert not out.exists()
