"""What ``myoplay play`` tells the user when a session ends, and the summary file it leaves."""

from __future__ import annotations

import json
from pathlib import Path

from actors.session import SessionOutcome


def report_session(outcome: SessionOutcome, folder: Path, speed: float) -> None:
    """Write ``summary.json`` into the session ``folder`` and print the summary on stdout."""
    summary = outcome.summary
    (folder / "summary.json").write_text(
        json.dumps(summary.to_plain(), indent=2, sort_keys=True) + "\n"
    )
    print(f"session ended: {outcome.reason}")
    print(f"  protocol       {summary.protocol_name}")
    print(f"  reps completed {summary.reps_completed} of {summary.reps_prescribed} "
          f"({summary.reps_attempted} attempted)")
    print(f"  time in zone   {summary.time_in_zone_s:.1f} s")
    rep_peaks = [r.peak_pct for r in summary.reps if r.peak_pct is not None]
    if rep_peaks:
        print(f"  peak in reps   {min(rep_peaks):.0f}–{max(rep_peaks):.0f} %MVC "
              f"(target {summary.final_low_pct:g}–{summary.final_high_pct:g})")
    if summary.mean_symmetry_lsi_pct is not None:
        print(f"  symmetry (LSI) {summary.mean_symmetry_lsi_pct:.0f} %")
    alerts = ", ".join(f"{k} ×{n}" for k, n in sorted(summary.alerts.items()) if n)
    print(f"  alerts         {alerts or 'none'}")
    if outcome.latency_p50_ms is not None and outcome.latency_p99_ms is not None:
        at = f", measured at {speed:g}x real time" if speed != 1.0 else ""
        print(f"  latency        p50 {outcome.latency_p50_ms:.1f} ms, "
              f"p99 {outcome.latency_p99_ms:.1f} ms (sample arrival to frame on screen, "
              f"incl. {outcome.group_delay_ms:.1f} ms filter delay{at})")
    print(f"recording: {outcome.record_path}")
    print(f"summary:   {folder / 'summary.json'}")
    if outcome.frames:
        print(f"frames:    {len(outcome.frames)} PNG in {outcome.frames[0].parent}")
