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
