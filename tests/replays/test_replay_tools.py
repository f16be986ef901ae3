"""The replay command-line tools, through ``myoplay``'s own entry point."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from engine.calibration import Calibration
from engine.dsp import Pipeline, PipelineConfig
from engine.messages import (
    ChannelInfo,
    ConfigChange,
    Gap,
    QualityFlag,
    SampleFrame,
    SourceInfo,
)
from engine.training import CALIBRATION_KEY
from myoplay.cli import main
from replays.csv_export import export_csv
from replays.csv_import import import_csv
from replays.inspect import inspect_replay
from replays.reader import ReplayReader
from replays.writer import RecordingWriter
from tests.replays.replay_fixtures import (
    EIGHT_CHANNELS,
    LIBRARY_VERSIONS,
    SOURCE,
    craft,
    frame,
    record,
    session,
)


@pytest.fixture
def complete(tmp_path):
    path = tmp_path / "session.myoplay"
    path.write_bytes(record(session(300), summary={"holds": 5}))
    return path


@pytest.fixture
def truncated(tmp_path):
    path = tmp_path / "cut.myoplay"
    path.write_bytes(record(session(300))[:9000])
    return path


def test_verify_complete_exits_0(complete, capsys):
    assert main(["verify", str(complete)]) == 0
    assert capsys.readouterr().out == f"{complete}: complete: 404 records\n"


def test_verify_truncated_and_corrupt_exit_1_naming_the_record(complete, truncated, tmp_path,
                                                               capsys):
    corrupt = tmp_path / "bad.myoplay"
    data = bytearray(complete.read_bytes())
    data[5000] ^= 0x40
    corrupt.write_bytes(bytes(data))
    assert main(["verify", str(complete), str(truncated), str(corrupt)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("complete: 404 records")
    assert lines[1].startswith(f"{truncated}: truncated after record 70: ")
    assert lines[2].startswith(f"{corrupt}: corrupt at record ")


@pytest.mark.parametrize("command", ["verify", "inspect", "export"])
def test_missing_file_is_one_line_exit_2(command, tmp_path, capsys):
    assert main([command, str(tmp_path / "absent.myoplay")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("myoplay: error: ")
    assert "no such file" in err
    assert len(err.strip().splitlines()) == 1


def test_unsupported_version_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "future.myoplay"
    path.write_bytes(craft([], version=(3, 1)))
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert "replay format 3.1; this myoplay reads format 1.x" in err
    assert len(err.strip().splitlines()) == 1


def test_progress_only_when_asked_for_off_a_terminal(complete, capsys):
    main(["verify", str(complete)])
    assert capsys.readouterr().err == ""
    main(["verify", "--progress", str(complete)])
    err = capsys.readouterr().err
    assert "100%" in err


def test_inspect_json_reports_what_the_file_holds(complete, capsys):
    assert main(["inspect", "--json", str(complete)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"]["state"] == "complete"
    assert report["header"]["seed"] == 7
    assert report["header"]["library_versions"] == LIBRARY_VERSIONS
    assert report["duration_s"] == pytest.approx(3.0)
    sim = report["sources"]["sim"]
    assert (sim["samples"], sim["gaps"], sim["missing_samples"]) == (5980, 1, 20)
    assert [c["label"] for c in sim["channels"]] == ["L-quad", "R-quad"]
    assert report["calibration"][0]["value"] == {"mvc_uv": {"L-quad": 410.5, "R-quad": 388.0}}
    assert report["protocol"][0]["value"]["name"] == "quad sets"
    assert report["counts"]["frame"] == 299
    assert report["summary"] == {"holds": 5}
    assert report["errors"] == [{"t_s": 3.0, "actor": "render", "message": "slow frame"}]


def test_inspect_text_of_a_truncated_file_exits_1(truncated, capsys):
    assert main(["inspect", str(truncated)]) == 1
    text = capsys.readouterr().out
    assert "verdict:   truncated after record 70" in text
    assert "libraries: numpy 2.4.6, python 3.11.7, scipy 1.17.1" in text
    assert "L-quad (quadriceps, left)" in text


def test_export_then_import_gives_back_the_same_samples_in_uv(complete, tmp_path, capsys):
    out_csv = tmp_path / "s.csv"
    assert main(["export", str(complete), "--format", "csv", "-o", str(out_csv)]) == 0
    back = tmp_path / "back.myoplay"
    assert main(["import", str(out_csv), "--format", "csv", "--rate", "2000", "-o",
                 str(back)]) == 0
    original = [r for r in ReplayReader(complete) if isinstance(r, SampleFrame)]
    imported = ReplayReader(back)
    frames = [r for r in imported if isinstance(r, SampleFrame)]
    assert imported.sources["csv"].labels == SOURCE.labels
    want = [row for f in original for row in (f.data * SOURCE.scale).tolist()]
    got = [row for f in frames for row in f.data.tolist()]
    assert got == want
    gaps = [r for r in ReplayReader(back) if r.TAG == "gap"]
    assert [(g.first_index, g.n_missing) for g in gaps] == [(150 * 20, 20)]
    # A second export is byte-identical: nothing was lost or reformatted on the way.
    again = tmp_path / "again.csv"
    assert main(["export", str(back), "-o", str(again)]) == 0
    assert again.read_text() == out_csv.read_text()


def test_export_columns_and_source_choice(tmp_path):
    other = SourceInfo("imu", "IMU", "sim", 100.0, (ChannelInfo("acc", ""),), dtype="<f4")
    data = record([SOURCE, other, frame(0, samples=2),
                   SampleFrame("imu", 0, 0, 0, np.array([[1.5]], dtype="<f4"))])
    text = io.StringIO()
    result = export_csv(io.BytesIO(data), text)
    rows = list(csv.reader(io.StringIO(text.getvalue())))
    assert rows[0] == ["sample_index", "t_ns", "L-quad_uv", "R-quad_uv"]
    assert [r[:2] for r in rows[1:]] == [["0", "0"], ["1", "500000"]]
    assert (result.rows, result.other_sources) == (2, ("imu",))
    text = io.StringIO()
    export_csv(io.BytesIO(data), text, source_id="imu")
    assert text.getvalue().splitlines() == ["sample_index,t_ns,acc_uv", "0,0,1.5"]


def test_a_source_in_counts_exports_counts_columns_that_import_refuses(tmp_path, capsys):
    myo_like = SourceInfo("myo", "Myo", "myo", 200.0, (ChannelInfo("emg1", ""),), dtype="|i1",
                          unit="counts")
    data = record([myo_like, SampleFrame("myo", 0, 0, 0, np.array([[5], [-7]], dtype="|i1"))])
    text = io.StringIO()
    export_csv(io.BytesIO(data), text)
    assert text.getvalue().splitlines() == ["sample_index,t_ns,emg1_counts", "0,0,5.0",
                                            "1,5000000,-7.0"]
    exported = tmp_path / "myo.csv"
    exported.write_text(text.getvalue())
    assert main(["import", str(exported), "--format", "csv", "--rate", "200"]) == 2
    assert "holds device counts, not µV" in capsys.readouterr().err


def test_import_plain_numbers_with_labels(tmp_path):
    src = tmp_path / "raw.csv"
    src.write_text("\n".join(f"{i}.5,{-i}" for i in range(250)) + "\n")
    out = tmp_path / "raw.myoplay"
    result = import_csv(src, out, rate_hz=1000.0, labels=["VL", "VM"])
    assert (result.samples, result.labels, result.gaps) == (250, ("VL", "VM"), 0)
    reader = ReplayReader(out)
    frames = [r for r in reader if isinstance(r, SampleFrame)]
    assert sum(f.n_samples for f in frames) == 250
    assert frames[1].t_ns == 20_000_000
    assert reader.summary == {"import": {"file": "raw.csv", "samples": 250}}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("a,b\n1,2\n3,\n", "line 3, channel 'b': '' is not a finite number"),
        ("a,b\n1,2\nnan,1\n", "line 3, channel 'a': 'nan'"),
        ("a,b\n1,2\n3\n", "line 3: 1 columns, expected 2"),
        ("sample_index,a\n5,1\n4,2\n", "line 3: sample_index 4 does not follow 5"),
        ("sample_index,a\nx,1\n", "not a whole number"),
        ("a,a\n1,2\n", "labels repeat"),
        ("", "holds no samples"),
    ],
)
def test_import_refuses_bad_cells_naming_the_line(tmp_path, content, words, capsys):
    src = tmp_path / "bad.csv"
    src.write_text(content)
    assert main(["import", str(src), "--rate", "500"]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert len(err.strip().splitlines()) == 1


def test_import_refuses_wrong_label_count_and_rate(tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("1,2\n")
    assert main(["import", str(src), "--rate", "500", "--labels", "only-one"]) == 2
    assert "1 labels given for the 2 channel columns" in capsys.readouterr().err
    assert main(["import", str(src), "--rate", "0"]) == 2
    assert "positive" in capsys.readouterr().err


def test_inspect_of_an_eight_channel_file(tmp_path):
    data = record([EIGHT_CHANNELS, *(frame(i, source=EIGHT_CHANNELS) for i in range(100))])
    report = inspect_replay(io.BytesIO(data))
    assert report.sources["emg"]["samples"] == 2000
    assert report.duration_s == pytest.approx(1.0)


def test_inspect_of_a_format_1_0_file_names_no_libraries():
    data = record([SOURCE], format_version=(1, 0), library_versions={})
    text = inspect_replay(io.BytesIO(data)).render()
    assert "format:    1.0 (engine" in text
    assert "libraries: none" in text


def _calibration(mains_hz: float | None = 50.0) -> Calibration:
    signature = PipelineConfig.for_source(SOURCE, mains_hz=mains_hz).signature()
    return Calibration(
        channels=SOURCE.labels,
        baseline_uv=(2.0, 3.0),
        noise_sd_uv=(0.5, 0.5),
        reference_uv=(80.0, 120.0),
        pipeline=signature,
    )


def test_processed_export_runs_the_engine_pipeline_with_recorded_calibrations(tmp_path):
    frames = [frame(i) for i in range(120)]
    lost = frames[10]
    calibration = ConfigChange(frames[40].t_ns, CALIBRATION_KEY, _calibration().to_plain())
    records = [SOURCE, *frames[:10],
               Gap("sim", lost.first_index, 20, lost.t_ns, 10_000_000, "radio"),
               *frames[11:40], calibration, *frames[40:]]
    text = io.StringIO()
    result = export_csv(io.BytesIO(record(records)), text, processed=True)
    rows = list(csv.reader(io.StringIO(text.getvalue())))
    assert rows[0][:6] == ["sample_index", "t_ns", "L-quad_uv", "L-quad_envelope_uv",
                           "L-quad_pct_mvc", "L-quad_quality"]
    body = rows[1:]
    assert result.rows == len(body) == 120 * 20
    assert [int(r[0]) for r in body] == list(range(2400))

    pipeline = Pipeline(PipelineConfig.for_source(SOURCE, mains_hz=50.0))
    expected = []
    for item in records[1:]:
        if isinstance(item, ConfigChange):
            pipeline.set_calibration(Calibration.from_plain(item.value))
            continue
        block = pipeline.process(item) if isinstance(item, SampleFrame) else pipeline.gap(item)
        expected += np.asarray(block.envelope_uv).tolist()
    assert [[float(r[3]), float(r[7])] for r in body] == expected
    gap_rows = body[200:220]
    assert all(r[2] == "" and int(r[5]) & QualityFlag.GAP for r in gap_rows)
    assert all(r[4] == "" for r in body[:800])
    # After the gap the filters settle (flagged GAP): %MVC only once they have.
    settled = 220 + pipeline.settle_n
    assert all(r[4] == "" and int(r[5]) & QualityFlag.GAP for r in body[800:settled])
    assert all(r[4] != "" and r[5] == "0" for r in body[settled:])


def test_processed_export_refuses_a_calibration_from_another_pipeline(tmp_path, capsys):
    path = tmp_path / "s.myoplay"
    change = ConfigChange(0, CALIBRATION_KEY, _calibration(mains_hz=60.0).to_plain())
    path.write_bytes(record([SOURCE, change, frame(0)]))
    assert main(["export", str(path), "--processed", "-o", str(tmp_path / "o.csv")]) == 2
    assert "--mains" in capsys.readouterr().err
    assert main(["export", str(path), "--processed", "--mains", "60", "-o",
                 str(tmp_path / "o.csv"), "--overwrite"]) == 0


def test_processed_export_of_a_long_gap_matches_the_pipeline_times():
    gap = Gap("sim", 20, 9000, frame(1).t_ns, 4_500_000_000, "radio")
    text = io.StringIO()
    result = export_csv(io.BytesIO(record([SOURCE, frame(0), gap, frame(451)])), text,
                        processed=True)
    rows = list(csv.reader(io.StringIO(text.getvalue())))[1:]
    assert result.rows == len(rows) == 20 + 9000 + 20
    pipeline = Pipeline(PipelineConfig.for_source(SOURCE))
    pipeline.process(frame(0))
    want = pipeline.gap(gap).sample_times_ns().tolist()
    assert [int(r[1]) for r in rows[20:9020]] == want


def test_failed_export_and_import_leave_no_output(truncated, tmp_path):
    out_csv = tmp_path / "cut.csv"
    assert main(["export", str(truncated), "-o", str(out_csv)]) == 2
    assert main(["export", str(tmp_path / "absent.myoplay"), "-o", str(out_csv)]) == 2
    assert list(tmp_path.glob("cut.csv*")) == []
    assert main(["export", str(truncated), "-o", str(out_csv), "--allow-truncated"]) == 0
    assert out_csv.read_text().count("\n") == 1 + 50 * 20
    bad = tmp_path / "bad.csv"
    bad.write_text("a\n" + "1\n" * 5000 + "oops\n")
    assert main(["import", str(bad), "--rate", "100"]) == 2
    assert not bad.with_suffix(".myoplay").exists()


def test_processed_export_takes_mains_and_starting_calibration_from_the_header():
    start = _calibration(mains_hz=60.0)
    buffer = io.BytesIO()
    writer = RecordingWriter(
        buffer,
        config={"mains_hz": 60.0, "training": {"calibration": start.to_plain()}},
        sources=[SOURCE],
        fsync=False,
    )
    for seq in range(10):
        writer.write(frame(seq))
    writer.close()
    text = io.StringIO()
    export_csv(io.BytesIO(buffer.getvalue()), text, processed=True)
    rows = list(csv.reader(io.StringIO(text.getvalue())))[1:]
    pipeline = Pipeline(PipelineConfig.for_source(SOURCE, mains_hz=60.0))
    pipeline.set_calibration(start)
    want = [row for seq in range(10) for row in pipeline.process(frame(seq)).pct_mvc.tolist()]
    assert [[float(r[4]), float(r[8])] for r in rows] == want


def test_inspect_shows_the_starting_protocol_and_calibration_from_the_header():
    start = _calibration()
    buffer = io.BytesIO()
    training = {"protocol": {"id": "quad_sets", "name": "Quad sets"},
                "calibration": start.to_plain()}
    writer = RecordingWriter(buffer, config={"training": training}, sources=[SOURCE],
                             fsync=False)
    writer.write(ConfigChange(5, "rules.protocol", "glute_bridge"))
    writer.close()
    report = inspect_replay(io.BytesIO(buffer.getvalue()))
    assert [(e["t_s"], e["key"]) for e in report.protocol] == [
        (None, "training.protocol"), (5e-9, "rules.protocol")]
    text = report.render()
    assert "at start training.protocol = quad_sets (Quad sets)" in text
    assert "at start training.calibration = mvc reference: L-quad 80 µV, R-quad 120 µV" in text
