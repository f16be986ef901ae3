"""The result card of an exercise comparison, as plain data: what the lab shows, the session
summary keeps and the terminal prints.

:func:`engine.variation_ranking.rank_variations` decides the ranking; this is its knowledge of
results in the words and numbers a client and a clinician read: each variation's metric with its
interval, how many reps it stands on, the compensation share and symmetry beside it, and which
muscle switched on first, by how many ms. It converts to plain data and back (``summary.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import MessageFormatError
from engine.messages import PlainValue, canonical

if TYPE_CHECKING:  # the ranking is built in engine.rules; this module only reads it
    from engine.variation_ranking import Ranking, VariationResult


@dataclass(frozen=True, slots=True)
class VariationRow:
    """One variation on the result card, best first."""

    variation_id: str
    name: str
    mean: float | None
    """The metric's mean over the judged reps (None: no rep could be judged)."""
    low: float | None
    high: float | None
    """The interval of the mean (None with fewer than two judged reps)."""
    reps_judged: int
    reps_not_judged: int
    """Reps cut but not judged (flagged during them, or cut by a gap): never scored."""
    target_share_pct: float | None
    """The target's share of target plus compensators, %."""
    symmetry_angle_pct: float | None
    """The target's left/right symmetry angle, % (+: right higher)."""
    first_muscle: str
    """The muscle that switched on first, on average ("" when no timing was measured)."""
    lead_ms: float
    """How many ms before the next muscle it switched on, on average (0 without timing)."""

    @classmethod
    def of(cls, result: VariationResult, muscle_of: Mapping[str, str]) -> VariationRow:
        """``result`` on the card; ``muscle_of`` names each channel label's muscle."""
        interval = result.interval
        first, lead = activation_order(result.onset_ms, muscle_of)
        return cls(
            variation_id=result.variation_id,
            name=result.name,
            mean=result.mean,
            low=interval.low if interval is not None else None,
            high=interval.high if interval is not None else None,
            reps_judged=len(result.values),
            reps_not_judged=result.n_not_judged,
            target_share_pct=result.target_share_pct,
            symmetry_angle_pct=result.symmetry_angle_pct,
            first_muscle=first,
            lead_ms=lead,
        )


def activation_order(onset_ms: Mapping[str, float],
                     muscle_of: Mapping[str, str]) -> tuple[str, float]:
    """The muscle that switches on first and its lead over the next one, ms, from each
    channel's mean onset relative to the rep's (a muscle's onset is the mean of its channels';
    "", 0 with fewer than two muscles timed)."""
    by_muscle: dict[str, list[float]] = {}
    for label, onset in onset_ms.items():
        by_muscle.setdefault(muscle_of.get(label, label), []).append(onset)
    if len(by_muscle) < 2:
        return "", 0.0
    means = sorted((sum(v) / len(v), muscle) for muscle, v in by_muscle.items())
    return means[0][1], means[1][0] - means[0][0]


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    """Every variation ranked, the verdict and, for a cue test, the cue's effect."""

    metric: str
    """The metric's label ("mean activation")."""
    unit: str
    higher_is_better: bool
    confidence: float
    rows: tuple[VariationRow, ...]
    winner: str | None
    """The winning variation's id; None: no clear winner."""
    verdict: str
    cue_effect: float | None = None
    """Cue test: with-cue minus without-cue, in the metric's unit (sign kept)."""
    cue_low: float | None = None
    cue_high: float | None = None

    @classmethod
    def of(cls, ranking: Ranking, confidence: float,
           muscle_of: Mapping[str, str]) -> ComparisonResult:
        """The card of ``ranking``; ``muscle_of`` names each channel label's muscle."""
        cue = ranking.cue_effect
        cue_interval = cue.interval if cue is not None else None
        return cls(
            metric=ranking.metric.label,
            unit=ranking.unit,
            higher_is_better=ranking.metric.higher_is_better,
            confidence=confidence,
            rows=tuple(VariationRow.of(r, muscle_of) for r in ranking.results),
            winner=ranking.winner,
            verdict=ranking.verdict,
            cue_effect=cue.difference if cue is not None else None,
            cue_low=cue_interval.low if cue_interval is not None else None,
            cue_high=cue_interval.high if cue_interval is not None else None,
        )

    def to_plain(self) -> dict[str, PlainValue]:
        values: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        values["rows"] = [{name: getattr(row, name) for name in _ROW_FIELDS} for row in self.rows]
        plain = canonical(values)
        assert isinstance(plain, dict)
        return plain

    @classmethod
    def from_plain(cls, data: object) -> ComparisonResult:
        values = dict(_mapping(data, "comparison result"))
        rows = values.pop("rows", None)
        if not isinstance(rows, list) or set(values) != set(_FIELDS) - {"rows"}:
            raise MessageFormatError("comparison result: expected its fields and a list of rows")
        try:
            parsed = tuple(VariationRow(**_mapping(row, "comparison row")) for row in rows)
            return cls(**values, rows=parsed)
        except TypeError as exc:
            raise MessageFormatError(f"comparison result: {exc}") from None


_FIELDS = tuple(ComparisonResult.__dataclass_fields__)
_ROW_FIELDS = tuple(VariationRow.__dataclass_fields__)


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MessageFormatError(f"{what}: expected a mapping, got {type(data).__name__}")
    return data
