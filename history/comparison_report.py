"""An exercise comparison's report: a bar chart of each variation's mean with its confidence
interval, a strip plot of every rep, and one PDF with the table and the verdict, drawn with
matplotlib (Agg). matplotlib is imported here only, so no other command pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.comparison_analysis import ComparisonAnalysis, comparison_rows
from history.report_files import save_report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Spread of a variation's rep dots across its slot (a fraction of the slot), fixed per rep so
#: the picture is the same every time.
_STRIP_WIDTH = 0.3


def write_comparison_report(analysis: ComparisonAnalysis, folder: Path, title: str
                            ) -> list[Path]:
    """Write ``comparison-means.png``, ``comparison-reps.png`` and ``comparison.pdf`` into
    ``folder``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    figures = {
        "comparison-means.png": _means_figure(analysis, title),
        "comparison-reps.png": _reps_figure(analysis, title),
    }
    return save_report(folder, figures, _text_page(analysis, title), "comparison.pdf",
                       f"myoplay comparison: {title}")


def _new_figure(title: str) -> tuple[Figure, Any]:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8.0, 4.5))
    figure.subplots_adjust(left=0.09, right=0.97, top=0.9, bottom=0.2)
    axes.set_title(title, y=1.01, fontsize=10)
    axes.grid(True, axis="y", alpha=0.3)
    return figure, axes


def _names(analysis: ComparisonAnalysis) -> list[str]:
    return [r.name for r in analysis.ranking.results]


def _label_axes(axes: Any, analysis: ComparisonAnalysis) -> None:
    ranking = analysis.ranking
    names = _names(analysis)
    axes.set_xticks(range(len(names)), names, rotation=15, fontsize=8)
    axes.set_ylabel(f"{ranking.metric.label}, {ranking.unit}")
    if ranking.unit != "%":
        axes.set_ylim(bottom=0)


def _means_figure(analysis: ComparisonAnalysis, title: str) -> Figure:
    ranking = analysis.ranking
    figure, axes = _new_figure(f"{title}: mean per variation with its "
                               f"{analysis.plan.confidence * 100:g} % interval")
    for x, result in enumerate(ranking.results):
        if result.mean is None:
            continue
        winner = result.variation_id == ranking.winner
        axes.bar(x, result.mean, color="tab:green" if winner else "tab:blue", alpha=0.8,
                 gid=result.variation_id)
        if result.interval is not None:
            axes.errorbar(x, result.mean, yerr=[[result.mean - result.interval.low],
                                                [result.interval.high - result.mean]],
                          color="black", capsize=6)
    _label_axes(axes, analysis)
    figure.text(0.09, 0.03, _wrapped(ranking.verdict), fontsize=8)
    return figure


def _reps_figure(analysis: ComparisonAnalysis, title: str) -> Figure:
    figure, axes = _new_figure(f"{title}: every rep")
    count = 0
    for x, result in enumerate(analysis.ranking.results):
        n = len(result.values)
        offsets = [(_STRIP_WIDTH * (2 * i / (n - 1) - 1) if n > 1 else 0.0) for i in range(n)]
        axes.scatter([x + o for o in offsets], result.values, s=18, color="tab:blue",
                     alpha=0.8)
        if result.mean is not None:
            axes.hlines(result.mean, x - 0.4, x + 0.4, color="black")
        count += n
    _label_axes(axes, analysis)
    not_judged = sum(r.n_not_judged for r in analysis.ranking.results)
    figure.text(0.09, 0.03, f"{count} judged reps (dots, in order left to right; line: mean)"
                + (f"; {not_judged} not judged (signal flagged)" if not_judged else ""),
                fontsize=8)
    return figure


def _wrapped(text: str, width: int = 110) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def table_lines(analysis: ComparisonAnalysis) -> list[str]:
    """The result table as fixed-width lines (the terminal and the PDF show the same)."""
    rows = comparison_rows(analysis)
    ranking = analysis.ranking
    unit = ranking.unit
    head = (f"{'rank':>4}  {'variation':<26} {'reps':>4} {'mean':>7} {'interval':>17} "
            f"{'vs next':>23} {'share %':>7} {'sym %':>6}")
    lines = [f"{ranking.metric.label} in {unit}, {analysis.plan.confidence * 100:g} % "
             "intervals from rep-to-rep variation", head]
    for row in rows.variations:
        lines.append(
            f"{_cell(row['rank'], '{}'):>4}  {str(row['name'])[:26]:<26} "
            f"{_reps(row['reps'], row['reps_not_judged']):>4} {_cell(row['mean']):>7} "
            f"{_pair(row['ci_low'], row['ci_high']):>17} "
            f"{_difference(row['vs_next'], row['vs_next_low'], row['vs_next_high']):>23} "
            f"{_cell(row['target_share_pct']):>7} {_cell(row['symmetry_angle_pct']):>6}")
    return lines


def _cell(value: object, form: str = "{:.1f}") -> str:
    return "-" if value is None else form.format(value)


def _reps(judged: object, not_judged: object) -> str:
    return f"{judged}" + (f"+{not_judged}" if not_judged else "")


def _pair(low: object, high: object) -> str:
    return "-" if low is None or high is None else f"{low:.1f} to {high:.1f}"


def _difference(value: object, low: object, high: object) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f} ({_pair(low, high)})"


def timing_lines(analysis: ComparisonAnalysis) -> list[str]:
    """Per variation, the mean onset of each muscle relative to the rep's (ms)."""
    lines = []
    for result in analysis.ranking.results:
        if result.onset_ms:
            order = sorted(result.onset_ms.items(), key=lambda item: item[1])
            lines.append(f"{result.name}: " + ", ".join(f"{label} {ms:+.0f} ms"
                                                        for label, ms in order))
    return lines


def _text_page(analysis: ComparisonAnalysis, title: str) -> Figure:
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8.27, 11.69))
    lines: Sequence[str] = [
        f"Exercise comparison: {title}", "", *_wrapped(analysis.ranking.verdict, 90).split("\n"),
        "", *table_lines(analysis), "",
        "reps: judged (+ not judged: signal flagged); share: target / (target + compensators);",
        "sym: symmetry angle of the target, 0 = symmetric, + = right side higher.",
        "The winner is named only when its difference from the runner-up has an interval",
        "that excludes 0 (Welch); otherwise there is no clear winner.", "",
        "Activation timing (onset relative to the rep's, mean over reps):",
        *[f"  {line}" for line in timing_lines(analysis)],
    ]
    if analysis.reps_outside:
        lines = [*lines, "", f"{analysis.reps_outside} reps outside every variation's "
                 "markers were not ranked."]
    figure.text(0.05, 0.96, "\n".join(lines), va="top", family="monospace", fontsize=7)
    return figure
