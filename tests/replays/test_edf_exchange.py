"""EDF+/BDF+: myoplay → EDF+/BDF+ → myoplay keeps the samples within the format's resolution,
every event and input as an annotation, the gaps and the muscles; edfio reads our files; damaged
files are refused in one line and no existing file is ever harmed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import edfio
import numpy as np
import pytest

from engine.messages import ChannelInfo, Gap, RuleEvent, SampleFrame, Side, SourceInfo, UserInput
from myoplay.cli import main
from replays.edf_export import ExchangeFormat
from replays.recording_arrays import load_source
from tests.replays.exchange_files import contents as _contents
from tests.replays.exchange_files import recording as _recording
from tests.replays.replay_fixtures import SOURCE, record


@pytest.mark.parametrize("fmt", list(ExchangeFormat))
def test_round_trip_keeps_samples_events_gaps_and_muscles(tmp_path, capsys, fmt):
    original = _recording(tmp_path)
    exported = tmp_path / f"session.{fmt.value}"
    assert main(["export", str(original), "--format", fmt.value]) == 0
    assert main(["import", str(exported), "-o", str(tmp_path / "back.myoplay")]) == 0
    source, samples, gaps, notes = _contents(original)
    back_source, back, back_gaps, markers = _contents(tmp_path / "back.myoplay")

    # Resolution: the physical range (the converter's rails) over the digital range.
    low, high = fmt.digital_range
    rails = np.iinfo(np.int16)
    resolution = (rails.max - rails.min) * SOURCE.scale / (high - low)
    assert back.shape == samples.shape
    assert np.abs(back - samples).max() <= resolution
    assert back_source.rate_hz == source.rate_hz
    assert back_source.labels == source.labels
    assert [(c.muscle, c.side) for c in back_source.channels] == [
        ("quadriceps", Side.LEFT), ("quadriceps", Side.RIGHT)]
    assert [(g.first_index, g.n_missing, g.reason) for g in back_gaps] == [
        (g.first_index - 0, g.n_missing, g.reason) for g in gaps]
    # Every event and input came back, as a marker at its own sample time.
    assert len(markers) == len(notes) == 7
    for note, marker in zip(notes, markers, strict=True):
        assert isinstance(marker, UserInput)
        assert marker.kind == "marker"
        assert abs(marker.t_ns - note.t_ns) <= 1e9 / SOURCE.rate_hz
        text = marker.value["annotation"]
        kind = "event" if isinstance(note, RuleEvent) else "input"
        assert text.startswith(f"{kind} {note.kind}")
    assert "imported 1180 samples of 2 channels" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", list(ExchangeFormat))
def test_edfio_reads_our_file(tmp_path, fmt):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", fmt.value]) == 0
    path = tmp_path / f"session.{fmt.value}"
    edf = edfio.read_edf(path) if fmt is ExchangeFormat.EDF else edfio.read_bdf(path)
    assert edf.labels == ("L-quad", "R-quad")
    assert {s.physical_dimension for s in edf.signals} == {"uV"}
    assert {s.sampling_frequency for s in edf.signals} == {2000.0}
    texts = [a.text for a in edf.annotations]
    assert texts.count("event hold_started L-quad {\"pct_mvc\":31.5}") == 3
    assert texts.count("input key {\"key\":\"space\"}") == 4
    assert "myoplay gap: 20 samples (radio)" in texts
    assert texts[-1] == "myoplay padding"
    # Rails as the physical range: a clipped sample sits at the edge, as on the device.
    low, high = edf.signals[0].physical_range
    assert low <= -32768 * SOURCE.scale + 1e-6
    assert high >= 32767 * SOURCE.scale - 1e-6


def test_mne_reads_our_file(tmp_path):
    mne = pytest.importorskip("mne", reason="MNE is not in the test extra here")
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "edf"]) == 0
    raw = mne.io.read_raw_edf(tmp_path / "session.edf", preload=True, verbose="error")
    assert raw.ch_names == ["L-quad", "R-quad"]


def test_float_source_uses_the_data_range(tmp_path):
    source = SourceInfo("f", "float device", "sim", 500.0,
                        (ChannelInfo("EMG1", "biceps", Side.LEFT),), dtype="<f4", unit="mV")
    data = np.linspace(-2.5, 1.25, 1000, dtype=np.float32).reshape(-1, 1)
    path = tmp_path / "float.myoplay"
    path.write_bytes(record([source, SampleFrame("f", 0, 0, 0, data)]))
    assert main(["export", str(path), "--format", "bdf"]) == 0
    signal = edfio.read_bdf(tmp_path / "float.bdf").signals[0]
    assert signal.physical_dimension == "mV"
    low, high = signal.physical_range
    assert -2.51 <= low <= -2.5
    assert 1.25 <= high <= 1.26
    assert np.abs(signal.data - data[:, 0]).max() < 1e-6
    assert main(["import", str(tmp_path / "float.bdf"), "-o", str(tmp_path / "b.myoplay")]) == 0
    _, back, _, _ = _contents(tmp_path / "b.myoplay")
    assert np.abs(back[:, 0] - data[:, 0] * 1000).max() < 1e-3  # mV → µV


def test_processed_export_adds_derived_signals_left_out_on_import(tmp_path, capsys):
    original = _recording(tmp_path, frames=200)
    assert main(["export", str(original), "--format", "edf", "--processed"]) == 0
    edf = edfio.read_edf(tmp_path / "session.edf")
    assert edf.labels == ("L-quad", "R-quad", "L-quad env", "L-quad mvc", "L-quad qual",
                          "R-quad env", "R-quad mvc", "R-quad qual")
    quality = edf.get_signal("L-quad qual").data
    mvc = edf.get_signal("L-quad mvc").data
    # No calibration in this session: no %MVC at all; the gap's samples are flagged.
    assert np.all(mvc == 0)
    assert np.any(quality > 0)
    assert main(["import", str(tmp_path / "session.edf"), "-o", str(tmp_path / "b.myoplay")]) == 0
    err = capsys.readouterr().err
    assert "left out: 6 signals derived by a processed export" in err
    source, _, _, _ = _contents(tmp_path / "b.myoplay")
    assert source.labels == ("L-quad", "R-quad")


def test_processed_export_gives_mvc_only_while_calibrated():
    source = SourceInfo("sim", "v", "sim", 1000.0, (ChannelInfo("a", "biceps"),), dtype="<f8")
    rng = np.random.default_rng(3)
    frames = [SampleFrame("sim", i, i * 100, i * 100_000_000, rng.normal(0, 50, (100, 1)))
              for i in range(30)]
    arrays = load_source(io.BytesIO(record([source, *frames])), processed=True)
    assert arrays.processed is not None
    assert not arrays.processed.calibrated
    assert np.isnan(arrays.processed.pct_mvc).all()
    assert arrays.processed.band.shape == arrays.samples.shape
    assert arrays.processed.envelope.shape == arrays.samples.shape == (3000, 1)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "header only", "empty", "bad numbers"])
def test_damaged_files_are_refused_in_one_line(tmp_path, capsys, damage):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "edf"]) == 0
    good = (tmp_path / "session.edf").read_bytes()
    bad = {
        "garbage": b"\x00\xff" * 400,
        "truncated": good[: len(good) // 3],
        "header only": good[:256 + 3 * 256],
        "empty": b"",
        "bad numbers": good[:236] + b"abcdefgh" + good[244:],
    }[damage]
    path = tmp_path / "damaged.edf"
    path.write_bytes(bad)
    capsys.readouterr()
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "damaged.edf" in err
    assert not (tmp_path / "damaged.myoplay").exists()


def test_existing_outputs_are_never_harmed(tmp_path, capsys):
    original = _recording(tmp_path)
    taken = tmp_path / "session.edf"
    taken.write_bytes(b"someone else's file")
    assert main(["export", str(original), "--format", "edf"]) == 2
    assert taken.read_bytes() == b"someone else's file"
    assert "already exists" in capsys.readouterr().err
    assert main(["export", str(original), "--format", "edf", "-o", str(original)]) == 2
    assert main(["export", str(original), "--format", "bdf", "-o", "-"]) == 2
    assert main(["export", str(original), "--format", "edf", "-o", str(tmp_path / "new.edf")]) == 0
    target = tmp_path / "new.myoplay"
    target.write_bytes(b"keep")
    assert main(["import", str(tmp_path / "new.edf")]) == 2
    assert target.read_bytes() == b"keep"
    assert main(["import", str(tmp_path / "new.edf"), "--rate", "100"]) == 2
    assert "only for CSV files" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "new.edf", "new.myoplay", "session.edf", "session.myoplay"]


def test_cut_off_file_imports_its_whole_records_with_a_warning(tmp_path, capsys):
    original = _recording(tmp_path, frames=200)  # 4000 samples: two data records of 1 s
    assert main(["export", str(original), "--format", "edf"]) == 0
    whole = (tmp_path / "session.edf").read_bytes()
    (tmp_path / "cut.edf").write_bytes(whole[: len(whole) - 1000])
    capsys.readouterr()
    assert main(["import", str(tmp_path / "cut.edf")]) == 0
    err = capsys.readouterr().err
    assert "warning: cut.edf: Incomplete data record" in err
    assert "imported 2000 samples" in err


def test_discontinuities_and_jumps_become_gaps(tmp_path):
    source = SourceInfo("d", "device", "sim", 1000.0, (ChannelInfo("a", "biceps"),),
                        dtype="<f4")
    block = np.arange(100, dtype=np.float32).reshape(-1, 1)
    records = [
        source,
        SampleFrame("d", 0, 0, 0, block),
        # The device's counter jumped: count unknown, about 50 ms lost.
        Gap("d", 100, -1, 100_000_000, 50_000_000, "discontinuity: counter jump"),
        SampleFrame("d", 1, 5000, 150_000_000, block + 100),
        # 100 samples missing with no gap record.
        SampleFrame("d", 2, 5200, 350_000_000, block + 200),
    ]
    path = tmp_path / "jumps.myoplay"
    path.write_bytes(record(records))
    assert main(["export", str(path), "--format", "bdf"]) == 0
    assert main(["import", str(tmp_path / "jumps.bdf"), "-o", str(tmp_path / "b.myoplay")]) == 0
    _, samples, gaps, _ = _contents(tmp_path / "b.myoplay")
    np.testing.assert_allclose(samples[:, 0], np.arange(300), atol=1e-3)
    assert [(g.first_index, g.n_missing, g.reason) for g in gaps] == [
        (100, 50, "discontinuity: counter jump"), (250, 100, "no gap record")]


def test_imported_bilateral_edf_with_a_marked_mvc_replays_under_symmetry_hold(tmp_path, capsys):
    """The golden session (both quadriceps and hamstrings, MVC efforts at 3–19 s) through EDF+:
    imported with its MVC segments it gets a calibration and a protocol, and a headless replay
    judges it with symmetry events."""
    golden = Path(__file__).parents[1] / "data" / "replays" / "quad_set_session.myoplay"
    original = tmp_path / "golden.myoplay"
    original.write_bytes(golden.read_bytes())
    assert main(["export", str(original), "--format", "edf"]) == 0
    imported = tmp_path / "judged.myoplay"
    assert main(["import", str(tmp_path / "golden.edf"), "-o", str(imported),
                 "--mvc-segment", "3.5:6.5", "--mvc-segment", "9.5:12.5",
                 "--mvc-segment", "15.5:18.5", "--rest-segment", "0.5:2.5",
                 "--protocol", "symmetry_hold"]) == 0
    assert "judged by symmetry_hold" in capsys.readouterr().err
    events = tmp_path / "events.jsonl"
    assert main(["replay", str(imported), "--headless", "--events-out", str(events)]) == 0
    kinds = [json.loads(line)["kind"] for line in events.read_text().splitlines()]
    assert any(kind.startswith("symmetry_") for kind in kinds)


def test_calibration_options_need_an_mvc(tmp_path, capsys):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "edf"]) == 0
    assert main(["import", str(tmp_path / "session.edf"), "-o", str(tmp_path / "x.myoplay"),
                 "--protocol", "symmetry_hold"]) == 2
    assert "need a calibration" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "session.edf"), "-o", str(tmp_path / "x.myoplay"),
                 "--mvc-marker", "mvc"]) == 2
    assert "only for CSV files" in capsys.readouterr().err
    assert not (tmp_path / "x.myoplay").exists()
