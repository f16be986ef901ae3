"""A client chosen on the start screen gets the summary's and the report's "since last session"
lines as ``play --client`` gives them: their sessions read from the store with the menu's client
list, the history made when the choice is confirmed, for the protocol chosen there."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pygame
import pytest
import trio
import trio.testing

from actors.mode_stage import ModeStage
from actors.session import SessionOutcome, SessionPlan, run_session
from engine.protocol import builtin_protocol
from engine.rules.session_summary import SessionSummary
from engine.session_filing import SessionFiling
from engine.since_last_session import ClientHistory, client_progress_lines
from engine.training import TrainingConfig
from history.store import ClientRecord, HistoryStore
from modes import registry, widgets
from modes.menu import ClientChoice, StartMenu
from myoplay.client_filing import ClientPlan, plan_client_menu
from myoplay.session_report import report_session, summary_lines
from tests.actors.test_session import plan_for
from tests.history.facts_factory import facts
from tests.history.test_since_last_session import filed, history
from tests.modes import view_samples

STARTED_AT = "2026-11-30T09:15:00+01:00"
#: Right once (past "no client") to P-01, then Return through client, protocol, mode and Start.
CHOOSE_P01 = (pygame.K_RIGHT, *(pygame.K_RETURN,) * 4)


def file_sessions(store_path: Path) -> None:
    """P-01 with two quad-set sessions filed (the bar: 70 %MVC), P-02 with none."""
    with HistoryStore(store_path) as store:
        store.add_client(ClientRecord("P-01", None, "left", "2026-11-01T09:00"))
        store.add_client(ClientRecord("P-02", None, "right", "2026-11-01T09:00"))
        for n, (day, peak) in enumerate((("2026-11-20", 35.0), ("2026-11-27", 40.0))):
            store.file_session(facts(started_at=f"{day}T10:00", peak_pct=peak, lsi=80.0),
                               started_at=f"{day}T10:00", recording_path=f"/rec/{n}.myoplay",
                               sha256=str(n) * 64, created_at=f"{day}T10:30")


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionOutcome, SessionPlan,
                                                               Path, list[str]]:
    """A windowed session (SDL's dummy driver, MockClock) on which the keys choose P-01."""
    tmp = tmp_path_factory.mktemp("start_screen_client")
    store_path = tmp / "history.sqlite3"
    file_sessions(store_path)
    menu = plan_client_menu(argparse.Namespace(client=None, history=store_path), menu=True)
    assert menu is not None
    choice = dataclasses.replace(menu.choice, started_at=STARTED_AT)
    plan = plan_for(tmp, "quad_set", reps=1, headless=False, menu=True, fps=2.0,
                    menu_clients=choice)
    plan = dataclasses.replace(plan, training=dataclasses.replace(plan.training,
                                                                  wait_for_start=True))
    drawn: list[str] = []
    original = widgets.text

    def recording(surface: pygame.Surface, message: str, *args: object,
                  **kwargs: object) -> pygame.Rect | None:
        drawn.append(message)
        return original(surface, message, *args, **kwargs)  # type: ignore[arg-type]

    async def main() -> SessionOutcome:
        async with trio.open_nursery() as nursery:
            async def press_keys() -> None:
                await trio.sleep(0.5)  # the start screen is up
                for key in (*CHOOSE_P01, pygame.K_ESCAPE):
                    if key == pygame.K_ESCAPE:  # the calibration and the rep are over
                        await trio.sleep(30.0)
                    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0,
                                                         unicode=""))
                    await trio.sleep(0.1)

            nursery.start_soon(press_keys)
            outcome = await run_session(plan)
            nursery.cancel_scope.cancel()
        return outcome

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(widgets, "text", recording)
        outcome: SessionOutcome = trio.run(main,
                                           clock=trio.testing.MockClock(autojump_threshold=0))
    return outcome, plan, store_path, drawn


def test_the_client_chosen_on_screen_is_compared_with_their_filed_sessions(
    played: tuple[SessionOutcome, SessionPlan, Path, list[str]],
) -> None:
    outcome, _, store_path, _ = played
    assert outcome.summary.reps_attempted == 1
    chosen = outcome.client_history
    assert chosen is not None
    assert chosen.client_id == "P-01"
    with HistoryStore(store_path) as store:
        assert chosen.earlier == tuple(store.session_points("P-01"))
    assert (chosen.upcoming.protocol_id, chosen.upcoming.started_at) == ("quad_set", STARTED_AT)
    lines = client_progress_lines(chosen, outcome.summary)
    assert lines[0].endswith("since last session (Nov 27)")
    assert lines[-1].startswith("quad_set: ")


def test_the_summary_screen_shows_the_change_since_the_last_session(
    played: tuple[SessionOutcome, SessionPlan, Path, list[str]],
) -> None:
    outcome, _, _, drawn = played
    assert outcome.client_history is not None
    assert "client P-01" in drawn
    shown = " ".join(drawn)
    for line in client_progress_lines(outcome.client_history, outcome.summary):
        assert line in shown


def test_the_report_shows_the_lines_play_client_shows(
    played: tuple[SessionOutcome, SessionPlan, Path, list[str]], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome, plan, store_path, _ = played
    with HistoryStore(store_path) as store:
        earlier = tuple(store.session_points("P-01"))
    by_option = ClientPlan(store_path, SessionFiling("P-01", STARTED_AT), None,
                           earlier=earlier).history(plan.training)
    report_session(outcome, tmp_path, 1.0, outcome.client_history)
    printed = capsys.readouterr().out.splitlines()
    expected = summary_lines(outcome.summary, by_option)
    assert [line for line in expected if line.startswith("  client P-01")]
    assert printed[1: 1 + len(expected)] == expected


# -- the stage, key by key -------------------------------------------------------------------

QUAD_SET = TrainingConfig(builtin_protocol("quad_set"))
EARLIER = (filed(55.0, 86.0, "2026-11-27T10:00"),)


def stage_on(menu: StartMenu, **given: object) -> ModeStage:
    """The stage of a session started with ``menu`` on quad_set."""
    menu = dataclasses.replace(menu, protocol_index=menu.protocols.index("quad_set"))
    return ModeStage("hold", menu=menu, factories=registry.MODES, seed=1, settings=QUAD_SET,
                     **given)  # type: ignore[arg-type]


def confirm(stage: ModeStage, *keys: str) -> ClientHistory | None:
    """Press ``keys``, then Return until the menu is confirmed; the history it gives."""
    for key in keys:
        stage.press_menu(key)
    while stage.menu_open:
        stage.press_menu("return")
    return stage.client_history


def test_a_client_created_on_screen_has_a_first_session() -> None:
    stage = stage_on(StartMenu(client=ClientChoice(("P-01",), STARTED_AT,
                                                   earlier={"P-01": EARLIER})))
    created = confirm(stage, "right", "right", "return", "K", "n", "return")
    assert created is not None
    assert (created.client_id, created.earlier) == ("Kn", ())
    lines = client_progress_lines(created, view_samples.done_summary())
    assert lines[0] == ("first session of this protocol: peak 61 %MVC, mean 46 %MVC, "
                        "symmetry 92 %")


def test_the_history_is_for_the_protocol_chosen_on_screen() -> None:
    stage = stage_on(StartMenu(client=ClientChoice(("P-01",), STARTED_AT,
                                                   earlier={"P-01": EARLIER})))
    chosen = confirm(stage, "right", "return", "right")  # P-01, then the next protocol
    assert chosen is not None
    assert chosen.earlier == EARLIER
    assert chosen.upcoming.protocol_id == stage.menu.protocol != "quad_set"  # type: ignore[union-attr]
    assert chosen.upcoming.protocol_id == builtin_protocol(chosen.upcoming.protocol_id).id


def test_play_client_s_history_follows_another_protocol_chosen_on_screen() -> None:
    given = history(*EARLIER)
    kept = confirm(stage_on(StartMenu(), client_history=given))
    assert kept == given  # the protocol planned: compared as planned
    moved = confirm(stage_on(StartMenu(), client_history=given), "right")
    assert moved is not None
    assert (moved.client_id, moved.earlier) == ("P-0042", EARLIER)
    assert moved.upcoming.protocol_id != "quad_set"


def test_unfiled_on_screen_compares_nothing() -> None:
    stage = stage_on(StartMenu(client=ClientChoice(("P-01",), STARTED_AT,
                                                   earlier={"P-01": EARLIER})))
    assert confirm(stage) is None


def test_a_sub_maximal_calibration_chosen_during_the_session_is_not_compared_with_a_maximum(
) -> None:
    stage = ModeStage("hold", menu=None, factories=registry.MODES, seed=1,
                      client_history=history(*EARLIER))
    stage.observe(view_samples.calibrating(kind="submax"))
    assert stage.client_history is not None
    assert stage.client_history.upcoming.calibration_kind == "submax"
    lines = client_progress_lines(stage.client_history, view_samples.done_summary())
    assert lines[0].startswith("first session of this protocol")


# -- the report's next step ------------------------------------------------------------------

def strong_summary() -> SessionSummary:
    """:func:`view_samples.done_summary` with every peak 15 %MVC higher and no alert."""
    summary = dataclasses.replace(view_samples.done_summary(), alerts={})
    return dataclasses.replace(summary, reps=tuple(
        dataclasses.replace(r, peak_pct=r.peak_pct + 15.0) for r in summary.reps
        if r.peak_pct is not None))


def test_once_the_criterion_is_met_the_report_says_how_to_take_the_next_step() -> None:
    met = summary_lines(strong_summary(), history(filed(72.0, 93.0, "2026-11-27T10:00")))
    trend = next(k for k, line in enumerate(met) if line.startswith("  trend"))
    assert met[trend + 4].strip() == ("quad_set: 2 of the last 2 sessions reached 70 %MVC – "
                                      "ready for the next step: straight_leg_raise")
    assert met[trend + 5].strip() == ("take the next step with: myoplay play --client P-0042 "
                                      "--next-step (the clinician decides)")
    not_met = summary_lines(strong_summary(), history(filed(50.0, 93.0, "2026-11-27T10:00")))
    assert not any("take the next step" in line for line in not_met)


def test_a_session_with_no_rep_says_nothing_of_the_last_one() -> None:
    nothing = dataclasses.replace(view_samples.done_summary(), reps=(), reps_attempted=0,
                                  reps_completed=0)
    assert client_progress_lines(history(*EARLIER), nothing) == []
