"""State rows from the network are checked before the dashboard shows anything of them."""

from __future__ import annotations

import json

import pytest

from actors.dashboard.state_row import MAX_ROW_BYTES, StateRowError, parse_state_row
from tests.actors.dashboard.rows import state_row


def test_a_row_reads_back_with_its_fields() -> None:
    state = parse_state_row(state_row("bay-2", 7, rep=3, symmetry_pct=91.5, extra="ignored",
                                      last_remote_change={"by": "PT-1", "key": "rules.paused",
                                                          "value": True, "t_s": 4.5}))
    assert (state.station, state.seq, state.rep, state.symmetry_pct) == ("bay-2", 7, 3, 91.5)
    assert state.muscles[0].band_pct == (20.0, 40.0)
    assert state.last_remote_change is not None
    assert (state.last_remote_change.by, state.last_remote_change.value) == ("PT-1", True)


def test_numbers_that_are_not_finite_become_null() -> None:
    text = state_row(latency_ms=float("nan"), muscles=[
        {"label": "a", "muscle": "m", "side": "left", "pct_mvc": float("inf"),
         "band_pct": None, "quality": "flat"}])
    state = parse_state_row(text)
    assert state.latency_ms is None
    assert state.muscles[0].pct_mvc is None


@pytest.mark.parametrize(("text", "words"), [
    ("not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    (state_row(v=2), "version 2"),
    (state_row(station=""), "'station'"),
    (state_row(seq="3"), "'seq' is not an integer"),
    (state_row(rep=True), "'rep' is not an integer"),
    (state_row(muscles={"a": 1}), "'muscles' is not a list"),
    (state_row(ended="yes"), "'ended' is not true or false"),
    (state_row(muscles=[{"label": "a", "band_pct": [1]}]), "band_pct"),
    (state_row(alerts=["x"]), "alert is not an object"),
])
def test_a_bad_row_is_refused_with_the_reason(text: str, words: str) -> None:
    with pytest.raises(StateRowError, match=words):
        parse_state_row(text)


def test_a_row_longer_than_8_kb_is_refused() -> None:
    text = state_row(protocol_name="x" * MAX_ROW_BYTES)
    with pytest.raises(StateRowError, match="longer than"):
        parse_state_row(text)
    assert json.loads(text)  # the row itself was valid JSON
