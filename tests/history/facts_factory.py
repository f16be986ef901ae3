"""Session facts for store tests, without a recording behind them."""

from __future__ import annotations

import dataclasses

from engine.session_facts import ChannelCalibration, RepFacts, SessionFacts

CALIBRATION = {"channels": ["L-quad", "R-quad"], "baseline_uv": [1.0, 1.0],
               "noise_sd_uv": [0.5, 0.5], "reference_uv": [100.0, 120.0],
               "pipeline": {"rate_hz": 1000.0}, "kind": "mvc", "reference_pct_mvc": 100.0,
               "window_s": 0.5, "plateau_s": 1.0, "t_ns": 9_000_000_000}


def facts(client_id: str = "P-01", started_at: str = "2026-11-02T10:00:00+00:00",
          peak_pct: float = 30.0, lsi: float = 70.0, reps: int = 3) -> SessionFacts:
    rep_rows = tuple(RepFacts(1, n + 1, True, 12.0, 10.0, peak_pct, peak_pct - 5.0, lsi,
                              20.0, 40.0) for n in range(reps))
    return SessionFacts(
        client_id=client_id, started_at=started_at, protocol_id="quad_set",
        protocol_name="Quad set", mode="hold", sensor_kind="simulated",
        sensor_name="Virtual patient", involved_side="left", target_muscle="quadriceps",
        target_side="left", calibration_kind="mvc", calibration_reused=False, duration_s=90.0,
        reps_prescribed=reps, reps_attempted=reps, reps_completed=reps, time_in_zone_s=30.0,
        paused_s=0.0, peak_pct=peak_pct, mean_pct=peak_pct - 5.0, symmetry_lsi_pct=lsi,
        compensation_metric=None, compensation_peak=None, symmetry_alerts=0,
        compensation_alerts=0, quality_pauses=0, progression_ready=False, bar_peak_pct=70.0,
        bar_symmetry_pct=None, finished=True,
        reps=rep_rows,
        calibrations=(ChannelCalibration("L-quad", "quadriceps", "left", "mvc", 100.0, 1.0, 0.5),
                      ChannelCalibration("R-quad", "quadriceps", "right", "mvc", 120.0, 1.0,
                                         0.5)),
        calibration=dict(CALIBRATION),
    )


def with_client(base: SessionFacts, client_id: str) -> SessionFacts:
    return dataclasses.replace(base, client_id=client_id)
