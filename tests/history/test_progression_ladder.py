"""The progression criterion across sessions as protocol files declare it, the ladder of next
steps, and the flags a clinician sees."""

from __future__ import annotations

import dataclasses
import datetime
import sqlite3
from pathlib import Path

import pytest

from engine.errors import ProtocolFileError
from engine.progression_across_sessions import (
    NextStep,
    clinician_flags,
    criterion_status,
    first_met_at,
    protocol_at_band,
)
from engine.protocol import builtin_protocol, builtin_protocol_names, protocol_from_plain
from engine.weekly_progress import Prescription, SessionPoint, weekly_figures
from history.schema import MIGRATIONS
from history.store import HistoryStore
from tests.history.facts_factory import facts

START = datetime.date(2026, 11, 2)  # a Monday


def with_progression(**fields: object) -> dict[str, object]:
    """The straight-leg raise's plain form with its ``[progression]`` table changed."""
    plain = builtin_protocol("straight_leg_raise").to_plain()
    progression = {k: v for k, v in dict(plain["progression"]).items()  # type: ignore[arg-type]
                   if k not in ("next", "next_band_pct")}
    plain["progression"] = progression | fields  # type: ignore[assignment]
    return plain


def test_the_builtin_ladder_leads_from_quad_sets_to_raises_and_higher_bands():
    quad_set = builtin_protocol("quad_set").progression
    assert quad_set is not None
    assert (quad_set.sessions_needed, quad_set.of_last, quad_set.next) == (
        2, 3, "straight_leg_raise")
    raise_rule = builtin_protocol("straight_leg_raise").progression
    assert raise_rule is not None
    assert raise_rule.next_band_pct == (40.0, 70.0)
    for name in builtin_protocol_names():
        rule = builtin_protocol(name).progression
        if rule is not None and rule.next is not None:
            assert rule.next in builtin_protocol_names(), name


def test_the_criterion_fields_round_trip_through_plain_data():
    protocol = protocol_from_plain(with_progression(sessions_needed=3, of_last=5,
                                                    no_compensation_alert_in_last=False,
                                                    next="quad_set"), "test")
    assert protocol_from_plain(protocol.to_plain(), "test") == protocol
    rule = protocol.progression
    assert rule is not None
    assert (rule.sessions_needed, rule.of_last, rule.no_compensation_alert_in_last,
            rule.next) == (3, 5, False, "quad_set")


@pytest.mark.parametrize(("fields", "message"), [
    ({"sessions_needed": 4, "of_last": 3}, "'progression.sessions_needed' is 4"),
    ({"of_last": 21}, "'progression.of_last' is 21"),
    ({"no_compensation_alert_in_last": "yes"}, "progression.no_compensation_alert_in_last"),
    ({"next": "straight_leg_raise"}, "this protocol itself"),
    ({"next": "quad_set", "next_band_pct": [40, 70]}, "is given with next"),
    ({"next_band_pct": [20, 70]}, "'progression.next_band_pct' is [20, 70]"),
    ({"next_band_pct": [30, 60]}, "not today's band"),
    ({"next_band_pct": [40]}, "'progression.next_band_pct' is [40]"),
    ({"next_band_pct": [40, 41]}, "low + 2 <= high"),
])
def test_a_bad_criterion_or_next_step_is_refused_naming_the_field(fields: dict[str, object],
                                                                 message: str):
    with pytest.raises(ProtocolFileError, match=r"^test: ") as error:
        protocol_from_plain(with_progression(**fields), "test")
    assert message in str(error.value)


def test_a_next_band_may_not_pass_the_ceiling_the_protocol_declares_safe():
    plain = builtin_protocol("quad_set").to_plain()
    progression = dict(plain["progression"])  # type: ignore[arg-type]
    del progression["next"]
    plain["progression"] = progression | {"next_band_pct": [25, 50]}
    with pytest.raises(ProtocolFileError, match=r"high <= 45"):
        protocol_from_plain(plain, "test")


def test_stepping_up_a_band_keeps_the_protocol_and_offers_no_further_band():
    stepped = protocol_at_band(builtin_protocol("quad_set"), (25.0, 45.0))
    assert (stepped.id, stepped.target.low_pct, stepped.target.high_pct) == (
        "quad_set", 25.0, 45.0)
    assert stepped.adaptive is not None
    assert stepped.adaptive.low_max_pct == 25.0
    raised = protocol_at_band(builtin_protocol("straight_leg_raise"), (40.0, 70.0))
    assert raised.progression is not None
    assert raised.progression.next_band_pct is None


def point(day: int, peak: float, lsi: float | None = 95.0, *, alerts: int = 0,
          needed: int | None = None, of_last: int | None = None, clean_last: int | None = None,
          following: str | None = "straight_leg_raise") -> SessionPoint:
    when = START + datetime.timedelta(days=day)
    return SessionPoint(f"{when}T10:00", "quad_set", "quadriceps", "left", "mvc", 10, 10, 10,
                        peak, peak - 10.0, lsi, alerts, 0, 70.0, None, 1, needed, of_last,
                        clean_last, following)


def test_the_protocols_own_counts_decide_and_the_offer_names_the_next_step():
    sessions = [point(0, 72.0), point(2, 60.0), point(4, 75.0)]
    status = criterion_status(sessions)
    assert status is not None
    assert status.met
    assert status.next_step == NextStep("straight_leg_raise")
    assert status.describe() == ("quad_set: 2 of the last 3 sessions reached 70 %MVC – ready "
                                 "for the next step: straight_leg_raise")
    assert status.reason() == "2 of the last 3 quad_set sessions reached 70 %MVC"
    stricter = [dataclasses.replace(s, bar_sessions_needed=3, bar_of_last=4) for s in sessions]
    assert first_met_at(stricter) is None
    strict_status = criterion_status(stricter)
    assert strict_status is not None
    assert strict_status.next_step is None
    stricter.append(dataclasses.replace(stricter[0], started_at="2026-11-09T10:00"))
    assert first_met_at(stricter) == 3


def test_a_compensation_alert_in_the_last_session_blocks_only_when_the_protocol_says_so():
    sessions = [point(0, 72.0), point(2, 75.0), point(4, 80.0, alerts=1)]
    status = criterion_status(sessions)
    assert status is not None
    assert not status.met
    lenient = [*sessions[:2], point(4, 80.0, alerts=1, clean_last=0)]
    status = criterion_status(lenient)
    assert status is not None
    assert status.met


def test_a_band_step_is_offered_as_the_same_protocol_in_the_band():
    session = dataclasses.replace(point(0, 80.0, following=None), next_band_low_pct=25.0,
                                  next_band_high_pct=45.0)
    status = criterion_status([session, dataclasses.replace(session, started_at="2026-11-04")])
    assert status is not None
    assert status.next_step == NextStep("quad_set", (25.0, 45.0))
    assert status.describe().endswith("next step: quad_set in the band 25–45 %MVC")


def test_falling_figures_and_missed_sessions_are_flagged():
    falling = [point(0, 50.0, 90.0), point(2, 45.0, 85.0), point(4, 40.0, 80.0)]
    weeks = weekly_figures(falling, [Prescription("P-1", "quad_set", None, 3,
                                                  START.isoformat())],
                           START + datetime.timedelta(days=9))
    flags = clinician_flags(falling, weeks)
    assert flags == ["quad_set peak %MVC fell in each of the last 3 sessions (50 → 45 → 40)",
                     "quad_set symmetry (LSI) fell in each of the last 3 sessions "
                     "(90 → 85 → 80)"]
    missed = falling[:2]
    weeks = weekly_figures(missed, [Prescription("P-1", "quad_set", None, 3, START.isoformat())],
                           START + datetime.timedelta(days=9))
    assert clinician_flags(missed, weeks) == ["sessions missed in week 1 (2 of 3)"]
    steady = [point(0, 50.0), point(2, 52.0), point(4, 51.0)]
    assert clinician_flags(steady, weekly_figures(steady, [], START)) == []
    # Falling by less than the measure's scatter is not a decline.
    scatter = [point(0, 93.0, 95.0), point(2, 91.0, 94.0), point(4, 89.0, 92.0)]
    assert clinician_flags(scatter, weekly_figures(scatter, [], START)) == []


def test_the_store_keeps_each_sessions_criterion_and_next_step(tmp_path: Path):
    filed = dataclasses.replace(facts(peak_pct=75.0), bar_sessions_needed=1, bar_of_last=2,
                                bar_no_compensation_in_last=False, next_band_pct=(25.0, 45.0))
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        store.file_session(filed, started_at="2026-11-02T10:00", recording_path="/r/1",
                           sha256="1" * 64, created_at="2026-11-02T10:00")
        (session,) = store.session_points("P-01")
    assert (session.bar_sessions_needed, session.bar_of_last,
            session.bar_no_compensation_in_last, session.next_protocol,
            session.next_band_low_pct, session.next_band_high_pct) == (1, 2, 0, None, 25.0, 45.0)
    status = criterion_status([session])
    assert status is not None
    assert status.met


def test_sessions_filed_before_the_store_kept_the_criterion_count_by_the_defaults(
    tmp_path: Path,
):
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(";".join(MIGRATIONS[:2]) + ";PRAGMA user_version = 2;")
    db.execute("INSERT INTO clients VALUES ('P-01', NULL, 'left', '2026-11-01')")
    row = ["a" * 64, "P-01", "2026-11-02T10:00", "/r/a", "quad_set", "Quad set", "hold",
           "simulated", "Virtual patient", "left", "quadriceps", "left", "mvc", 0, 90.0, 3, 3,
           3, 1.0, 30.0, 0.0, 75.0, 65.0, None, None, None, 0, 0, 0, 0, 70.0, None, 1]
    db.execute(f"INSERT INTO sessions VALUES ({', '.join('?' * len(row))})", row)
    db.commit()
    db.close()
    with HistoryStore(path) as store:
        (session,) = store.session_points("P-01")
    assert session.bar_of_last is None
    assert session.next_protocol is None
    status = criterion_status([session, dataclasses.replace(session, started_at="2026-11-04")])
    assert status is not None
    assert (status.met, status.needed, status.next_step) == (
        True, 2, None)
