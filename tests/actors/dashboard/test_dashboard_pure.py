"""The dashboard's small pure parts: token checks, remote-change rows and their confirmation,
plot thinning."""

from __future__ import annotations

import json

import pytest

from actors.dashboard.access_token import presented_token, same_origin, token_matches
from actors.dashboard.control_rows import (
    GIVE_UP_AFTER_S,
    ChangeRequestError,
    ControlKey,
    ControlRows,
    PendingChange,
    control_stream_name,
    parse_change,
)
from actors.dashboard.plot_decimation import PLOT_RATE_HZ, plot_points
from actors.dashboard.state_row import RemoteChange


def test_only_the_exact_token_opens_the_page() -> None:
    assert token_matches("s3cret-token", "s3cret-token")
    assert not token_matches("s3cret-token", "s3cret-tokeN")
    assert not token_matches("s3cret-token", None)
    assert not token_matches("s3cret-token", "")
    assert presented_token({"token": "a"}, {"myoplay_dashboard": "b"}) == "a"
    assert presented_token({}, {"myoplay_dashboard": "b"}) == "b"
    assert presented_token({}, {}) is None


def test_a_websocket_from_another_origin_is_refused() -> None:
    assert same_origin("http://127.0.0.1:8765", "127.0.0.1:8765")
    assert not same_origin("http://evil.example", "127.0.0.1:8765")
    assert same_origin(None, "127.0.0.1:8765")  # not a browser: the token decides


def test_control_rows_are_numbered_and_signed() -> None:
    rows = ControlRows("PT-3")
    band = parse_change({"station": "bay-1", "key": "rules.target_band_pct", "value": [15, 35]})
    pause = parse_change({"station": "bay-2", "key": "rules.paused", "value": True})
    assert band.key is ControlKey.TARGET_BAND
    assert [json.loads(rows.row(c)) for c in (band, pause)] == [
        {"v": 1, "station": "bay-1", "seq": 1, "by": "PT-3", "key": "rules.target_band_pct",
         "value": [15.0, 35.0]},
        {"v": 1, "station": "bay-2", "seq": 2, "by": "PT-3", "key": "rules.paused",
         "value": True},
    ]
    assert control_stream_name("ab12") == "myoplay-dashboard:ab12:control"


@pytest.mark.parametrize(("message", "words"), [
    ({"key": "rules.paused", "value": True}, "no station"),
    ({"station": "b", "key": "rules.mvc", "value": 1}, "cannot change 'rules.mvc'"),
    ({"station": "b", "key": "rules.paused", "value": 1}, "true or false"),
    ({"station": "b", "key": "rules.target_band_pct", "value": [40, 20]}, "low < high"),
    ({"station": "b", "key": "rules.target_band_pct", "value": [10, 400]}, "≤ 150"),
    ({"station": "b", "key": "rules.target_band_pct", "value": [10, float("nan")]}, "band is"),
])
def test_a_change_that_can_never_be_right_is_refused(message: dict[str, object],
                                                      words: str) -> None:
    with pytest.raises(ChangeRequestError, match=words):
        parse_change(message)


def test_envelopes_are_thinned_to_the_plot_rate_by_bin_means() -> None:
    rate_hz = 1000.0
    stamps = [100.0 + i / rate_hz for i in range(100)]
    values = [[float(i), 2.0 * i] for i in range(100)]
    points = plot_points(values, stamps, 100.0)
    per_bin = int(rate_hz / PLOT_RATE_HZ)
    # Bin edges fall on sample times, so rounding may move one sample across an edge.
    assert len(points) in (100 // per_bin, 100 // per_bin + 1)
    assert points[0][0] == 0.0
    assert points[0][1] == pytest.approx(9.5, abs=0.6)
    assert points[0][2] == pytest.approx(2 * points[0][1], abs=0.1)
    assert plot_points([], [], 0.0) == []


def test_a_change_is_pending_until_the_station_confirms_that_change() -> None:
    earlier = RemoteChange("PT-3", "rules.target_band_pct", [25.0, 45.0], 3.0)
    change = parse_change({"station": "bay-1", "key": "rules.target_band_pct",
                           "value": [25, 45]})
    pending = PendingChange(change, ControlRows("PT-3").row(change), earlier, 100.0)
    assert not pending.confirmed_by(earlier)  # the same band set before is not this change
    assert not pending.confirmed_by(None)
    assert not pending.confirmed_by(RemoteChange("PT-3", "rules.paused", True, 4.0))
    assert pending.confirmed_by(RemoteChange("PT-3", "rules.target_band_pct", [25.0, 45.0],
                                             9.5))
    assert not pending.expired(100.0 + GIVE_UP_AFTER_S)
    assert pending.expired(100.1 + GIVE_UP_AFTER_S)
