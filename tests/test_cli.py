from __future__ import annotations

import subprocess
import sys

import pytest

from engine import __version__
from engine.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_usage_error_is_one_line_and_status_2(capsys):
    assert main(["--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("myoplay: error:")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_console_script_runs():
    done = subprocess.run(
        [sys.executable, "-m", "engine", "--help"], capture_output=True, text=True, check=True
    )
    assert "myoplay" in done.stdout
