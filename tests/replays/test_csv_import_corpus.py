"""``myoplay import`` on a corpus of the CSV files labs really produce, and of broken ones.

Every file either imports with the right samples or is refused in one line naming the line; no
run leaves a traceback, and no file that existed before a run is ever deleted or changed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ReplayError
from engine.messages import QualityFlag, SampleFrame, UserInput
from myoplay.cli import main
from replays.csv_import import import_csv
from replays.reader import ReplayReader

LATIN1_HEADER = "time_s;left (µV);right (µV)\r\n"


def _samples(path: Path) -> np.ndarray:
    reader = ReplayReader(path)
    frames = [r for r in reader if isinstance(r, SampleFrame)]
    source = reader.sources["csv"]
    return np.concatenate([f.data for f in frames]) * source.scale


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file's modification time and content digest."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in folder.iterdir() if p.is_file()
    }


def _import(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(["import", *argv])
    return status, capsys.readouterr().err


# Each case: file name, bytes, extra options, and the samples the replay must hold.
ACCEPTED = [
    ("utf8.csv", b"left,right\n1.5,-2\n3,4e-1\n", [], [[1.5, -2.0], [3.0, 0.4]]),
    ("bom.csv", b"\xef\xbb\xbfleft,right\n1,2\n", [], [[1.0, 2.0]]),
    ("utf16.csv", "left\tright\n1\t2\n-3\t4\n".encode("utf-16"), [], [[1.0, 2.0], [-3.0, 4.0]]),
    ("latin1.csv", (LATIN1_HEADER + "0,000;1,5;2,5\r\n0,010;3,5;-4,5\r\n").encode("latin-1"),
     [], [[1.5, 2.5], [3.5, -4.5]]),
    ("cp1252.csv", "l€ft;right\n1,5;2\n".encode("cp1252"), [], [[1.5, 2.0]]),
    ("pipe.csv", b"a|b\n1|2\n", [], [[1.0, 2.0]]),
    ("spaces.txt", b"  1   2\n3 4  \n", [], [[1.0, 2.0], [3.0, 4.0]]),
    ("forced.csv", b"a:b\n1:2\n", ["--delimiter", ":"], [[1.0, 2.0]]),
    ("volts.csv", b"emg_v\n0.001\n-0.002\n", [], [[0.001], [-0.002]]),
    ("scaled.csv", b"a\n10\n-20\n", ["--scale", "0.5"], [[5.0], [-10.0]]),
    ("jitter.csv", b"time,emg\n0,1\n0.0102,2\n0.0197,3\n0.0301,4\n", [],
     [[1.0], [2.0], [3.0], [4.0]]),
    ("huge.csv", b"a,b\n1e308,1e308\n-1.5E+3, 2.\n", [], [[1e308, 1e308], [-1500.0, 2.0]]),
    ("onecolumn.csv", b"emg\n1,5\n-2,25\n", ["--decimal-comma"], [[1.5], [-2.25]]),
    ("quoted.csv", b'"left","right"\r\n"1.5","2"\r\n', [], [[1.5, 2.0]]),
]


@pytest.mark.parametrize(("name", "content", "options", "want"), ACCEPTED,
                         ids=[case[0] for case in ACCEPTED])
def test_lab_conventions_import_with_their_samples(tmp_path, capsys, name, content, options,
                                                   want):
    src = tmp_path / name
    src.write_bytes(content)
    status, err = _import(capsys, str(src), "--rate", "100", *options)
    assert status == 0, err
    assert _samples(src.with_suffix(".myoplay")).tolist() == want


def test_the_header_states_the_unit_and_the_import_says_how_it_read_the_file(tmp_path, capsys):
    src = tmp_path / "latin1.csv"
    src.write_bytes((LATIN1_HEADER + "0,000;1,5;2,5\r\n0,010;1;2\r\n").encode("latin-1"))
    status, err = _import(capsys, str(src), "--rate", "100")
    assert status == 0
    assert "read as cp1252, semicolon-separated, decimal comma; samples in uV" in err
    reader = ReplayReader(src.with_suffix(".myoplay"))
    list(reader)
    source = reader.sources["csv"]
    assert (source.labels, source.unit) == (("left", "right"), "uV")
    volts = tmp_path / "volts.csv"
    volts.write_text("a (mV),b (mV)\n1,2\n")
    assert _import(capsys, str(volts), "--rate", "100", "--units", "uV")[0] == 2


# Each case: bytes, the words the one-line refusal must hold.
REFUSED = [
    (b"", "holds no samples"),
    (b"left,right\n", "holds a header but no samples"),
    (b"\n\n  \n", "holds no samples"),
    (b"myhost\n", "holds a header but no samples"),
    (b"a,b\n1,2\n3,4,5\n", "line 3: 3 columns, expected 2"),
    (b"a,b\n1,2\n3\n", "line 3: 1 columns, expected 2"),
    (b"a,b,c\n1\n", "line 2: 1 columns, expected 3"),
    (b"a,b\nx\n", "line 2: 1 columns, expected 2"),
    ("a,b\n1,2\n\u0661\u0662\u0663,4\n".encode(), "line 3, channel 'a': '١٢٣' is written with "
     "non-ASCII digits"),
    ("a,b\n\uff11\uff12,4\n".encode(), "line 2, channel 'a': '１２' is written with non-ASCII"),
    (b"a,b\n1_000,4\n", "line 2, channel 'a': '1_000' has digit-group separators"),
    (b"a,b\n1,2\nnan,4\n", "line 3, channel 'a': 'nan' is not a finite number"),
    (b"a,b\n1,2\n1e999,4\n", "line 3, channel 'a': '1e999' is not a finite number"),
    (b"a,b\n1,\n", "line 2, channel 'b': '' is not a finite number"),
    (b"a,b\n1,2\n1,rest\n", "line 3, channel 'b': 'rest' is not a finite number"),
    (b"a,b\nNA,2\n", "line 2, channel 'a': 'NA' is not a finite number"),
    (b"a;b\n1.5;2,5\n", "line 2, channel 'a': '1.5' has a point in a file whose decimal mark"),
    (b"a\n" + b"1" * 200_000 + b"\n", "line 2: a cell longer than 256 characters"),
    (b"a\n\"" + b"1" * 300 + b"\"\n", "line 2, column 1: a cell of 300 characters"),
    (b"a\n" + b"1" * (2 << 20) + b"\n", "line 2: longer than 1048576 characters"),
    (b",".join(b"c%d" % i for i in range(70_000)) + b"\n1\n", "line 1: 70000 columns"),
    (b"a\n1\n\"open quote\n", "line 3"),
    (b"a\n" + b"1\n" * 40_000 + b"\xff\n", "line 40002: not utf-8 text"),
    ("a\n1\n2\n".encode("utf-16")[:-1], "line 3"),
    (b"a,b\x00\n1,2\n", "line 1: holds NUL bytes"),
    (b"t_s,a\n0,1\n0.01,2\n0.005,3\n", "line 4: time 0.005 in column 't_s' is earlier"),
    (b"sample_index,a\n5,1\n4,2\n", "line 3: sample_index 4 does not follow 5"),
    (b"sample_index,a\n1.5,1\n", "line 2: sample_index '1.5' is not a whole number"),
    (b"a,a\n1,2\n", "labels repeat"),
    (b",".join(b"c%d" % i for i in range(100)) + b"\n" + b"1," * 99 + b"1\n",
     "line 1: source 'csv': 100 channels, at most 64"),
    (b"a\x1b[2J,b\n1,2\n", "line 1: source 'csv': channel label 'a\\\\x1b[2J' holds control"),
    (b"a_counts\n5\n", "holds device counts, not µV"),
]


def test_corpus_never_tracebacks_refuses_in_one_line_and_changes_no_existing_file(
    tmp_path, capsys
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number, (content, _) in enumerate(REFUSED):
        (corpus / f"bad{number}.csv").write_bytes(content)
    for name, content, _, _ in ACCEPTED:
        (corpus / name).write_bytes(content)
    # Outputs that exist before: a failed run with --overwrite must leave each as it was.
    for number in range(len(REFUSED)):
        (corpus / f"bad{number}.myoplay").write_bytes(b"precious")
    before = _snapshot(corpus)
    for number, (_, words) in enumerate(REFUSED):
        src = corpus / f"bad{number}.csv"
        for extra in (["-o", str(corpus / f"fresh{number}.myoplay")], ["--overwrite"]):
            status, err = _import(capsys, str(src), "--rate", "100", *extra)
            assert status == 2, (number, err)
            assert err.count("\n") == 1, err
            assert err.startswith("myoplay: error: "), err
            assert words in err, (number, err)
            assert "Traceback" not in err
        assert not (corpus / f"fresh{number}.myoplay").exists()
    # Accepted files beside them; an existing output is refused without --overwrite.
    for name, _, options, _ in ACCEPTED:
        status, err = _import(capsys, str(corpus / name), "--rate", "100", *options)
        assert status == 0, err
        status, err = _import(capsys, str(corpus / name), "--rate", "100", *options)
        assert status == 2
        assert "already exists" in err
    after = _snapshot(corpus)
    assert {name: after[name] for name in before} == before
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]


def test_an_output_that_is_the_input_or_a_device_is_refused_and_kept(tmp_path, capsys):
    src = tmp_path / "c.csv"
    src.write_text("a\n1\n")
    before = _snapshot(tmp_path)
    assert before
    status, err = _import(capsys, str(src), "--rate", "100", "-o", str(src), "--overwrite")
    assert status == 2
    assert "is the input file itself" in err
    link = tmp_path / "same.myoplay"
    os.link(src, link)
    status, err = _import(capsys, str(src), "--rate", "100", "-o", str(link), "--overwrite")
    assert (status, "is the input file itself" in err) == (2, True)
    status, err = _import(capsys, str(src), "--rate", "100", "-o", os.devnull, "--overwrite")
    assert (status, "is not a regular file" in err) == (2, True)
    assert os.path.exists(os.devnull)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    status, err = _import(capsys, str(src), "--rate", "100", "-o", str(fifo), "--overwrite")
    assert (status, "is not a regular file" in err) == (2, True)
    status, err = _import(capsys, str(src), "--rate", "100", "-o", str(tmp_path / "no" / "x"))
    assert (status, "does not exist" in err) == (2, True)
    after = _snapshot(tmp_path)
    assert {name: after[name] for name in before} == before


def test_overwrite_replaces_an_existing_output_only_when_the_import_succeeds(tmp_path, capsys):
    src = tmp_path / "c.csv"
    out = tmp_path / "c.myoplay"
    out.write_bytes(b"old")
    src.write_text("a\n1\n2\nx\n")
    assert _import(capsys, str(src), "--rate", "100", "--overwrite")[0] == 2
    assert out.read_bytes() == b"old"
    src.write_text("a\n1\n2\n")
    assert _import(capsys, str(src), "--rate", "100", "--overwrite")[0] == 0
    assert _samples(out).tolist() == [[1.0], [2.0]]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "stream.csv"
    os.mkfifo(path)
    return path


def _feed(path: Path, text: str) -> threading.Thread:
    def write() -> None:
        with open(path, "w") as out:
            out.write(text)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_of_many_lines_imports_without_seeking(fifo, tmp_path, capsys):
    rows = 20_000
    writer = _feed(fifo, "t_ms\tx\n" + "".join(f"{i}\t{i % 7}\n" for i in range(rows)))
    out = tmp_path / "stream.myoplay"
    status, err = _import(capsys, str(fifo), "-o", str(out), "--progress")
    writer.join(5)
    assert status == 0, err
    assert "1000 Hz used (derived from the time column" in err
    assert _samples(out)[:, 0].tolist() == [float(i % 7) for i in range(rows)]


def test_a_refused_fifo_names_its_line(fifo, tmp_path, capsys):
    writer = _feed(fifo, "a\n" + "1\n" * 5000 + "oops\n")
    status, err = _import(capsys, str(fifo), "--rate", "100", "-o", str(tmp_path / "o.myoplay"))
    writer.join(5)
    assert (status, err.count("\n")) == (2, 1)
    assert "line 5002, channel 'a': 'oops'" in err
    assert not (tmp_path / "o.myoplay").exists()


def test_label_columns_become_markers_and_skipped_columns_are_left_out(tmp_path, capsys):
    src = tmp_path / "labels.csv"
    src.write_text("emg,class,note\n1,0,a\n2,0,b\n3,1,c\n4,1,d\n5,0,e\n")
    status, err = _import(capsys, str(src), "--rate", "100", "--skip", "note")
    assert status == 0, err
    out = src.with_suffix(".myoplay")
    reader = ReplayReader(out)
    markers = [(r.t_ns, r.value) for r in list(reader) if isinstance(r, UserInput)]
    assert reader.sources["csv"].labels == ("emg",)
    assert markers == [(0, {"column": "class", "value": "0"}),
                       (20_000_000, {"column": "class", "value": "1"}),
                       (40_000_000, {"column": "class", "value": "0"})]
    assert "3 marker changes" in err


def test_rails_store_counts_whose_limits_the_quality_checks_flag(tmp_path, capsys):
    src = tmp_path / "adc.csv"
    rng = np.random.default_rng(3)
    values = np.round(rng.normal(0, 50, 3000)).astype(int)
    clipped = [500, 1500, 2500]
    values[clipped] = [2047, -2048, 2100]
    src.write_text("adc\n" + "".join(f"{v}\n" for v in values))
    status, err = _import(capsys, str(src), "--rate", "1000", "--units", "counts",
                          "--rails=-2048,2047")
    assert status == 0, err
    assert "3 samples at the rails" in err
    reader = ReplayReader(src.with_suffix(".myoplay"))
    frames = [r for r in reader if isinstance(r, SampleFrame)]
    source = reader.sources["csv"]
    assert (source.unit, source.dtype) == ("counts", "<i4")
    pipeline = Pipeline(PipelineConfig.for_source(source))
    flags = np.concatenate([pipeline.feed(f).quality[:, 0] for f in frames])
    saturated = (flags & QualityFlag.SATURATED).astype(bool)
    assert saturated[clipped].all()
    assert not saturated[[200, 1000, 2000, 2900]].any()
    kept = np.concatenate([f.data[:, 0] for f in frames]) * source.scale
    unclipped = np.ones(len(values), dtype=bool)
    unclipped[clipped] = False
    assert kept[unclipped] == pytest.approx(values[unclipped], abs=1e-5)
    assert _import(capsys, str(src), "--rate", "1000", "--units", "counts", "-o",
                   str(tmp_path / "n.myoplay"))[1].count("--rails") == 1
    assert "not symmetric" in _import(capsys, str(src), "--rate", "100", "--rails=-10,5",
                                      "-o", str(tmp_path / "m.myoplay"))[1]
    assert "the low one below 0" in _import(capsys, str(src), "--rate", "100", "--rails=0,4095",
                                      "-o", str(tmp_path / "m.myoplay"))[1]


def test_a_headerless_lab_file_with_a_preamble(tmp_path, capsys):
    """The UCI lower-limb excerpt: 7 lines of text, then RF BF VM ST (mV) and a knee angle."""
    src = Path(__file__).parents[1] / "data" / "uci_5Nsen_first7s.txt"
    out = tmp_path / "uci.myoplay"
    status, err = _import(capsys, str(src), "--skip-lines", "7", "--skip", "5", "--labels",
                          "RF", "BF", "VM", "ST", "--units", "mV", "--rate", "1000", "-o",
                          str(out), "--map", "RF=rectus_femoris:right")
    assert status == 0, err
    reader = ReplayReader(out)
    list(reader)
    source = reader.sources["csv"]
    assert (source.labels, source.unit) == (("RF", "BF", "VM", "ST"), "mV")
    assert source.channels[0].muscle == "rectus_femoris"
    assert _samples(out)[0].tolist() == [0.0007, -0.0015, -0.0008, 0.003]


def test_the_library_call_guards_its_output_too(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("a\n1\n")
    with pytest.raises(ReplayError, match="is the input file itself"):
        import_csv(src, src, rate_hz=100.0, overwrite=True)
    with pytest.raises(ReplayError, match="is not a regular file"):
        import_csv(src, os.devnull, rate_hz=100.0, overwrite=True)
    assert src.read_text() == "a\n1\n"
    assert os.path.exists(os.devnull)


def test_a_late_byte_of_another_encoding_names_its_line_and_encoding_fixes_it(tmp_path, capsys):
    rows = 20_000
    text = "emg,phase\n" + "1,rest\n" * rows + "2,señal\n"
    src = tmp_path / "late.csv"
    src.write_bytes(text.encode("latin-1"))
    status, err = _import(capsys, str(src), "--rate", "100")
    assert (status, err.count("\n")) == (2, 1)
    assert f"line {rows + 2}: not utf-8 text" in err
    assert "--encoding" in err
    status, err = _import(capsys, str(src), "--rate", "100", "--encoding", "latin-1")
    assert status == 0, err
    markers = [r.value for r in ReplayReader(src.with_suffix(".myoplay"))
               if isinstance(r, UserInput)]
    assert markers[-1] == {"column": "phase", "value": "señal"}
    assert "'nope' is not a known text encoding" in _import(
        capsys, str(src), "--rate", "100", "--encoding", "nope", "-o", str(tmp_path / "x"))[1]


@pytest.mark.parametrize("separator", [",", " "])
def test_lines_are_counted_from_the_top_of_the_file_past_a_preamble(tmp_path, capsys,
                                                                     separator):
    src = tmp_path / "preamble.txt"
    src.write_text(f"Subject 3\nRecorded 2026\n\na{separator}b\n1{separator}2\n1{separator}x\n")
    status, err = _import(capsys, str(src), "--rate", "100", "--skip-lines", "2")
    assert status == 2
    assert "line 6, channel 'b': 'x'" in err
