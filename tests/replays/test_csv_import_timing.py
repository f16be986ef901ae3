"""An imported file's time column checks ``--rate`` or gives it, with jitter and drift reported."""

from __future__ import annotations

import numpy as np
import pytest

from engine.messages import Gap, SampleFrame
from myoplay.cli import main
from replays.reader import ReplayReader


def _write(path, times_s, header="time,emg"):
    path.write_text(header + "\n" + "".join(f"{t:.6f},{i % 5}\n" for i, t in enumerate(times_s)))


def _import(capsys, *argv):
    status = main(["import", *argv])
    return status, capsys.readouterr().err


def test_timestamps_that_disagree_with_the_rate_warn_in_one_line_with_the_drift(tmp_path, capsys):
    # 61,601 samples stamped over 64.6 s: at --rate 1000 they would last 61.6 s.
    src = tmp_path / "slow.csv"
    _write(src, np.linspace(0.0, 64.6, 61_601))
    status, err = _import(capsys, str(src), "--rate", "1000")
    assert status == 0
    warning = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert "time column 'time': 64.600 s over 61601 samples" in warning[0]
    assert "953.56 Hz measured, 1000 Hz used (--rate, -4.64 %)" in warning[0]
    assert "drift +3.0000 s at the end" in warning[0]
    assert "disagree with the rate" in warning[0]


def test_without_a_rate_the_stamps_give_it_and_their_jitter_is_reported(tmp_path, capsys):
    rng = np.random.default_rng(7)
    times = np.arange(5000) / 500.0 + rng.normal(0, 20e-6, 5000)
    src = tmp_path / "jitter.csv"
    _write(src, np.maximum.accumulate(times))
    status, err = _import(capsys, str(src))
    assert status == 0, err
    line = next(line for line in err.splitlines() if line.startswith("time column"))
    assert "500 Hz used (derived from the time column" in line
    jitter_ms = float(line.split("± ")[1].split(" ms")[0])
    assert 0.015 < jitter_ms < 0.05
    reader = ReplayReader(src.with_suffix(".myoplay"))
    list(reader)
    assert reader.sources["csv"].rate_hz == 500.0
    assert not any(line.startswith("warning:") for line in err.splitlines())


@pytest.mark.parametrize(("header", "scale"), [("t_ms,emg", 1e3), ("Time [ms],emg", 1e3),
                                               ("t_ns,emg", 1e9), ("timestamp,emg", 1.0)])
def test_the_time_unit_comes_from_the_column_name(tmp_path, capsys, header, scale):
    src = tmp_path / "units.csv"
    _write(src, np.arange(100) / 250.0 * scale, header)
    status, err = _import(capsys, str(src))
    assert status == 0, err
    assert "250 Hz used (derived" in err


def test_a_named_time_column_with_its_unit(tmp_path, capsys):
    src = tmp_path / "named.csv"
    _write(src, np.arange(100) * 2.0, "clock,emg")
    status, err = _import(capsys, str(src))
    assert (status, "has no time column to give the sampling rate" in err) == (2, True)
    status, err = _import(capsys, str(src), "--time-column", "clock", "--time-unit", "ms")
    assert (status, "500 Hz used (derived" in err) == (0, True)


def test_stamps_across_sample_index_gaps_count_the_missing_samples(tmp_path, capsys):
    rows = [(i, i / 100.0) for i in [*range(0, 50), *range(80, 130)]]
    src = tmp_path / "gaps.csv"
    src.write_text("sample_index,t_s,emg\n" + "".join(f"{i},{t},{i}\n" for i, t in rows))
    status, err = _import(capsys, str(src), "--rate", "100")
    assert status == 0, err
    assert "warning" not in err
    records = list(ReplayReader(src.with_suffix(".myoplay")))
    gaps = [(g.first_index, g.n_missing) for g in records if isinstance(g, Gap)]
    assert gaps == [(50, 30)]
    assert sum(r.n_samples for r in records if isinstance(r, SampleFrame)) == 100


def test_a_time_column_that_does_not_advance_cannot_give_the_rate(tmp_path, capsys):
    src = tmp_path / "still.csv"
    _write(src, [1.0, 1.0, 1.0])
    status, err = _import(capsys, str(src))
    assert (status, err.count("\n")) == (2, 1)
    assert "does not advance" in err
    assert "--rate" in err


def test_a_time_column_in_an_unknown_unit_needs_its_unit(tmp_path, capsys):
    src = tmp_path / "minutes.csv"
    _write(src, np.arange(100) / 6000.0, "time (min),emg")
    status, err = _import(capsys, str(src))
    assert (status, "the time column 'time (min)' is in a unit not read" in err) == (2, True)
    status, err = _import(capsys, str(src), "--time-unit", "s")
    assert status == 0, err


def test_two_time_columns_need_one_chosen_and_the_other_skipped(tmp_path, capsys):
    src = tmp_path / "two.csv"
    src.write_text("time,t_ms,emg\n" + "".join(f"{i / 100},{i * 10},{i}\n" for i in range(50)))
    for options in ([], ["--time-column", "t_ms"]):
        status, err = _import(capsys, str(src), *options)
        assert (status, "has 2 time columns (time, t_ms)" in err) == (2, True)
    status, err = _import(capsys, str(src), "--time-column", "t_ms", "--skip", "time")
    assert (status, "100 Hz used (derived" in err) == (0, True)
