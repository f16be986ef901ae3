"""Honest rankings: the true order recovered with intervals that cover the truth, no winner
named when variations are equal, and a cue's effect reported with its interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engine.comparison_analysis import ComparisonAnalysis, VariationSpan, analyse_comparison
from engine.comparison_plan import ComparisonMetric, ComparisonPlan, Variation
from engine.protocol import builtin_protocol
from engine.rep_cutting import Rep
from engine.variation_ranking import rank_variations, t_interval, welch_interval
from tests.engine.comparison_patient import ComparisonRecording, VariationTruth, record_comparison

GLUTES = builtin_protocol("compare_gluteus_maximus").comparison
CUE = builtin_protocol("cue_ab_glute_squeeze").comparison
assert GLUTES is not None
assert CUE is not None


def analyse(rec: ComparisonRecording, plan: ComparisonPlan,
            pct: np.ndarray | None = None) -> ComparisonAnalysis:
    spans = [VariationSpan(name, a, b) for name, (a, b) in rec.spans.items()]
    return analyse_comparison(rec.band_uv, rec.envelope_uv, rec.pct_mvc if pct is None else pct,
                              rec.quality, rec.rate_hz, rec.channels, plan, spans)


@pytest.fixture(scope="module")
def four_exercises() -> tuple[list[VariationTruth], ComparisonRecording]:
    truths = [VariationTruth(v.id, level) for v, level
              in zip(GLUTES.variations, (0.62, 0.55, 0.48, 0.70), strict=True)]
    return truths, record_comparison(truths, seed=11, work_s=1.5, rest_s=2.0)


def test_the_true_ranking_is_recovered_and_every_interval_covers_the_truth(
        four_exercises) -> None:
    truths, rec = four_exercises
    ranking = analyse(rec, GLUTES).ranking
    assert [r.variation_id for r in ranking.results] == [
        "bulgarian_split_squat", "hip_thrust", "glute_bridge", "cable_pull_through"]
    for result in ranking.results:
        truth = next(t.level for t in truths if t.name == result.variation_id) * 100
        assert result.interval is not None
        assert result.interval.contains(truth), result
        assert result.n_reps == 6
        assert result.n_not_judged == 0
        assert result.target_share_pct is not None
        assert result.symmetry_angle_pct is not None
        assert set(result.onset_ms) == {"L-glute", "R-glute", "L-ham", "R-ham"}
    assert ranking.winner == "bulgarian_split_squat"
    assert ranking.unit == "%MVC"
    assert ranking.verdict.startswith("Bulgarian split squat works best")
    assert len(ranking.differences) == 3
    assert ranking.differences[0].clear
    assert ranking.cue_effect is None


def test_ranking_on_another_measure_and_without_calibration(four_exercises) -> None:
    _, rec = four_exercises
    analysis = analyse(rec, GLUTES)
    reps = analysis.reps
    share = rank_variations(GLUTES, reps, ComparisonMetric.TARGET_SHARE)
    assert share.unit == "%"
    assert share.results[0].variation_id == "bulgarian_split_squat"
    symmetry = rank_variations(GLUTES, reps, ComparisonMetric.SYMMETRY)
    assert symmetry.metric.higher_is_better is False
    means = [r.mean for r in symmetry.results]
    assert means == sorted(means)
    uncalibrated = analyse(rec, GLUTES, pct=np.full(rec.pct_mvc.shape, np.nan)).ranking
    assert uncalibrated.unit == "µV"
    assert [r.variation_id for r in uncalibrated.results] == [
        r.variation_id for r in analysis.ranking.results]
    assert all(r.target_share_pct is None for r in uncalibrated.results)


@pytest.mark.slow
def test_equal_variations_give_no_clear_winner_in_nine_seeds_of_ten() -> None:
    plan = ComparisonPlan(GLUTES.variations[:2], GLUTES.targets, GLUTES.compensators,
                          ComparisonMetric.MEAN_PCT)
    verdicts = []
    for seed in range(10):
        truths = [VariationTruth(v.id, 0.55) for v in plan.variations]
        rec = record_comparison(truths, seed=100 + seed, work_s=1.0, rest_s=1.5)
        verdicts.append(analyse(rec, plan).ranking.winner)
    assert sum(v is None for v in verdicts) >= 9


def test_a_cue_effect_is_reported_with_its_interval() -> None:
    truths = [VariationTruth("no_cue", 0.45, reps=8), VariationTruth("with_cue", 0.53, reps=8)]
    rec = record_comparison(truths, seed=5, work_s=1.5, rest_s=2.0)
    ranking = analyse(rec, CUE).ranking
    effect = ranking.cue_effect
    assert effect is not None
    assert effect.better_id == "with_cue"
    assert effect.interval is not None
    assert effect.interval.contains(8.0)
    assert effect.clear
    assert effect.difference == pytest.approx(8.0, abs=3.0)
    assert ranking.verdict.startswith('The cue "Squeeze your glutes at the top" raised')
    assert "95 % CI" in ranking.verdict


def _rep(value: float, judged: bool = True) -> Rep:
    return Rep(number=1, onset_index=0, offset_index=1, onset_s=0.0, offset_s=0.001,
               work_start_index=0, work_end_index=1, detected_index=1, closed=True,
               judged=judged, muscles=(), target_mean_pct=value if judged else None,
               target_peak_pct=None, target_mean_uv=None, target_peak_uv=None,
               target_share_pct=None, symmetry_angle_pct=None)


TWO = ComparisonPlan((Variation("a", "A", "do a", 6, 2.0), Variation("b", "B", "do b", 6, 2.0)),
                     ("gluteus_maximus",), (), ComparisonMetric.MEAN_PCT)


def test_the_rule_names_no_winner_for_equal_variations_in_most_draws() -> None:
    rng = np.random.default_rng(0)
    winners = 0
    for _ in range(400):
        reps = {v.id: [_rep(float(x)) for x in 50 + 5 * rng.standard_normal(6)]
                for v in TWO.variations}
        winners += rank_variations(TWO, reps).winner is not None
    assert winners <= 0.1 * 400


def test_intervals_match_the_textbook_and_need_two_reps() -> None:
    a, b = [50.0, 54.0, 49.0, 57.0, 52.0], [45.0, 47.5, 44.0, 49.0]
    welch = welch_interval(a, b, 0.95)
    reference = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert welch is not None
    assert (welch.low, welch.high) == pytest.approx((reference.low, reference.high))
    one = stats.ttest_1samp(a, 0).confidence_interval(0.9)
    interval = t_interval(a, 0.9)
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((one.low, one.high))
    assert t_interval([50.0], 0.95) is None
    assert welch_interval(a, [1.0], 0.95) is None
    reps = {"a": [_rep(60.0), _rep(0.0, judged=False)], "b": [_rep(40.0), _rep(41.0)]}
    ranking = rank_variations(TWO, reps)
    first = ranking.results[0]
    assert (first.variation_id, first.n_reps, first.n_not_judged) == ("a", 1, 1)
    assert first.interval is None
    assert ranking.winner is None
    assert "no interval" in ranking.verdict
    assert rank_variations(TWO, {}).verdict.startswith("No ranking")
