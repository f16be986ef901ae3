"""The station table: latest card per station, lost after silence, back on a row, alerts in
words, and only changed cards sent on."""

from __future__ import annotations

from actors.dashboard.state_row import parse_state_row
from actors.dashboard.station_liveness import LOST_AFTER_S, Liveness
from actors.dashboard.station_table import QUALITY_HOLD_S, StationTable
from tests.actors.dashboard.rows import state_row


def _table(*stations: str) -> StationTable:
    table = StationTable()
    for station in stations:
        table.update(parse_state_row(state_row(station)), 0.0)
    return table


def test_a_silent_station_is_lost_within_two_seconds_and_back_on_its_next_row() -> None:
    table = _table("bay-1", "bay-2")
    assert table.tick(LOST_AFTER_S - 0.05) == []
    table.update(parse_state_row(state_row("bay-2", 2)), LOST_AFTER_S - 0.05)
    assert table.tick(LOST_AFTER_S + 0.05) == ["bay-1"]
    assert LOST_AFTER_S + 0.1 < 2.0  # checked every 0.1 s: shown within 2 s of the last row
    assert table.liveness("bay-1") is Liveness.LOST
    card = table.card("bay-1", 3.2)
    assert card["status"] == "lost"
    assert card["alerts"][0]["kind"] == "station_lost"
    assert "No news from this station for 3 s" in card["alerts"][0]["text"]
    table.update(parse_state_row(state_row("bay-1", 40)), 3.3)
    assert table.card("bay-1", 3.3)["status"] == "live"


def test_an_ended_session_is_not_lost_and_says_it_ended_once() -> None:
    table = _table()
    table.update(parse_state_row(state_row(ended=True, end_reason="all reps done", rep=10,
                                           phase="ended")), 0.0)
    assert table.tick(60.0) == []
    card = table.card("bay-1", 60.0)
    assert card["status"] == "ended"
    assert card["alerts"][0]["text"] == "Session ended after rep 10 of 10: all reps done."
    worded = [{"kind": "ended", "text": "Session ended: completed"}]
    table.update(parse_state_row(state_row(seq=2, ended=True, alerts=worded)), 60.0)
    assert table.card("bay-1", 60.0)["alerts"] == worded


def test_only_the_cards_that_changed_are_sent_on() -> None:
    table = _table("bay-1", "bay-2")
    seen = table.version
    table.update(parse_state_row(state_row("bay-2", 5, rep=2)), 0.5)
    assert [c["station"] for c in table.changed_since(seen, 0.5)] == ["bay-2"]
    assert table.changed_since(table.version, 0.5) == []


def test_a_quality_problem_is_worded_and_held_two_seconds_after_it_clears() -> None:
    table = _table()
    flat = [{"label": "L-quad", "muscle": "quadriceps", "side": "left", "pct_mvc": None,
             "band_pct": [20, 40], "quality": "flat, electrode off"}]
    station_says = [{"kind": "signal", "text": "L-quad: flat, electrode off"},
                    {"kind": "compensation", "text": "Hamstrings are taking over"}]
    table.update(parse_state_row(state_row(seq=2, muscles=flat, quality_ok=False,
                                           alerts=station_says)), 1.0)
    texts = [a["text"] for a in table.card("bay-1", 1.0)["alerts"]]
    assert texts == ["Hamstrings are taking over",
                     "Signal quality, left quadriceps: no signal (check the electrode and its "
                     "cable); an electrode is lifting off (press it back or replace it). %MVC "
                     "withheld meanwhile."]
    table.update(parse_state_row(state_row(seq=3)), 1.0 + QUALITY_HOLD_S / 2)
    assert table.card("bay-1", 2.0)["alerts"][0]["kind"] == "quality"
    table.update(parse_state_row(state_row(seq=4)), 1.0 + QUALITY_HOLD_S)
    assert table.card("bay-1", 3.0)["alerts"] == []


def test_a_station_flagging_quality_without_a_muscle_still_alerts() -> None:
    table = _table()
    table.update(parse_state_row(state_row(seq=2, quality_ok=False)), 0.1)
    assert "Signal quality problem" in table.card("bay-1", 0.1)["alerts"][0]["text"]


def test_missed_sessions_show_on_the_clients_card_and_in_the_clients_list() -> None:
    table = _table("bay-1")
    table.update(parse_state_row(state_row("bay-2", client="P-0007")), 0.0)
    seen = table.version
    table.set_missed_sessions({"P-0042": ["sessions missed in week 3 (1 of 3)"]})
    assert [c["station"] for c in table.changed_since(seen, 0.0)] == ["bay-1", "bay-2"]
    assert table.card("bay-1", 0.0)["alerts"] == [
        {"kind": "missed_session", "text": "Sessions missed in week 3 (1 of 3)."}]
    assert table.card("bay-2", 0.0)["alerts"] == []
    assert table.client_alerts() == [{"client": "P-0042", "kind": "missed_session",
                                      "text": "Sessions missed in week 3 (1 of 3)."}]
    version = table.version
    table.set_missed_sessions({"P-0042": ["sessions missed in week 3 (1 of 3)"]})
    assert table.version == version  # nothing new: no change sent
