"""The start screen's client row: choose a client or type a new pseudonym, keyboard only."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from actors.player_controls import MenuKey, PlayerControls
from engine.session_filing import SessionFiling
from modes import registry
from modes.base import ModeContext
from modes.menu import BACKSPACE, ROWS, ClientChoice, StartMenu
from tests.modes import view_samples

STARTED_AT = "2026-11-30T09:15:00+01:00"


def menu(*clients: str) -> StartMenu:
    return StartMenu(client=ClientChoice(clients, STARTED_AT))


def press(state: StartMenu, *keys: str) -> StartMenu:
    for key in keys:
        state = state.press(key)
    return state


def test_a_known_client_is_chosen_with_the_arrows_and_files_the_session() -> None:
    start = menu("P-01", "P-02")
    assert start.rows == ("client", *ROWS)
    assert start.client is not None
    assert start.client.label() == "no client (not filed)"
    chosen = press(start, "right", "right", "return")
    assert chosen.client is not None
    assert chosen.client.label() == "P-02"
    assert chosen.rows[chosen.row] == "protocol"
    done = press(chosen, "return", "return", "return")
    assert done.confirmed
    assert done.filing == SessionFiling("P-02", STARTED_AT)
    # Left from "no client" wraps to "new client…"; playing unfiled files nothing.
    assert press(start, "left").client == dataclasses.replace(start.client, index=3)
    assert press(start, "return", "return", "return", "return").filing is None


def test_a_new_pseudonym_is_typed_and_becomes_the_choice() -> None:
    typing = press(menu("P-01"), "right", "right", "return")
    assert typing.typing
    assert typing.rows[typing.row] == "client"
    typed = press(typing, "K", "n", "-", "7", BACKSPACE, "8", " ", "é")
    assert typed.client is not None
    assert typed.client.label() == "new: Kn-8_"  # a space or an accent is not a pseudonym's
    taken = press(typed, "return")
    assert not taken.typing
    assert taken.client is not None
    assert taken.client.clients == ("P-01", "Kn-8")
    assert taken.rows[taken.row] == "protocol"
    assert press(taken, "return", "return", "return").filing == SessionFiling("Kn-8",
                                                                              STARTED_AT)


@pytest.mark.parametrize("typed", ["", "-7", ".x"])
def test_return_on_something_that_is_no_pseudonym_keeps_typing(typed: str) -> None:
    typing = press(menu(), "right", "return", *typed)
    assert typing.typing
    assert press(typing, "return") == typing


def test_typing_stops_with_up_or_down_and_an_existing_pseudonym_is_not_doubled() -> None:
    typing = press(menu("P-01"), "left", "return", "P")
    moved = press(typing, "down")
    assert not moved.typing
    assert moved.rows[moved.row] == "protocol"
    again = press(menu("P-01"), "left", "return", "P", "-", "0", "1", "return")
    assert again.client is not None
    assert again.client.clients == ("P-01",)
    assert again.filing == SessionFiling("P-01", STARTED_AT)


def test_a_pseudonym_is_at_most_32_characters() -> None:
    typed = press(menu(), "left", "return", *("x" * 40))
    assert typed.client is not None
    assert typed.client.typed == "x" * 32


def test_without_a_history_there_is_no_client_row() -> None:
    plain = StartMenu()
    assert plain.rows == ROWS
    assert plain.filing is None
    assert press(plain, "return", "return", "return").confirmed


def _draw(state: StartMenu) -> None:
    registry.create("start", ModeContext(menu=state)).draw(pygame.Surface((1280, 720)),
                                                           view_samples.session())


def test_the_start_screen_shows_the_client_row_and_what_is_typed(
    drawn_text: list[str],
) -> None:
    _draw(press(menu("P-01"), "right"))
    assert "client" in drawn_text
    assert "‹  P-01  ›" in drawn_text
    drawn_text.clear()
    _draw(press(menu("P-01"), "left", "return", "K", "7"))
    assert "new: K7_" in drawn_text
    assert any(t.startswith("Type a pseudonym, never a name") for t in drawn_text)


def _key(key: int, unicode: str = "") -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0)


def test_while_typing_every_character_goes_to_the_menu_and_none_to_the_game() -> None:
    controls = PlayerControls()
    level = controls.muscles.level
    typed = [controls.command_for(_key(key, text), 0, menu_open=True, menu_typing=True)
             for key, text in ((pygame.K_p, "p"), (pygame.K_8, "8"), (pygame.K_v, "v"),
                               (pygame.K_a, "A"), (pygame.K_BACKSPACE, "\b"),
                               (pygame.K_RETURN, "\r"))]
    assert typed == [MenuKey("p"), MenuKey("8"), MenuKey("v"), MenuKey("A"),
                     MenuKey(BACKSPACE), MenuKey("return")]
    assert controls.muscles.level == level
    assert not controls.muscles.held
    # Esc still leaves; outside typing, P pauses as always.
    quit_ = controls.command_for(_key(pygame.K_ESCAPE), 0, menu_open=True, menu_typing=True)
    assert quit_ is not None
    assert not isinstance(quit_, MenuKey)
    pause = controls.command_for(_key(pygame.K_p, "p"), 5, menu_open=False)
    assert pause is not None
    assert not isinstance(pause, MenuKey)
