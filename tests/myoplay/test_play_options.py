"""``myoplay play`` refuses a duration that means nothing, on one line with exit status 2,
before it opens a sensor or makes a folder; ``--protocol`` help names the built-in protocols."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.protocol import builtin_protocol_names
from myoplay.cli import EXIT_USER_ERROR, main


@pytest.mark.parametrize("duration", ["-5", "0", "-0.5", "nan"])
def test_a_non_positive_duration_is_refused_in_one_line(
    duration: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    status = main(["play", "--headless", "--duration", duration, "--out", str(tmp_path / "o")])
    assert status == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("myoplay: error: --duration must be positive")
    assert "leave it out" in err[0]
    assert not (tmp_path / "o").exists()


def test_protocol_help_lists_the_builtin_protocols(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as ended:
        main(["play", "--help"])
    assert ended.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for name in builtin_protocol_names():
        assert name in help_text


@pytest.mark.parametrize(("options", "screen", "said"), [
    (["--patient-deficit", "120"], False, "--patient-deficit must be from 0 to 95, got 120"),
    (["--patient-deficit", "nan"], False, "--patient-deficit must be from 0 to 95, got nan"),
    (["--patient-effort", "5"], False, "--patient-effort must be from 10 to 200, got 5"),
    (["--sensor", "lsl:type=EMG", "--patient-deficit", "40"], False,
     "--patient-deficit and --patient-effort describe the virtual patient"),
    # With a screen and no --autopilot, nobody but the player drives the virtual muscles.
    (["--patient-effort", "80"], True, "sets how hard the autopilot works"),
    (["--no-frames"], True, "--no-frames works only headless"),
])
def test_virtual_patient_and_frame_options_that_mean_nothing_are_refused_in_one_line(
    options: list[str], screen: bool, said: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
):
    if screen:
        monkeypatch.setattr("myoplay.play_command.has_screen", lambda: True)
    else:
        options = ["--headless", *options]
    status = main(["play", *options, "--out", str(tmp_path / "o")])
    assert status == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("myoplay: error: ")
    assert said in err[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_virtual_patient_with_a_weak_side_plays_without_drawing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """The involved side falls short by the deficit (its own maximum still reached, so %MVC and
    the symmetry index show it), the patient gives the effort asked of it, and nothing is
    drawn: no frames, no summary picture, no latency figure."""
    status = main(["play", "--headless", "--no-frames", "--speed", "1000", "--no-sound",
                   "--protocol", "symmetry_hold", "--reps", "2", "--patient-deficit", "40",
                   "--patient-effort", "120", "--out", str(tmp_path / "o")])
    assert status == 0
    out = capsys.readouterr().out
    assert "frames:" not in out
    assert "latency" not in out
    assert not (tmp_path / "o" / "session-001" / "frames").exists()
    lsi = next(line for line in out.splitlines() if line.lstrip().startswith("symmetry (LSI)"))
    assert 55 <= float(lsi.split()[2]) <= 65  # 60 % of the uninvolved side's level
