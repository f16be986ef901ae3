"""Knowledge of results over a whole session: every alert, every band, the duration, the trend."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from engine.messages import Side
from engine.protocol import builtin_protocol
from engine.rules import RepResult, RulesEngine, SessionSummary
from engine.rules.session_summary import SessionTrend
from engine.view import ExerciseView
from tests.engine.rules.scripted_patient import BRIDGE, LEGS, run_patient

NS = 1_000_000_000


def hamstrings_always(view: ExerciseView, t_s: float) -> Sequence[float]:
    """Every bridge done with the hamstrings: an alert in every rep."""
    return [40.0, 40.0, 60.0, 60.0] if view.phase == "contract" else [2.0] * 4


@pytest.mark.slow
def test_every_compensation_alert_of_a_long_session_is_counted() -> None:
    engine = RulesEngine(builtin_protocol("glute_bridge"), BRIDGE)
    events = run_patient(engine, hamstrings_always, 30 * 11.0 + 2 * 60.0 + 20.0,
                         rate_hz=200.0, block_s=0.1)
    raised = [e for e in events if e.kind == "compensation_alert"]
    assert len(raised) >= 30  # far more than the dozen events a view keeps
    summary = engine.summary()
    assert summary.finished
    assert summary.alerts["compensation_alert"] == len(raised)


def eager(view: ExerciseView, t_s: float) -> Sequence[float]:
    return [view.target_low_pct + 15.0 if view.phase == "contract" else 1.0, 1.0, 1.0, 1.0]


def test_each_rep_was_judged_on_the_band_the_history_gives_for_it() -> None:
    engine = RulesEngine(builtin_protocol("quad_set"), LEGS, involved_side=Side.LEFT)
    events = run_patient(engine, eager, 150.0, rate_hz=200.0, block_s=0.1)
    summary = engine.summary()
    bands = summary.bands
    adjusted = [e for e in events if e.kind == "target_adjusted"]
    assert len(bands) == 1 + len(adjusted) >= 2
    assert bands[0].reason == "protocol"
    assert 0 <= bands[0].t_ns < NS // 20  # from the first tick judged, not the creation
    for k, rep in enumerate(summary.reps):
        band = [b for b in bands if b.from_rep <= k][-1]
        assert (rep.low_pct, rep.high_pct) == (band.low_pct, band.high_pct)
    assert summary.duration_s == pytest.approx((engine.t_ns - bands[0].t_ns) / NS)
    again = SessionSummary.from_plain(summary.to_plain())
    assert again == summary
    assert summary.to_plain()["trend"] == (
        summary.trend.to_plain() if summary.trend is not None else None)


def rep(k: int, in_zone_s: float, success: bool) -> RepResult:
    return RepResult(set_index=1, rep=k, success=success, t_ns=k * NS, duration_s=10.0,
                     time_in_zone_s=in_zone_s, peak_pct=50.0, mean_pct=40.0, peak_uv=200.0,
                     symmetry_lsi_pct=None, low_pct=20.0, high_pct=40.0, hold_s=10.0)


@pytest.mark.parametrize(("zones", "direction"), [
    ([2.0, 3.0, 9.0, 10.0], "better"),
    ([10.0, 10.0, 5.0, 6.0], "worse"),
    ([10.0, 9.5, 10.0, 9.5, 10.0], "steady"),
])
def test_the_trend_compares_the_first_half_with_the_second(
    zones: list[float], direction: str
) -> None:
    trend = SessionTrend.of(tuple(rep(k, z, z >= 10.0) for k, z in enumerate(zones)))
    assert trend is not None
    assert trend.direction == direction
    assert trend.reps_per_half == len(zones) // 2


def test_three_reps_are_too_few_for_a_trend() -> None:
    assert SessionTrend.of(tuple(rep(k, 10.0, True) for k in range(3))) is None
