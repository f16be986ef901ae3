"""``myoplay play`` refuses a mode the protocol does not suit, on one line naming those it does,
before it opens a sensor or makes a folder; without ``--mode`` it opens one that suits."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.protocol import builtin_protocol
from modes.training_modes import default_training_mode
from myoplay.cli import EXIT_USER_ERROR, main
from myoplay.protocol_choice import check_mode_suits


@pytest.mark.parametrize(("protocol", "mode", "allowed"), [
    ("quad_set", "symmetry", "hold, runner, clinician"),
    ("mvc_test", "hold", "mvc_test, clinician"),
    ("quad_set", "mvc_test", "hold, runner, clinician"),
])
def test_an_unsuitable_mode_is_refused_in_one_line(
    protocol: str, mode: str, allowed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["play", "--headless", "--protocol", protocol, "--mode", mode,
                   "--out", str(tmp_path / "o")])
    assert status == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"myoplay: error: --mode {mode} does not suit protocol '{protocol}'")
    assert f"allowed: {allowed}" in err[0]
    assert not (tmp_path / "o").exists()


def test_the_default_mode_always_suits_the_protocol() -> None:
    assert default_training_mode(builtin_protocol("mvc_test")) == "mvc_test"
    assert default_training_mode(builtin_protocol("symmetry_hold")) == "symmetry"
    assert default_training_mode(builtin_protocol("quad_set")) == "hold"
    for name in ("quad_set", "mvc_test", "symmetry_hold", "glute_bridge"):
        protocol = builtin_protocol(name)
        assert check_mode_suits(protocol, default_training_mode(protocol))
    with pytest.raises(ConfigError, match="allowed: hold, runner, clinician"):
        check_mode_suits(builtin_protocol("quad_set"), "symmetry")
