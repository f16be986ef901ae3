"""The words and numbers of an exercise comparison's result: the lab's result card and the
terminal's report say the same (no pygame here, so the command line can print them)."""

from __future__ import annotations

from engine.comparison_result import ComparisonResult, VariationRow


def mean_text(row: VariationRow, result: ComparisonResult) -> str:
    """"61.5 %MVC (59.1–63.9)": the mean and its interval."""
    if row.mean is None:
        return "not measured"
    text = f"{row.mean:.1f} {result.unit}"
    if row.low is not None and row.high is not None:
        text += f" ({row.low:.1f}–{row.high:.1f})"
    return text


def reps_text(row: VariationRow) -> str:
    """"6 reps", "7 reps (+1 not scored)"."""
    text = f"{row.reps_judged} rep{'s' if row.reps_judged != 1 else ''}"
    if row.reps_not_judged:
        text += f" (+{row.reps_not_judged} not scored)"
    return text


def row_numbers(row: VariationRow, result: ComparisonResult) -> str:
    """"61.5 %MVC (59.1–63.9), 6 reps"."""
    return f"{mean_text(row, result)}, {reps_text(row)}"


def balance_text(row: VariationRow) -> str:
    """The target's share of the work and its left/right symmetry ("" when neither)."""
    parts = []
    if row.target_share_pct is not None:
        parts.append(f"target share {row.target_share_pct:.0f} %")
    if row.symmetry_angle_pct is not None:
        parts.append(f"symmetry angle {abs(row.symmetry_angle_pct):.1f} %")
    return " · ".join(parts)


def timing_text(row: VariationRow) -> str:
    """"hamstrings first by 58 ms" ("" without timing)."""
    if not row.first_muscle:
        return ""
    return f"{row.first_muscle.replace('_', ' ')} first by {row.lead_ms:.0f} ms"


def row_details(row: VariationRow) -> str:
    """Share, symmetry and timing beside a variation's result."""
    return " · ".join(part for part in (balance_text(row), timing_text(row)) if part)


def cue_line(result: ComparisonResult) -> str | None:
    """A cue test's effect with its interval, or None."""
    if result.cue_effect is None:
        return None
    text = f"Cue effect: {result.cue_effect:+.1f} {result.unit}"
    if result.cue_low is not None and result.cue_high is not None:
        text += (f" ({result.confidence:.0%} interval {result.cue_low:+.1f} to "
                 f"{result.cue_high:+.1f})")
    return text


def ranking_lines(result: ComparisonResult) -> list[str]:
    """The result card as text: the metric, every variation ranked with its numbers and what
    is beside it, the verdict and a cue test's effect."""
    lines = [f"{result.metric} ({result.unit}), {result.confidence:.0%} intervals, best first:"]
    for k, row in enumerate(result.rows):
        mark = "  <- works best" if row.variation_id == result.winner else ""
        lines.append(f"{k + 1}. {row.name}: {row_numbers(row, result)}{mark}")
        details = row_details(row)
        if details:
            lines.append(f"   {details}")
    lines.append(result.verdict)
    cue = cue_line(result)
    if cue is not None:
        lines.append(cue)
    return lines
