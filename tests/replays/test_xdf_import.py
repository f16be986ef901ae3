"""XDF import: a file written chunk by chunk as LabRecorder writes it (tests/replays/
xdf_fixture.py) imports the chosen stream with its channels, units, rate, gaps and the marker
streams' markers; damaged files are one line, or imported up to the damage with warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.messages import Side
from myoplay.cli import main
from tests.replays.exchange_files import contents as _contents
from tests.replays.xdf_fixture import XdfStream, xdf_bytes

RATE_HZ = 500.0
T0 = 1234.5  # LSL clock time of the first sample (s)


def _emg_rows(n: int) -> np.ndarray:
    return np.random.default_rng(4).normal(0, 0.05, (n, 2))  # millivolts


def _file(tmp_path: Path, *, lost: int = 0, name: str = "session.xdf") -> Path:
    n = 1000
    stamps = T0 + np.arange(n) / RATE_HZ
    stamps[600:] += lost / RATE_HZ  # samples 600 … arrived after ``lost`` missing ones
    emg = XdfStream(1, "Delsys EMG", "EMG", RATE_HZ, "float32", stamps.tolist(),
                    _emg_rows(n).tolist(), labels=["VL", "VM"], units=["mV", "mV"],
                    muscles=[("vastus lateralis", "left"), ("vastus medialis", "left")])
    accel = XdfStream(3, "Delsys ACC", "ACC", 148.0, "float32",
                      (T0 + np.arange(296) / 148.0).tolist(), np.zeros((296, 3)).tolist(),
                      labels=["x", "y", "z"], units=["g", "g", "g"])
    markers = XdfStream(2, "PsychoPy", "Markers", 0.0, "string",
                        [T0 + 0.5, T0 + 1.25], ["rest_start", "mvc_start"])
    path = tmp_path / name
    path.write_bytes(xdf_bytes([emg, markers, accel]))
    return path


def test_the_emg_stream_imports_with_channels_rate_markers_and_gaps(tmp_path, capsys):
    path = _file(tmp_path, lost=25)
    assert main(["import", str(path)]) == 0
    err = capsys.readouterr().err
    assert "left out: stream 'Delsys ACC' (ACC)" in err
    source, samples, gaps, markers = _contents(tmp_path / "session.myoplay")
    assert source.rate_hz == RATE_HZ
    assert source.labels == ("VL", "VM")
    assert [(c.muscle, c.side) for c in source.channels] == [
        ("vastus lateralis", Side.LEFT), ("vastus medialis", Side.LEFT)]
    assert source.unit == "uV"
    expected = _emg_rows(1000).astype(np.float32).astype(np.float64) * 1000  # mV → µV
    np.testing.assert_allclose(samples, expected, rtol=1e-12)
    assert [(g.first_index, g.n_missing) for g in gaps] == [(600, 25)]
    assert [m.value for m in markers] == [
        {"stream": "PsychoPy", "marker": "rest_start"},
        {"stream": "PsychoPy", "marker": "mvc_start"}]
    assert [m.t_ns for m in markers] == [500_000_000, 1_250_000_000]


def test_jitter_is_not_a_gap(tmp_path):
    path = _file(tmp_path, lost=1)  # one period late: within the jitter allowed
    assert main(["import", str(path)]) == 0
    _, samples, gaps, _ = _contents(tmp_path / "session.myoplay")
    assert gaps == []
    assert samples.shape == (1000, 2)


def test_stream_chosen_by_name_or_type(tmp_path, capsys):
    path = _file(tmp_path)
    out = tmp_path / "by_name.myoplay"
    assert main(["import", str(path), "--stream", "Delsys EMG", "-o", str(out)]) == 0
    assert _contents(out)[0].labels == ("VL", "VM")
    capsys.readouterr()
    assert main(["import", str(path), "--stream-type", "ACC", "-o", str(tmp_path / "a")]) == 2
    assert "channel 'x' is in 'g', not a voltage" in capsys.readouterr().err
    assert main(["import", str(path), "--stream", "PsychoPy", "-o", str(tmp_path / "b")]) == 2
    assert "holds text (markers), not samples" in capsys.readouterr().err
    assert main(["import", str(path), "--stream", "nope", "-o", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "no stream named 'nope'" in err
    assert "'Delsys EMG' (EMG, 500 Hz)" in err
    assert main(["import", str(path), "--stream", "x", "--stream-type", "EMG"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["by_name.myoplay", "session.xdf"]


def test_stream_options_are_only_for_xdf(tmp_path, capsys):
    csv = tmp_path / "a.csv"
    csv.write_text("a\n1\n2\n")
    assert main(["import", str(csv), "--rate", "100", "--stream", "EMG"]) == 2
    assert "--stream and --stream-type are for XDF files, not CSV" in capsys.readouterr().err


@pytest.mark.parametrize(("damage", "message"), [
    ("empty", "not an XDF file"),
    ("magic only", "the file holds no streams"),
    ("not xdf", "not an XDF file"),
    ("cut in a header", "not a readable XDF file"),
])
def test_damaged_files_are_refused_in_one_line(tmp_path, capsys, damage, message):
    good = _file(tmp_path).read_bytes()
    bad = {"empty": b"", "magic only": b"XDF:", "not xdf": b"hello, world",
           "cut in a header": good[:300]}[damage]
    path = tmp_path / "damaged.xdf"
    path.write_bytes(bad)
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "damaged.xdf" in err
    assert message in err
    assert not (tmp_path / "damaged.myoplay").exists()


def test_a_cut_off_file_imports_what_it_holds_with_warnings(tmp_path, capsys):
    good = _file(tmp_path).read_bytes()
    path = tmp_path / "cut.xdf"
    path.write_bytes(good[: len(good) // 2])
    assert main(["import", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: cut.xdf: found likely XDF file corruption" in err
    assert "Traceback" not in err
    _, samples, _, _ = _contents(tmp_path / "cut.myoplay")
    assert 0 < samples.shape[0] < 1000
