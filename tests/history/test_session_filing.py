"""The client filing in the session settings, and the progression criterion across sessions."""

from __future__ import annotations

import dataclasses

import pytest

from engine.errors import ConfigError
from engine.progression_across_sessions import criterion_status, first_met_at, reached_bar
from engine.protocol import builtin_protocol
from engine.session_filing import SessionFiling, checked_client_id
from engine.since_last_session import progress_lines
from engine.training import TrainingConfig
from engine.weekly_progress import SessionPoint


def test_the_filing_round_trips_and_an_unfiled_session_keeps_its_old_settings():
    training = TrainingConfig(builtin_protocol("quad_set"))
    assert "filing" not in training.to_plain()
    filed = dataclasses.replace(training, filing=SessionFiling("P-0042", "2026-11-02T10:00"))
    assert filed.to_plain()["filing"] == {"client_id": "P-0042", "started_at": "2026-11-02T10:00"}
    assert TrainingConfig.from_plain(filed.to_plain(), "test") == filed
    assert TrainingConfig.from_plain(training.to_plain(), "test") == training


@pytest.mark.parametrize("bad", ["Jane Doe", "", "-lead", "é-1", "x" * 33, 42])
def test_names_and_odd_ids_are_refused(bad: object):
    with pytest.raises(ConfigError, match="is not a client id"):
        checked_client_id(bad, "--client")


def test_a_recording_with_a_bad_filing_is_refused_naming_it():
    plain = TrainingConfig(builtin_protocol("quad_set")).to_plain()
    plain["filing"] = {"client_id": "P-1", "started_at": "last tuesday"}
    with pytest.raises(ConfigError, match=r"rec\.myoplay: started_at: 'last tuesday' is no"):
        TrainingConfig.from_plain(plain, "rec.myoplay")


def point(peak: float, lsi: float | None, *, alerts: int = 0, protocol: str = "quad_set",
          day: int = 1) -> SessionPoint:
    return SessionPoint(f"2026-11-{day:02d}T10:00", protocol, "quadriceps", "left", "mvc", 10,
                        10, 10, peak, peak - 10.0, lsi, alerts, 0, 70.0, 90.0, 1)


def test_a_session_reaches_the_bar_only_strong_symmetric_and_without_compensation():
    assert reached_bar(point(72.0, 93.0)) is True
    assert reached_bar(point(68.0, 93.0)) is False
    assert reached_bar(point(72.0, 85.0)) is False
    assert reached_bar(point(72.0, None)) is False
    assert reached_bar(point(72.0, 93.0, alerts=1)) is False
    assert reached_bar(dataclasses.replace(point(72.0, 93.0), bar_peak_pct=None)) is None


def test_two_of_the_last_three_sessions_and_no_compensation_in_the_last():
    sessions = [point(60.0, 95.0, day=1), point(72.0, 95.0, day=3), point(50.0, 95.0, day=5),
                point(75.0, 92.0, day=8)]
    status = criterion_status(sessions)
    assert status is not None
    assert status.describe() == ("quad_set: 2 of the last 3 sessions reached 70 %MVC with "
                                 "symmetry ≥ 90 % – ready for the next step")
    assert first_met_at(sessions) == 3
    compensated = [*sessions[:3], point(75.0, 92.0, day=8, alerts=2)]
    assert first_met_at(compensated) is None
    other = [*sessions, point(20.0, 50.0, protocol="glute_bridge", day=9)]
    status = criterion_status(other)
    assert status is not None
    assert (status.protocol_id, status.met) == ("glute_bridge", False)


def test_after_a_session_the_change_since_the_last_one_is_shown() -> None:
    lines = progress_lines([point(60.0, 80.0, day=1), point(66.0, 85.0, day=3)])
    assert lines[:3] == ["peak 66 %MVC, +6 since last session (Nov 1)", "mean 56 %MVC, +6",
                         "symmetry 85 %, +5"]
    lines = lines[2:]
    assert lines[1].startswith("quad_set: 0 of the last 2 sessions reached 70 %MVC")
