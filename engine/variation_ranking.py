"""Honest rankings of exercise variations (or a cue and no cue) from their reps.

Each variation's measure (:class:`~engine.comparison_plan.ComparisonMetric`, per judged rep) is
summarised by its mean and a Student t confidence interval from rep-to-rep variation. Variations
are ranked by mean; each is compared with the next one down by the difference of their means
with a Welch interval (unequal variances and rep counts).

**The rule.** The best variation is named the winner only when the Welch interval of its
difference from the runner-up excludes 0; otherwise the result is "no clear winner": the
difference is within what rep-to-rep variation produces. (Overlapping interval bars alone are
not the test: two 95 % intervals may overlap while the difference is clear.) A variation with
fewer than two judged reps has no interval and cannot be a clear winner. For a cue A/B
protocol the cue's effect (with cue minus without) is reported with its interval the same way.

Not judged reps (mostly flagged, :mod:`engine.rep_cutting`) are counted but never scored. With
no calibration the activation measures fall back to the envelope in the source's unit (µV): a
within-session comparison on the same electrodes is still valid, and the unit says so; the share
and symmetry need %MVC and are then absent.

Determinism: sums are exact (``math.fsum``), square roots IEEE (``math.sqrt``), the t quantiles
scipy's (deterministic); no BLAS, no transcendental function feeds a result.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from engine.comparison_plan import ComparisonMetric, ComparisonPlan
from engine.rep_cutting import Rep

ENVELOPE_UNIT = "µV"
"""The unit of an activation measure without calibration (the envelope's)."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence interval [low, high] at ``confidence`` (a fraction)."""

    low: float
    high: float
    confidence: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class VariationResult:
    """One variation's reps summarised."""

    variation_id: str
    name: str
    values: tuple[float, ...]
    """The measure of every judged rep, in order."""
    n_not_judged: int
    mean: float | None
    sd: float | None
    """Rep-to-rep standard deviation (None with fewer than two reps)."""
    interval: Interval | None
    """t interval of the mean (None with fewer than two reps)."""
    target_share_pct: float | None
    """Mean target share over the judged reps that have one."""
    symmetry_angle_pct: float | None
    """Mean symmetry angle of the target over the judged reps that have one."""
    onset_ms: Mapping[str, float]
    """Channel label -> mean onset relative to the rep's onset (ms), over the reps in which it
    switched on within the timing window; negative: before the target."""

    @property
    def n_reps(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class Difference:
    """``better_id``'s mean minus ``worse_id``'s, with its Welch interval."""

    better_id: str
    worse_id: str
    difference: float
    interval: Interval | None

    @property
    def clear(self) -> bool:
        """Whether the interval excludes 0 (the difference is beyond rep-to-rep noise)."""
        return self.interval is not None and not self.interval.contains(0.0)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Variations best first, each compared with the next, and the verdict."""

    metric: ComparisonMetric
    unit: str
    results: tuple[VariationResult, ...]
    """Best first; variations without a mean last, in the plan's order."""
    differences: tuple[Difference, ...]
    """Each ranked variation against the next one down (among those with a mean)."""
    winner: str | None
    """The best variation's id when its lead over the runner-up is clear; None otherwise."""
    verdict: str
    """One sentence for the result card and the report."""
    cue_effect: Difference | None
    """A cue test's effect: with cue (``better_id``) minus without (``worse_id``), whatever its
    sign; None for other comparisons."""


def mean_and_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (n − 1), exact sums."""
    n = len(values)
    if n == 0:
        return None, None
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(math.fsum((v - mean) * (v - mean) for v in values) / (n - 1))


def t_interval(values: Sequence[float], confidence: float) -> Interval | None:
    """Student t interval of the mean of ``values`` (None with fewer than two)."""
    mean, sd = mean_and_sd(values)
    if mean is None or sd is None:
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1)) * sd / math.sqrt(
        len(values))
    return Interval(mean - half, mean + half, confidence)


def welch_interval(a: Sequence[float], b: Sequence[float], confidence: float
                   ) -> Interval | None:
    """Welch interval of mean(a) − mean(b) (None unless both have two values or more)."""
    mean_a, sd_a = mean_and_sd(a)
    mean_b, sd_b = mean_and_sd(b)
    if mean_a is None or mean_b is None or sd_a is None or sd_b is None:
        return None
    va, vb = sd_a * sd_a / len(a), sd_b * sd_b / len(b)
    difference = mean_a - mean_b
    if va + vb == 0:
        return Interval(difference, difference, confidence)
    df = (va + vb) * (va + vb) / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(va + vb)
    return Interval(difference - half, difference + half, confidence)


def rep_value(rep: Rep, metric: ComparisonMetric, unit: str) -> float | None:
    """What a rep scores on ``metric`` in ``unit`` (the ranking's: the envelope's without a
    calibration); None for a rep not judged."""
    if not rep.judged:
        return None
    if unit != ENVELOPE_UNIT:
        return rep.metric_value(metric)
    if metric is ComparisonMetric.MEAN_PCT:
        return rep.target_mean_uv
    if metric is ComparisonMetric.PEAK_PCT:
        return rep.target_peak_uv
    return None


def _mean_of(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.fsum(present) / len(present) if present else None


def _result(plan: ComparisonPlan, variation_id: str, reps: Sequence[Rep],
            metric: ComparisonMetric, unit: str) -> VariationResult:
    judged = [r for r in reps if r.judged]
    values = tuple(v for v in (rep_value(r, metric, unit) for r in judged)
                   if v is not None)
    mean, sd = mean_and_sd(values)
    labels: list[str] = []
    for rep in judged:
        labels += [m.label for m in rep.muscles if m.onset_ms is not None
                   and m.label not in labels]
    onset = {label: _mean_of([m.onset_ms for r in judged for m in r.muscles
                              if m.label == label]) for label in labels}
    return VariationResult(
        variation_id=variation_id, name=plan.variation(variation_id).name, values=values,
        n_not_judged=len(reps) - len(judged), mean=mean, sd=sd,
        interval=t_interval(values, plan.confidence),
        target_share_pct=_mean_of([r.target_share_pct for r in judged]),
        symmetry_angle_pct=_mean_of([r.symmetry_angle_pct for r in judged]),
        onset_ms={k: v for k, v in onset.items() if v is not None},
    )


def _number(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}"


def _interval_text(interval: Interval | None, unit: str) -> str:
    if interval is None:
        return "no interval: fewer than two judged reps"
    return (f"{interval.confidence * 100:g} % CI {interval.low:.1f} to {interval.high:.1f} "
            f"{unit}")


def rank_variations(plan: ComparisonPlan, reps: Mapping[str, Sequence[Rep]],
                    metric: ComparisonMetric | None = None) -> Ranking:
    """Rank the plan's variations on ``metric`` (default: the plan's) from their reps (by
    variation id; a variation without reps ranks last). See the module's docstring for the
    rule that names a winner."""
    metric = metric or plan.metric
    calibrated = any(r.judged and r.target_mean_pct is not None
                     for rs in reps.values() for r in rs)
    unit = metric.unit if calibrated else ENVELOPE_UNIT
    results = [_result(plan, v.id, reps.get(v.id, ()), metric, unit)
               for v in plan.variations]
    sign = 1.0 if metric.higher_is_better else -1.0
    order = {v.id: i for i, v in enumerate(plan.variations)}
    scored = sorted((r for r in results if r.mean is not None),
                    key=lambda r: (-sign * (r.mean or 0.0), order[r.variation_id]))
    ranked = scored + [r for r in results if r.mean is None]
    differences = tuple(
        Difference(better.variation_id, worse.variation_id,
                   (better.mean or 0.0) - (worse.mean or 0.0),
                   welch_interval(better.values, worse.values, plan.confidence))
        for better, worse in itertools.pairwise(scored))
    winner = (scored[0].variation_id if differences and differences[0].clear else None)
    cue_effect = None
    if plan.is_cue_test:
        with_cue = next(r for r in results if plan.variation(r.variation_id).cue is not None)
        without = next(r for r in results if r is not with_cue)
        if with_cue.mean is not None and without.mean is not None:
            cue_effect = Difference(with_cue.variation_id, without.variation_id,
                                    with_cue.mean - without.mean,
                                    welch_interval(with_cue.values, without.values,
                                                   plan.confidence))
    return Ranking(metric, unit, tuple(ranked), differences, winner,
                   _verdict(plan, metric, unit, scored, differences, winner, cue_effect),
                   cue_effect)


def _verdict(plan: ComparisonPlan, metric: ComparisonMetric, unit: str,
             scored: Sequence[VariationResult], differences: Sequence[Difference],
             winner: str | None, cue_effect: Difference | None) -> str:
    if cue_effect is not None:
        cue = plan.variation(cue_effect.better_id).cue
        change = "raised" if cue_effect.difference > 0 else "lowered"
        interval = _interval_text(cue_effect.interval, unit)
        if cue_effect.clear:
            return (f"The cue \"{cue}\" {change} {metric.label} by "
                    f"{_number(abs(cue_effect.difference), unit)} ({interval}).")
        return (f"The cue \"{cue}\" made no clear difference: "
                f"{_number(cue_effect.difference, unit)} ({interval}), within rep-to-rep "
                "variation.")
    if len(scored) < 2:
        return "No ranking: fewer than two variations have judged reps."
    best, runner_up, first = scored[0], scored[1], differences[0]
    interval = _interval_text(first.interval, unit)
    if winner is not None:
        return (f"{best.name} works best: {metric.label} "
                f"{_number(abs(first.difference), unit)} "
                f"{'above' if metric.higher_is_better else 'below'} {runner_up.name} "
                f"({interval}).")
    return (f"No clear winner: {best.name} and {runner_up.name} differ by "
            f"{_number(abs(first.difference), unit)} ({interval}), within rep-to-rep "
            "variation.")
