"""One list each for training modes, sensor kinds and protocols, and everything that offers a
choice reads it: the command line, the start menu and the renderer's scenes."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.protocol import builtin_protocol_names
from modes.menu import StartMenu
from modes.registry import MODES
from modes.training_modes import TRAINING_MODES, check_training_mode
from myoplay.cli import main
from sensors.ble.devices import make_profile
from sensors.sensor_kinds import BLE_SENSOR_KINDS, SENSOR_KINDS


def command_help(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``myoplay COMMAND --help`` prints, on one line."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def offered(names: tuple[str, ...]) -> str:
    """How argparse shows a choice among ``names``."""
    return "{" + ",".join(names) + "}"


def test_every_training_mode_has_a_scene_and_the_menu_and_the_cli_offer_them_all(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(TRAINING_MODES) <= set(MODES)
    assert StartMenu().modes == TRAINING_MODES
    assert f"--mode {offered(TRAINING_MODES)}" in command_help("play", capsys)
    assert f"--mode {offered(TRAINING_MODES)}" in command_help("replay", capsys)
    with pytest.raises(ConfigError, match="not a training mode"):
        check_training_mode("summary")


def test_every_sensor_kind_is_offered_and_every_ble_kind_has_its_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert f"--sensor {offered(SENSOR_KINDS)}" in command_help("play", capsys)
    assert [make_profile(kind).kind for kind in BLE_SENSOR_KINDS] == list(BLE_SENSOR_KINDS)


def test_the_menu_and_the_protocol_help_list_the_built_in_protocols(
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = builtin_protocol_names()
    assert StartMenu().protocols == names
    listed = f"a built-in protocol ({', '.join(names)})"
    assert listed in command_help("play", capsys)
    assert listed in command_help("replay", capsys)


def test_a_session_refuses_a_mode_no_one_else_would_know(tmp_path: Path) -> None:
    from actors.session import SessionPlan
    from engine.protocol import builtin_protocol
    from engine.training import TrainingConfig
    from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient

    source = SimulatedSource(VirtualPatient(PatientConfig(), seed=1))
    training = TrainingConfig(protocol=builtin_protocol("quad_set"))
    with pytest.raises(ConfigError, match="unregistered mode 'dance'"):
        SessionPlan(source, training, tmp_path / "s.myoplay",
                    modes={**MODES, "dance": MODES["hold"]})
