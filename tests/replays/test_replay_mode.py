"""``myoplay replay --mode``: the window shows the chosen mode when the protocol suits it; a mode
that does not suit is refused in one line, in a window or headless; without ``--mode`` the
recorded mode, unless a what-if protocol does not suit it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from engine.view import SessionView
from modes import registry
from myoplay.cli import main
from myoplay.replay_command import replay_mode
from replays.reader import ReplayReader

SESSION = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"


@pytest.fixture(scope="module")
def recorded_training() -> TrainingConfig:
    with ReplayReader(SESSION) as reader:
        plain = reader.header.config["training"]
    assert isinstance(plain, dict)
    return TrainingConfig.from_plain(plain, "test")


def test_the_window_shows_the_chosen_mode(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # SDL's dummy driver stands in for the screen: the replay draws every frame as in a window.
    monkeypatch.setattr("myoplay.replay_command.has_screen", lambda: True)
    shown: set[str] = set()
    layers_for = registry.layers_for

    def recording(view: SessionView | None, training: str) -> tuple[str, ...]:
        shown.add(training)
        return layers_for(view, training)

    monkeypatch.setattr(registry, "layers_for", recording)
    # Judged as a symmetry hold (what-if), on the seesaw the recording's mode would not offer.
    assert main(["replay", "--fast", "--protocol", "symmetry_hold", "--mode", "symmetry",
                 str(SESSION)]) == 0
    assert shown == {"symmetry"}
    assert "replayed" in capsys.readouterr().out


@pytest.mark.parametrize("where", [["--headless"], ["--fast"]])
def test_a_mode_the_protocol_does_not_suit_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: list[str],
) -> None:
    monkeypatch.setattr("myoplay.replay_command.has_screen", lambda: True)
    assert main(["replay", *where, "--mode", "symmetry", str(SESSION)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["myoplay: error: --mode symmetry does not suit protocol 'quad_set'; allowed: "
                   "hold, runner, clinician (leave --mode out for the protocol's usual mode)"]


def test_headless_says_the_mode_changes_only_the_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["replay", "--headless", "--protocol", "quad_set", "--mode", "runner",
                 str(SESSION)]) == 0
    assert "--mode runner changes only what a window shows" in capsys.readouterr().err


def test_without_a_mode_the_recorded_one_unless_the_what_if_protocol_does_not_suit_it(
    recorded_training: TrainingConfig,
) -> None:
    assert replay_mode(None, "runner", recorded_training) == "runner"
    assert replay_mode(None, None, recorded_training) == "hold"
    mvc = dataclasses.replace(recorded_training, protocol=builtin_protocol("mvc_test"))
    assert replay_mode(None, "runner", mvc) == "mvc_test"
