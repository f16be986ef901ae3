from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine import __version__
from myoplay.cli import main


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


def test_the_console_script_is_the_application_command_line():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, function = scripts["myoplay"].partition(":")
    assert getattr(importlib.import_module(module), function) is main


def test_python_dash_m_myoplay_runs():
    done = subprocess.run(
        [sys.executable, "-m", "myoplay", "--help"], capture_output=True, text=True, check=True
    )
    assert "myoplay" in done.stdout
