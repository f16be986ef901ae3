"""A client chosen on the start screen files the session as ``play --client`` does: keys typed
into a windowed session (SDL's dummy driver, Trio's MockClock), the recording naming the new
client, and the store filing it under that pseudonym, the same rows a rebuild gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pygame
import pytest
import trio
import trio.testing

from actors.session import SessionOutcome, run_session
from history.recording_facts import replayed_facts
from history.store import ClientRecord, HistoryStore
from modes.menu import ClientChoice
from myoplay.client_filing import ClientMenu
from tests.actors.test_session import plan_for

STARTED_AT = "2026-11-30T09:15:00+01:00"
UNFILED = Path(__file__).resolve().parents[1] / "data" / "replays" / "quad_set_session.myoplay"
#: Right twice (past "no client" and P-01) to "new client…", Return to type, the pseudonym,
#: Return to take it, then Return through protocol and mode and on Start.
KEYS = ((pygame.K_RIGHT, ""), (pygame.K_RIGHT, ""), (pygame.K_RETURN, "\r"),
        (pygame.K_k, "K"), (pygame.K_n, "n"), (pygame.K_MINUS, "-"), (pygame.K_8, "8"),
        (pygame.K_RETURN, "\r"), (pygame.K_RETURN, "\r"), (pygame.K_RETURN, "\r"),
        (pygame.K_RETURN, "\r"))


@pytest.fixture(scope="module")
def chosen(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionOutcome, Path]:
    tmp = tmp_path_factory.mktemp("client_menu")
    store_path = tmp / "history.sqlite3"
    with HistoryStore(store_path) as store:
        store.add_client(ClientRecord("P-01", "Ann Example", "left", STARTED_AT))
    # Two frames a second: the keys are read each frame, and fewer frames cost less time.
    plan = plan_for(tmp, "quad_set", reps=1, headless=False, menu=True, fps=2.0,
                    menu_clients=ClientChoice(("P-01",), STARTED_AT))
    plan = dataclasses.replace(plan, training=dataclasses.replace(plan.training,
                                                                  wait_for_start=True))

    async def main() -> SessionOutcome:
        async with trio.open_nursery() as nursery:
            async def type_keys() -> None:
                await trio.sleep(0.5)  # the start screen is up
                assert pygame.display.get_surface() is not None
                for key, text in KEYS:
                    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key,
                                                         unicode=text, mod=0))
                    await trio.sleep(0.1)
                # The quick calibration and the one rep are over within 30 s: Esc leaves the
                # summary, as the player does.
                await trio.sleep(30.0)
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE,
                                                     unicode="\x1b", mod=0))

            nursery.start_soon(type_keys)
            outcome = await run_session(plan)
            nursery.cancel_scope.cancel()
        return outcome

    outcome: SessionOutcome = trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    ClientMenu(store_path, plan.menu_clients).file(outcome.record_path)  # type: ignore[arg-type]
    return outcome, store_path


def test_the_new_pseudonym_typed_on_the_start_screen_files_the_played_session(
    chosen: tuple[SessionOutcome, Path],
) -> None:
    outcome, store_path = chosen
    assert outcome.played
    assert outcome.summary.reps_attempted == 1
    with HistoryStore(store_path) as store:
        assert [c.client_id for c in store.clients()] == ["Kn-8", "P-01"]
        sessions = store.table("sessions")
        assert [(s["client_id"], s["started_at"]) for s in sessions] == [("Kn-8", STARTED_AT)]
        assert store.table("sessions", "P-01") == []
    # The recording alone says whose session it is: a rebuild files it the same way.
    rebuilt = replayed_facts(outcome.record_path)
    assert (rebuilt.facts.client_id, rebuilt.started_at) == ("Kn-8", STARTED_AT)


def test_a_session_played_unfiled_on_the_start_screen_files_nothing(tmp_path: Path) -> None:
    # A recording that names no client (the row left at "no client"): nothing is filed.
    store_path = tmp_path / "history.sqlite3"
    HistoryStore(store_path).close()
    ClientMenu(store_path, ClientChoice((), STARTED_AT)).file(UNFILED)
    with HistoryStore(store_path) as store:
        assert store.table("sessions") == []
        assert store.clients() == []
