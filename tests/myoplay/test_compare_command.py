"""``myoplay compare``: a lab session's recording and an imported EDF+ with annotations,
analysed end to end (table, report, history rows); bad input is one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.calibration import Calibration
from engine.dsp import PipelineConfig
from engine.messages import RuleEvent, SampleFrame
from engine.protocol import builtin_protocol
from history.store import ClientRecord, HistoryStore
from myoplay.cli import main
from replays.comparison_recording import (
    analyse_recording,
    comparison_of_recording,
    marker_notes,
)
from replays.recording_arrays import SourceArrays, TimedNote, load_source
from replays.writer import RecordingWriter
from sensors.simulated import SimulatedSource
from tests.engine.comparison_patient import (
    RATE_HZ,
    VariationTruth,
    comparison_script,
    pipeline_mvc_uv,
)

CUE = builtin_protocol("cue_ab_glute_squeeze")
TRUTHS = [VariationTruth("no_cue", 0.40, reps=5), VariationTruth("with_cue", 0.55, reps=5)]
TIMING = {"work_s": 1.0, "rest_s": 1.5}


@pytest.fixture(scope="module")
def session() -> tuple[np.ndarray, dict[str, tuple[float, float]], SimulatedSource]:
    """The counts of a cue test on the virtual patient, its variations' times, its source."""
    from sensors.virtual_patient import PatientConfig, VirtualPatient
    from tests.engine.comparison_patient import GLUTE_CHANNELS

    script, spans = comparison_script(TRUTHS, seed=2, **TIMING)
    patient = VirtualPatient(PatientConfig(rate_hz=RATE_HZ, channels=GLUTE_CHANNELS), script,
                             seed=2)
    counts = patient.render(0, round(script.duration_s * RATE_HZ)).counts
    return counts, spans, SimulatedSource(patient)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, session) -> Path:
    return lab_recording(tmp_path_factory.mktemp("lab"), session)


def lab_recording(tmp_path: Path, session, *, events: bool = True,
                  extra: tuple[tuple[float, str], ...] = (),
                  lost_s: tuple[float, float] | None = None) -> Path:
    """A lab session's recording: ``extra`` events (time s, kind) besides the variations',
    and the frames in ``lost_s`` never written (a gap)."""
    counts, spans, simulated = session
    info = simulated.info
    calibration = Calibration(
        channels=info.labels, baseline_uv=(0.0,) * 4, noise_sd_uv=(1.0,) * 4,
        reference_uv=tuple(float(v) for v in pipeline_mvc_uv(30.0)),
        pipeline=PipelineConfig.for_source(info, mains_hz=50.0).signature())
    config = {"mains_hz": 50.0, "training": {"protocol": CUE.to_plain(),
                                             "calibration": calibration.to_plain()}}
    path = tmp_path / "cue.myoplay"
    with path.open("wb") as out:
        writer = RecordingWriter(out, seed=1, config=config, sources=[info], fsync=False)
        marks = sorted((start, "variation_started", name) for name, (start, _) in spans.items())
        marks += sorted((end, "variation_ended", name) for name, (_, end) in spans.items())
        marks += [(at, kind, "") for at, kind in extra]
        marks.sort()
        step = 200
        for seq, i in enumerate(range(0, counts.shape[0], step)):
            t_ns = round(i / RATE_HZ * 1e9)
            while events and marks and marks[0][0] * RATE_HZ <= i:
                at, kind, name = marks.pop(0)
                writer.write(RuleEvent(round(at * 1e9), kind, name))
            if lost_s is not None and lost_s[0] <= i / RATE_HZ < lost_s[1]:
                continue
            writer.write(SampleFrame(info.source_id, seq, i, t_ns, counts[i:i + step]))
        writer.close(summary={})
    return path


def test_a_lab_session_is_ranked_reported_and_filed(tmp_path, capsys, recorded) -> None:
    path = recorded
    store = tmp_path / "history.sqlite3"
    with HistoryStore(store) as history:
        history.add_client(ClientRecord("P-7", None, None, "2026-01-01T00:00:00"))
    report = tmp_path / "report"
    assert main(["compare", str(path), "--client", "P-7", "--report", str(report),
                 "--history", str(store)]) == 0
    out, err = capsys.readouterr()
    assert 'The cue "Squeeze your glutes at the top" raised mean activation by' in out
    assert "Bridge with cue" in out
    assert "mean activation in %MVC" in out
    assert "activation timing" in out
    assert sorted(p.name for p in report.iterdir()) == [
        "comparison-means.png", "comparison-reps.png", "comparison.pdf"]
    assert "filed in" in err
    db = sqlite3.connect(store)
    (winner, effect, low, high, client), = db.execute(
        "SELECT winner, cue_effect, cue_effect_low, cue_effect_high, client_id "
        "FROM comparisons").fetchall()
    assert winner == "with_cue"
    assert client == "P-7"
    assert low < 15.0 < high
    assert effect == pytest.approx(15.0, abs=4.0)
    reps = db.execute("SELECT variation_id, count(*) FROM comparison_reps GROUP BY 1").fetchall()
    assert sorted(reps) == [("no_cue", 5), ("with_cue", 5)]
    assert db.execute("SELECT count(*) FROM comparison_rep_muscles").fetchone()[0] == 40
    assert main(["history", "--history", str(store), "export", "P-7", "--table",
                 "comparison_variations"]) == 0
    exported = capsys.readouterr().out.splitlines()
    assert exported[0].startswith("recording_sha256,variation_id,name,rank")
    assert exported[1].split(",")[1:4] == ["with_cue", "Bridge with cue", "1"]
    # Filing the same recording again replaces its rows.
    assert main(["compare", str(path), "--history", str(store)]) == 0
    assert db.execute("SELECT count(*) FROM comparison_reps").fetchone()[0] == 10


def test_an_imported_edf_with_annotations_is_compared_in_microvolts(tmp_path, capsys,
                                                                      session) -> None:
    import edfio

    counts, spans, simulated = session
    info = simulated.info
    uv = counts.astype(np.float64) * info.scale
    signals = [edfio.EdfSignal(uv[:, c], RATE_HZ, label=label, physical_dimension="uV",
                               physical_range=(-8192.0, 8192.0))
               for c, label in enumerate(("GM-L", "GM-R", "HS-L", "HS-R"))]
    names = {"no_cue": "Bridge without cue", "with_cue": "Bridge with cue"}
    annotations = [edfio.EdfAnnotation(start, end - start, names[name])
                   for name, (start, end) in spans.items()]
    path = tmp_path / "lab.edf"
    edfio.Edf(signals, annotations=annotations).write(path)
    assert main(["compare", str(path), "--protocol", "cue_ab_glute_squeeze", "--no-history",
                 "--map", "GM-L=gluteus_maximus:left", "GM-R=gluteus_maximus:right",
                 "HS-L=hamstrings:left", "HS-R=hamstrings:right"]) == 0
    out = capsys.readouterr().out
    assert "no calibration: activations compared in µV" in out
    assert 'The cue "Squeeze your glutes at the top" raised mean activation by' in out
    assert "µV" in out


@pytest.mark.parametrize(("arguments", "message"), [
    (["--protocol", "quad_set"], "is a 'hold' protocol, not a comparison"),
    (["--protocol", "nonsense"], "unknown protocol 'nonsense'"),
    (["--client", "John Smith"], "is not a client id"),
    (["--client", "P-404"], "no client 'P-404'"),
    (["--map", "GM-L=gluteus_maximus"], "--map is for EDF"),
    (["--report", "taken", "--no-history"], "cannot write the report"),
])
def test_bad_options_are_one_line(tmp_path, capsys, recorded, arguments, message) -> None:
    path = recorded
    store = tmp_path / "h.sqlite3"
    (tmp_path / "taken").write_text("a file, not a folder")
    arguments = [str(tmp_path / a) if a == "taken" else a for a in arguments]
    assert main(["compare", str(path), "--history", str(store), *arguments]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_bad_files_and_missing_markers_are_one_line(tmp_path, capsys, session) -> None:
    unmarked = lab_recording(tmp_path, session, events=False)
    assert main(["compare", str(unmarked), "--no-history"]) == 2
    err = capsys.readouterr().err
    assert "no marker in the recording names a variation" in err
    assert err.count("\n") == 1
    junk = tmp_path / "junk.myoplay"
    junk.write_bytes(b"not a recording")
    assert main(["compare", str(junk), "--no-history"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["compare", str(tmp_path / "missing.myoplay")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_a_batch_gets_the_same_rows_from_a_pure_call(recorded) -> None:
    path = recorded
    rows = comparison_of_recording(path)
    assert rows.summary["winner"] == "with_cue"
    assert [row["variation_id"] for row in rows.variations] == ["with_cue", "no_cue"]
    assert len(rows.reps) == 10
    assert comparison_of_recording(path, builtin_protocol("cue_ab_glute_squeeze")) == rows


def test_every_import_format_s_marker_text_is_read(session) -> None:
    _, _, simulated = session
    notes = (TimedNote(1.0, None, 'input marker {"column":"label","value":"Hip thrust"}'),
             TimedNote(2.0, None, 'input marker {"annotation":"Glute bridge","duration_s":2.5}'),
             TimedNote(3.0, None, 'input marker {"event":"Squat","context":"","description":""}'),
             TimedNote(4.0, None, 'input marker {"stream":"cues","marker":"quad set"}'),
             TimedNote(5.0, None, "event variation_started no_cue"))
    arrays = SourceArrays(simulated.info, np.zeros((1, 4)), 0, notes, ())
    assert [(n.onset_s, n.duration_s, n.text) for n in marker_notes(arrays)] == [
        (1.0, None, "Hip thrust"), (2.0, 2.5, "Glute bridge"), (3.0, None, "Squat"),
        (4.0, None, "quad set"), (5.0, None, "event variation_started no_cue")]


def test_paused_stretches_and_gaps_are_left_out_as_the_lab_does(tmp_path, session) -> None:
    # Reps start every 2.5 s from 2 s: the third no-cue rep (7-8 s) meets the pause, the
    # second with-cue rep (17-18 s) is cut by lost frames.
    path = lab_recording(tmp_path, session, extra=((7.5, "user_paused"), (8.5, "user_resumed")),
                         lost_s=(17.4, 17.8))
    analysis = analyse_recording(load_source(path, processed=True), CUE)
    assert [(p.start_index, p.end_index) for p in analysis.pauses] == [(7500, 8500)]
    no_cue = analysis.reps["no_cue"]
    assert len(no_cue) == 4
    assert analysis.reps_outside == 1
    assert all(r.offset_index <= 7500 or r.onset_index >= 8500 for r in no_cue)
    with_cue = analysis.reps["with_cue"]
    cut_by_gap = [r for r in with_cue if r.onset_index < 17400 < r.offset_index + 1]
    assert [(r.offset_index, r.judged) for r in cut_by_gap] == [(17400, False)]
    assert sum(r.judged for r in with_cue) >= 3  # the reps after the gap are found again
