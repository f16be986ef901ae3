"""An exercise comparison analysed from a whole recording: which stretch of it was which
variation (from its markers), the reps cut in each, and the ranking.

Markers name the variations by id or name (:meth:`ComparisonPlan.find
<engine.comparison_plan.ComparisonPlan.find>`). A variation's stretch starts at its marker and
ends, in this order of preference, after the marker's duration (an EDF+ annotation's, say), at
an end marker naming it (``"hip_thrust end"``, ``"end hip_thrust"``, the exercise lab's
``variation_ended`` event), at the next marker naming a variation, at a marker that ends
whatever runs (:data:`END_WORDS`, or an empty one: a CSV label column going blank), or at the
end of the recording. A rep belongs to the stretch in which it began; reps outside every
stretch, and reps that meet a stretch the player paused (``user_paused`` … ``user_resumed``,
:mod:`engine.paused_stretches`, as the lab ignores them live), are counted, not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.comparison_plan import ComparisonPlan
from engine.dsp.filters import FloatArray
from engine.errors import ReplayError
from engine.messages import ChannelInfo
from engine.paused_stretches import PausedStretch, overlaps_pause
from engine.rep_cutting import Rep, RepCutConfig, cut_reps
from engine.rules.kinds import EventKind
from engine.variation_ranking import Ranking, rank_variations, rep_value

#: Marker texts that end the variation under way.
END_WORDS = frozenset({"", "end", "stop", "rest", "none", "pause"})
_START_WORDS = ("start", "begin", "started")
_END_SUFFIXES = ("end", "stop", "ended", "done")
#: The exercise lab's events, as a recording's notes write them (``event <kind> <subject>``).
LAB_STARTED = EventKind.VARIATION_STARTED.value
LAB_ENDED = EventKind.VARIATION_ENDED.value
PAUSED = EventKind.USER_PAUSED.value
RESUMED = EventKind.USER_RESUMED.value


@dataclass(frozen=True, slots=True)
class MarkerNote:
    """A marker of a recording: at ``onset_s`` from the first sample, lasting ``duration_s``
    (None: an instant), saying ``text``."""

    onset_s: float
    duration_s: float | None
    text: str


@dataclass(frozen=True, slots=True)
class VariationSpan:
    """Samples ``start_index`` to ``end_index`` (exclusive) were the variation ``variation_id``."""

    variation_id: str
    start_index: int
    end_index: int


@dataclass(frozen=True, slots=True)
class ComparisonAnalysis:
    """Everything a comparison's result card, table, report and history rows show."""

    plan: ComparisonPlan
    spans: tuple[VariationSpan, ...]
    reps: Mapping[str, tuple[Rep, ...]]
    """Variation id -> its reps in order (every variation of the plan has an entry)."""
    reps_outside: int
    """Reps cut outside every variation's stretch (warm-up, moving between stations) or
    across a paused stretch."""
    ranking: Ranking
    rate_hz: float
    pauses: tuple[PausedStretch, ...] = ()
    """The stretches the player paused, left out of every variation's."""


def _split(text: str) -> tuple[str, str | None]:
    """(what is named, "start"/"end"/None) of a marker such as "hip thrust end"."""
    words = text.strip().split()
    if len(words) >= 2:
        for head, tail in ((words[:-1], words[-1]), (words[1:], words[0])):
            if tail.lower() in _START_WORDS:
                return " ".join(head), "start"
            if tail.lower() in _END_SUFFIXES:
                return " ".join(head), "end"
    return text, None


def variation_spans(notes: Sequence[MarkerNote], plan: ComparisonPlan, rate_hz: float,
                    n_samples: int) -> list[VariationSpan]:
    """The stretches of a recording of ``n_samples`` that the markers give each variation (see
    the module's docstring), in time order."""
    spans: list[VariationSpan] = []
    open_id: str | None = None
    open_at = 0

    def close(at_index: int) -> None:
        nonlocal open_id
        if open_id is not None and at_index > open_at:
            spans.append(VariationSpan(open_id, open_at, min(at_index, n_samples)))
        open_id = None

    for note in sorted(notes, key=lambda n: n.onset_s):
        index = max(0, round(note.onset_s * rate_hz))
        text = note.text.strip()
        words = text.split()
        action: str | None
        if len(words) >= 3 and words[0] == "event" and words[1] in (LAB_STARTED, LAB_ENDED):
            named, action = words[2], ("start" if words[1] == LAB_STARTED else "end")
        else:
            named, action = _split(text)
        variation = plan.find(named)
        if variation is None:
            if text.lower() in END_WORDS:
                close(index)
            continue
        if action == "end":
            if open_id == variation.id:
                close(index)
            continue
        close(index)
        if note.duration_s is not None and note.duration_s > 0:
            end = index + max(1, round(note.duration_s * rate_hz))
            spans.append(VariationSpan(variation.id, index, min(end, n_samples)))
        else:
            open_id, open_at = variation.id, index
    close(n_samples)
    return [s for s in spans if s.start_index < n_samples]


def paused_stretches(notes: Sequence[MarkerNote], rate_hz: float) -> list[PausedStretch]:
    """The stretches the player paused, from a myoplay recording's ``user_paused`` and
    ``user_resumed`` events (a pause never resumed runs to the end)."""
    stretches: list[PausedStretch] = []
    paused_at: int | None = None
    for note in sorted(notes, key=lambda n: n.onset_s):
        words = note.text.split()
        if len(words) < 2 or words[0] != "event" or words[1] not in (PAUSED, RESUMED):
            continue
        index = max(0, round(note.onset_s * rate_hz))
        if words[1] == PAUSED and paused_at is None:
            paused_at = index
        elif words[1] == RESUMED and paused_at is not None:
            stretches.append(PausedStretch(paused_at, index))
            paused_at = None
    if paused_at is not None:
        stretches.append(PausedStretch(paused_at, None))
    return stretches


def analyse_comparison(
    band_uv: FloatArray,
    envelope_uv: FloatArray,
    pct_mvc: FloatArray | None,
    quality: npt.NDArray[np.uint8],
    rate_hz: float,
    channels: Sequence[ChannelInfo],
    plan: ComparisonPlan,
    spans: Sequence[VariationSpan],
    config: RepCutConfig | None = None,
    *,
    pauses: Sequence[PausedStretch] = (),
    gaps: Sequence[tuple[int, int]] = (),
) -> ComparisonAnalysis:
    """Cut the reps of a whole recording's (samples, channels) arrays, give each to the
    variation in whose stretch it began (none when it met a paused stretch), and rank the
    variations. ``gaps``: the (first row, rows) that stand for samples that never arrived."""
    if not spans:
        raise ReplayError(
            "no marker in the recording names a variation of the comparison ("
            + ", ".join(v.id for v in plan.variations) + ")",
            hint="mark where each variation starts with its id or name (an annotation, "
                 "event or marker), or choose the protocol the recording was made with")
    reps = cut_reps(band_uv, envelope_uv, pct_mvc, quality, rate_hz, channels, plan.targets,
                    plan.compensators, config, gaps=gaps)
    by_variation: dict[str, list[Rep]] = {v.id: [] for v in plan.variations}
    outside = 0
    for rep in reps:
        span = next((s for s in spans if s.start_index <= rep.onset_index < s.end_index), None)
        if span is None or overlaps_pause(rep.onset_index, rep.detected_index, pauses):
            outside += 1
        else:
            by_variation[span.variation_id].append(rep)
    frozen = {k: tuple(v) for k, v in by_variation.items()}
    return ComparisonAnalysis(plan, tuple(spans), frozen, outside,
                              rank_variations(plan, frozen), rate_hz, tuple(pauses))


@dataclass(frozen=True, slots=True)
class ComparisonRows:
    """A comparison as flat rows: what the history store keeps, ``myoplay compare`` prints and
    a batch table holds (None: no value)."""

    summary: dict[str, str | float | int | None]
    """metric, unit, confidence, winner, verdict, cue effect and interval, reps outside."""
    variations: tuple[dict[str, str | float | int | None], ...]
    """One per variation, best first (see :data:`VARIATION_COLUMNS`)."""
    reps: tuple[dict[str, str | float | int | None], ...]
    """One per rep, in time order (see :data:`REP_COLUMNS`)."""
    rep_muscles: tuple[dict[str, str | float | int | None], ...]
    """One per rep and channel (see :data:`REP_MUSCLE_COLUMNS`)."""


VARIATION_COLUMNS = ("variation_id", "name", "rank", "reps", "reps_not_judged", "mean", "sd",
                     "ci_low", "ci_high", "vs_next", "vs_next_low", "vs_next_high",
                     "target_share_pct", "symmetry_angle_pct")
REP_COLUMNS = ("n", "variation_id", "onset_s", "offset_s", "work_start_s", "work_end_s",
               "judged", "value", "target_mean_pct", "target_peak_pct", "target_share_pct",
               "symmetry_angle_pct")
REP_MUSCLE_COLUMNS = ("n", "channel", "muscle", "side", "role", "mean_pct", "peak_pct",
                      "onset_ms", "flagged_fraction")


def comparison_rows(analysis: ComparisonAnalysis) -> ComparisonRows:
    """The analysis as rows (times in s from the first sample, measures in the ranking's
    unit)."""
    ranking = analysis.ranking
    rate = analysis.rate_hz
    effect = ranking.cue_effect
    summary: dict[str, str | float | int | None] = {
        "metric": ranking.metric.value, "unit": ranking.unit,
        "confidence": analysis.plan.confidence, "winner": ranking.winner,
        "verdict": ranking.verdict,
        "cue_effect": effect.difference if effect else None,
        "cue_effect_low": effect.interval.low if effect and effect.interval else None,
        "cue_effect_high": effect.interval.high if effect and effect.interval else None,
        "reps_outside": analysis.reps_outside,
    }
    following = {d.better_id: d for d in ranking.differences}
    variations = []
    for rank, result in enumerate(ranking.results, 1):
        step = following.get(result.variation_id)
        variations.append({
            "variation_id": result.variation_id, "name": result.name,
            "rank": rank if result.mean is not None else None, "reps": result.n_reps,
            "reps_not_judged": result.n_not_judged, "mean": result.mean, "sd": result.sd,
            "ci_low": result.interval.low if result.interval else None,
            "ci_high": result.interval.high if result.interval else None,
            "vs_next": step.difference if step else None,
            "vs_next_low": step.interval.low if step and step.interval else None,
            "vs_next_high": step.interval.high if step and step.interval else None,
            "target_share_pct": result.target_share_pct,
            "symmetry_angle_pct": result.symmetry_angle_pct,
        })
    reps: list[dict[str, str | float | int | None]] = []
    muscles: list[dict[str, str | float | int | None]] = []
    ordered = sorted(((rep, variation_id) for variation_id, group in analysis.reps.items()
                      for rep in group), key=lambda item: item[0].onset_index)
    for n, (rep, variation_id) in enumerate(ordered, 1):
        value = rep_value(rep, ranking.metric, ranking.unit)
        reps.append({
            "n": n, "variation_id": variation_id, "onset_s": rep.onset_index / rate,
            "offset_s": rep.offset_index / rate, "work_start_s": rep.work_start_index / rate,
            "work_end_s": rep.work_end_index / rate, "judged": int(rep.judged),
            "value": value, "target_mean_pct": rep.target_mean_pct,
            "target_peak_pct": rep.target_peak_pct, "target_share_pct": rep.target_share_pct,
            "symmetry_angle_pct": rep.symmetry_angle_pct,
        })
        muscles += [{"n": n, "channel": m.label, "muscle": m.muscle, "side": m.side,
                     "role": m.role.value, "mean_pct": m.mean_pct, "peak_pct": m.peak_pct,
                     "onset_ms": m.onset_ms, "flagged_fraction": m.flagged_fraction}
                    for m in rep.muscles]
    return ComparisonRows(summary, tuple(variations), tuple(reps), tuple(muscles))
