"""``myoplay analyse``: activity segments of a recording as CSV or JSON, written safely; a
damaged recording is one line."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from engine.messages import ChannelInfo, Gap, SampleFrame, Side, SourceInfo
from myoplay.analyse_command import COLUMNS
from myoplay.cli import main
from tests.replays.replay_fixtures import record

RATE = 1000.0
SOURCE = SourceInfo("emg", "two legs", "sim", RATE,
                    (ChannelInfo("VL-L", "quadriceps", Side.LEFT),
                     ChannelInfo("VL-R", "quadriceps", Side.RIGHT)), dtype="<f8")


def _recording(tmp_path, *, gap: bool = False):
    """Rest, a 3 s contraction of both legs from 4 s, rest; 100-sample frames."""
    rng = np.random.default_rng(5)
    n = 10_000
    t = np.arange(n) / RATE
    active = (t >= 4) & (t < 7)
    data = rng.normal(0, 4, (n, 2)) + np.where(active[:, None], rng.normal(0, 150, (n, 2)), 0)
    records = [SOURCE]
    for seq, start in enumerate(range(0, n, 100)):
        if gap and seq == 20:
            records.append(Gap("emg", start, 100, round(start * 1e6), 100_000_000, "radio"))
            continue
        records.append(SampleFrame("emg", seq, start, round(start * 1e6), data[start:start + 100]))
    path = tmp_path / "legs.myoplay"
    path.write_bytes(record(records))
    return path


def test_csv_has_one_row_per_segment(tmp_path, capsys):
    path = _recording(tmp_path, gap=True)
    assert main(["analyse", str(path)]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == COLUMNS
    assert sorted(r["channel"] for r in rows) == ["VL-L", "VL-R"]
    for row in rows:
        assert abs(float(row["onset_s"]) - 4.0) < 0.05
        # A burst of white noise that stops dead makes the mains notch ring for ~0.3 s.
        assert 7.0 <= float(row["offset_s"]) < 7.5
        assert row["closed"] == "True"
        assert row["unit"] == "uV"
        assert float(row["peak_envelope"]) > float(row["mean_envelope"]) > 50
        assert row["mean_pct_mvc"] == ""  # no calibration: no %MVC, no symmetry
        assert row["symmetry_angle_pct"] == ""
        assert int(row["mdf_windows"]) >= 3
        assert float(row["mdf_start_hz"]) > 20
    assert "2 activity segments on 2 channels; no calibration" in err


def test_json_is_strict_and_names_the_channels(tmp_path, capsys):
    path = _recording(tmp_path)
    out = tmp_path / "report.json"
    assert main(["analyse", str(path), "--json", "-o", str(out)]) == 0
    document = json.loads(out.read_text(), parse_constant=lambda c: 1 / 0)
    assert document["calibrated"] is False
    assert [c["label"] for c in document["channels"]] == ["VL-L", "VL-R"]
    assert [c["segments"] for c in document["channels"]] == [1, 1]
    assert document["unit"] == "uV"
    assert all(c["noise_floor"] > 0 for c in document["channels"])
    assert {s["partner"] for s in document["segments"]} == {"VL-L", "VL-R"}


def test_outputs_are_never_harmed(tmp_path, capsys):
    path = _recording(tmp_path)
    taken = tmp_path / "taken.csv"
    taken.write_text("mine")
    assert main(["analyse", str(path), "-o", str(taken)]) == 2
    assert taken.read_text() == "mine"
    assert main(["analyse", str(path), "-o", str(path)]) == 2
    assert main(["analyse", str(path), "-o", str(taken), "--overwrite"]) == 0
    assert taken.read_text().startswith("channel,muscle,side,onset_s")


def test_a_damaged_recording_is_one_line(tmp_path, capsys):
    path = _recording(tmp_path)
    data = bytearray(path.read_bytes())
    data[5000:5010] = b"\xff" * 10
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["analyse", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "legs.myoplay" in err
