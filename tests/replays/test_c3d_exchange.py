"""C3D: our files read by the pure-Python ``c3d`` package with the same samples (float32),
channels and events; myoplay → C3D → myoplay keeps samples, gaps, muscles and events; foreign
files are parsed in a child process, so a crash of the native reader is one line."""

from __future__ import annotations

import warnings
from pathlib import Path

import c3d
import numpy as np
import pytest

from engine.errors import ReplayError
from engine.messages import ChannelInfo, RuleEvent, SampleFrame, Side, SourceInfo
from myoplay.cli import main
from replays.c3d_import import read_c3d_recording
from tests.replays.exchange_files import contents as _contents
from tests.replays.exchange_files import recording as _recording
from tests.replays.replay_fixtures import record, session


def _read_with_c3d_package(path: Path) -> tuple[c3d.Reader, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No point data found": an analog-only file
        with path.open("rb") as handle:
            reader = c3d.Reader(handle)
            analog = np.concatenate([a for _, _, a in reader.read_frames()], axis=1)
    return reader, analog


def test_c3d_package_reads_our_samples_channels_and_events(tmp_path):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d"]) == 0
    reader, analog = _read_with_c3d_package(tmp_path / "session.c3d")
    source, samples, _, notes = _contents(original)
    assert reader.analog_rate == source.rate_hz
    assert [label.strip() for label in reader.analog_labels] == list(source.labels)
    units = reader.get("ANALOG:UNITS").string_array
    assert [u.strip() for u in units] == ["uV", "uV"]
    # The file holds the samples with the gap zero-filled, then the padding of the last frame.
    gap_at, gap_n = 600, 20
    expected = np.concatenate([samples[:gap_at], np.zeros((gap_n, 2)), samples[gap_at:]])
    assert analog.shape[1] >= expected.shape[0]
    np.testing.assert_allclose(analog[:, : expected.shape[0]].T, expected.astype(np.float32),
                               rtol=0, atol=0)
    labels = [label.strip() for label in reader.get("EVENT:LABELS").string_array]
    assert labels.count("hold_started") == 3
    assert labels.count("key") == 4
    contexts = [c.strip() for c in reader.get("EVENT:CONTEXTS").string_array]
    assert contexts[labels.index("hold_started")] == "Left"  # the subject L-quad's side
    assert len(notes) == 7


def test_round_trip_keeps_samples_gaps_muscles_and_events(tmp_path, capsys):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d"]) == 0
    assert main(["import", str(tmp_path / "session.c3d"), "-o", str(tmp_path / "b.myoplay")]) == 0
    source, samples, gaps, notes = _contents(original)
    back_source, back, back_gaps, markers = _contents(tmp_path / "b.myoplay")
    np.testing.assert_array_equal(back, samples.astype(np.float32))
    assert [(c.muscle, c.side) for c in back_source.channels] == [
        (c.muscle, c.side) for c in source.channels]
    assert [(g.first_index, g.n_missing, g.reason) for g in back_gaps] == [
        (g.first_index, g.n_missing, g.reason) for g in gaps]
    assert len(markers) == len(notes)
    for note, marker in zip(notes, markers, strict=True):
        assert marker.value["event"] == note.kind
        assert abs(marker.t_ns - note.t_ns) <= 1e6
    assert "with 7 markers and 1 gaps" in capsys.readouterr().err


def test_events_past_the_limit_are_reported(tmp_path, capsys):
    source = SourceInfo("f", "device", "sim", 1000.0, (ChannelInfo("a", "biceps", Side.LEFT),),
                        dtype="<f4")
    events = [RuleEvent(i * 1_000_000, "zone_entered", "a") for i in range(300)]
    path = tmp_path / "many.myoplay"
    data = np.zeros((1000, 1), dtype=np.float32)
    path.write_bytes(record([source, SampleFrame("f", 0, 0, 0, data), *events]))
    assert main(["export", str(path), "--format", "c3d"]) == 0
    assert "not exported: 45 events past C3D's 255" in capsys.readouterr().err


def test_a_crash_of_the_native_reader_is_one_line(tmp_path, capsys):
    # ezc3d segfaults on files written by the c3d package (ecosystem.md): the child dies, we not.
    writer = c3d.Writer(point_rate=100, analog_rate=1000)
    writer.set_analog_labels(["a", "b"])
    for i in range(50):
        writer.add_frames([(np.zeros((0, 5)), np.full((2, 10), float(i)))])
    path = tmp_path / "foreign.c3d"
    with path.open("wb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No point data found": analog only, on purpose
        writer.write(handle)
    status = main(["import", str(path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "foreign.c3d" in err
    assert not (tmp_path / "foreign.myoplay").exists()


@pytest.mark.parametrize("damage", ["empty", "header only", "garbage"])
def test_damaged_files_are_refused_in_one_line(tmp_path, capsys, damage):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d"]) == 0
    good = (tmp_path / "session.c3d").read_bytes()
    bad = {"empty": b"", "header only": good[:512], "garbage": bytes(range(256)) * 8}[damage]
    path = tmp_path / "damaged.c3d"
    path.write_bytes(bad)
    capsys.readouterr()
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("myoplay: error: damaged.c3d: ")
    assert not (tmp_path / "damaged.myoplay").exists()


def test_a_cut_off_file_imports_what_it_holds_with_a_warning(tmp_path, capsys):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d"]) == 0
    good = (tmp_path / "session.c3d").read_bytes()
    (tmp_path / "cut.c3d").write_bytes(good[: len(good) // 2])
    capsys.readouterr()
    assert main(["import", str(tmp_path / "cut.c3d")]) == 0
    err = capsys.readouterr().err
    assert "warning: cut.c3d: cut off: its header declares 60 frames, the file holds 22" in err
    assert "imported 440 samples" in err
    assert "and 0 gaps" in err  # the gap was past the cut


def test_a_reader_that_hangs_is_stopped(tmp_path):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d"]) == 0
    with pytest.raises(ReplayError, match="did not finish within"):
        read_c3d_recording(tmp_path / "session.c3d", timeout_s=0.01)


def test_processed_c3d_is_refused(tmp_path, capsys):
    original = _recording(tmp_path)
    assert main(["export", str(original), "--format", "c3d", "--processed"]) == 2
    assert "--processed is for CSV, EDF and BDF" in capsys.readouterr().err
    assert not (tmp_path / "session.c3d").exists()


def test_session_with_frames_only_is_exported(tmp_path):
    path = tmp_path / "plain.myoplay"
    path.write_bytes(record(session(10)))
    assert main(["export", str(path), "--format", "c3d"]) == 0
    _, analog = _read_with_c3d_package(tmp_path / "plain.c3d")
    assert analog.shape == (2, 200)
