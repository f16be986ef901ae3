"""What ``myoplay play`` tells the user when a session ends, and the summary file it leaves.

The console report is the summary screen's knowledge of results in text: the verdict, every rep
(peak and mean %MVC, time in the zone, success, the band it was judged on), the bands used, every
alert of the session, the duration and the trend. ``summary.json`` holds the same and more.

A session filed under a client (``--client``, or chosen on the start screen) also shows, after
the trend, the change since the client's last session of the same protocol and the progress
toward the criterion across sessions (:mod:`engine.since_last_session`, the same lines as the
summary screen) and, once the criterion is met, how to take the next step it offers.
"""

from __future__ import annotations

import json
from pathlib import Path

from actors.session import SessionOutcome
from engine.game_score import score_reps
from engine.protocol import builtin_protocol_names
from engine.rules.session_summary import SessionSummary
from engine.since_last_session import ClientHistory, client_progress_lines, next_step_after
from modes import results_text
from modes.lab_text import ranking_lines
from modes.mvc_test_screen import describe
from modes.summary_screen import COMPENSATION_MARK, compensation_note


def summary_lines(summary: SessionSummary,
                  client_history: ClientHistory | None = None, *,
                  maximal_test: bool = False) -> list[str]:
    """The summary's report lines, indented under the "session ended" line (with the client's
    progress when the session is filed under one). A ``maximal_test`` (an MVC protocol) has
    its own lines: efforts and their peaks, no band, zone, trend or score."""
    if maximal_test:
        return maximal_test_lines(summary)
    if summary.comparison is not None:
        return comparison_lines(summary)
    lines = [
        f"  protocol       {summary.protocol_name}",
        f"  result         {results_text.verdict(summary)}",
        f"  reps completed {summary.reps_completed} of {summary.reps_prescribed} "
        f"({summary.reps_attempted} attempted)",
        f"  duration       {results_text.duration_text(summary.duration_s)}"
        + (f" (paused {summary.paused_s:.0f} s)" if summary.paused_s else ""),
        f"  time in zone   {summary.time_in_zone_s:.1f} s",
    ]
    if summary.reps:
        lines.append("  rep  band %MVC  peak  mean  in zone s  success")
        for k in range(len(summary.reps)):
            number, band, peak, mean, zone, ok = results_text.rep_row(summary, k)
            mark = COMPENSATION_MARK if summary.reps[k].compensated else ""
            why = results_text.missed_reason(summary.reps[k])
            lines.append(f"  {number:>3}  {band:>9}  {peak:>4}  {mean:>4}  {zone:>9}  "
                         f"{'yes' if ok else 'no'}{mark}" + (f" ({why})" if why else ""))
        note = compensation_note(summary)
        if note is not None:
            lines.append(f"  {note}")
    bands = results_text.band_lines(summary.bands)
    for k, line in enumerate(bands):
        lines.append(f"  {'bands' if k == 0 else '':<14} {line}")
    if summary.mean_symmetry_lsi_pct is not None:
        lines.append(f"  symmetry (LSI) {summary.mean_symmetry_lsi_pct:.0f} % (mean of reps)")
    lines.append(f"  alerts         {results_text.alerts_text(summary)}")
    trend, numbers = results_text.trend_text(summary.trend)
    lines.append(f"  trend          {trend}" + (f" ({numbers})" if numbers else ""))
    if client_history is not None:
        lines += client_lines(client_history, summary)
    lines.append(f"  score          {score_reps(summary.reps).describe()}")
    return lines


def client_lines(history: ClientHistory, summary: SessionSummary) -> list[str]:
    """The client's progress as the summary screen shows it and, when the criterion is met
    with this session, the command that takes the next step it offers: the clinician decides
    (the progress lines say which step and why)."""
    progress = client_progress_lines(history, summary)
    step = next_step_after(history, summary)
    if step is not None:
        # A step to a protocol file is played with that file (``play`` checks it is the one).
        file = "" if step.protocol_id in builtin_protocol_names() else " --protocol FILE"
        progress.append(f"take the next step with: myoplay play --client {history.client_id} "
                        f"--next-step{file} (the clinician decides)")
    label = f"client {history.client_id}"
    return [f"  {label if k == 0 else '':<14} {line}" for k, line in enumerate(progress)]


def comparison_lines(summary: SessionSummary) -> list[str]:
    """An exercise comparison's report: the exercises and reps done, then the ranking as the
    lab's result card shows it (no band, zone, trend or score: nothing was held in a band)."""
    assert summary.comparison is not None
    done = "" if summary.finished else " (stopped before the end: ranked on what was done)"
    lines = [
        f"  protocol       {summary.protocol_name}",
        f"  exercises      {summary.sets_completed} of {summary.sets_prescribed}{done}",
        f"  reps counted   {summary.reps_completed} of {summary.reps_prescribed} "
        f"({summary.reps_attempted} cut from the signal)",
        f"  duration       {results_text.duration_text(summary.duration_s)}"
        + (f" (paused {summary.paused_s:.0f} s)" if summary.paused_s else ""),
    ]
    for k, line in enumerate(ranking_lines(summary.comparison)):
        lines.append(f"  {'ranking' if k == 0 else '':<14} {line}")
    return lines


def maximal_test_lines(summary: SessionSummary) -> list[str]:
    """An MVC test's report: every effort's peak (µV, and % of a reference given up front)
    and the best, as its screen shows them. The test has no band, zone, hold or trend: its
    reps carry a nominal band only because every exercise is judged by the same engine."""
    efforts = [(rep.peak_uv, rep.peak_pct) for rep in summary.reps]
    done = f"{summary.reps_attempted} of {summary.reps_prescribed}"
    if efforts:
        best = max(range(len(efforts)), key=lambda k: efforts[k][0])
        result = (f"maximal effort {describe(*efforts[best])}, effort {best + 1} "
                  f"of {len(efforts)}")
    else:
        result = "no effort was made"
    if not summary.finished and efforts:
        result += f" (stopped after {done} efforts)"
    lines = [
        f"  protocol       {summary.protocol_name}",
        f"  result         {result}",
        f"  efforts        {done}",
        f"  duration       {results_text.duration_text(summary.duration_s)}"
        + (f" (paused {summary.paused_s:.0f} s)" if summary.paused_s else ""),
    ]
    if efforts:
        lines.append("  effort  peak")
        for k, effort in enumerate(efforts):
            marks = ("  best" if k == best else "") + (
                "" if summary.reps[k].success else "  (below the effort asked: not counted)")
            lines.append(f"  {k + 1:>6}  {describe(*effort)}{marks}")
    lines.append(f"  alerts         {results_text.alerts_text(summary)}")
    return lines


def report_session(outcome: SessionOutcome, folder: Path, speed: float,
                   client_history: ClientHistory | None = None, *,
                   maximal_test: bool = False) -> None:
    """Write ``summary.json`` into the session ``folder`` and print the summary on stdout
    (an MVC protocol's, ``maximal_test``, as a test's efforts, see :func:`summary_lines`)."""
    summary = outcome.summary
    # The score beside the summary: computed from the reps, like the HUD's and the screen's.
    plain = summary.to_plain() | {"score": score_reps(summary.reps).to_plain()}
    (folder / "summary.json").write_text(json.dumps(plain, indent=2, sort_keys=True) + "\n")
    print(f"session ended: {outcome.reason}")
    for line in summary_lines(summary, client_history, maximal_test=maximal_test):
        print(line)
    if outcome.latency_p50_ms is not None and outcome.latency_p99_ms is not None:
        at = f", measured at {speed:g}x real time" if speed != 1.0 else ""
        print(f"  latency        p50 {outcome.latency_p50_ms:.1f} ms, "
              f"p99 {outcome.latency_p99_ms:.1f} ms (sample arrival to frame on screen, "
              f"incl. {outcome.group_delay_ms:.1f} ms filter delay{at})")
    print(f"recording: {outcome.record_path}")
    print(f"summary:   {folder / 'summary.json'}")
    if outcome.frames:
        print(f"frames:    {len(outcome.frames)} PNG in {outcome.frames[0].parent}")
