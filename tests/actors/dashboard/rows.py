"""State rows for the dashboard's tests, in the wire format (``docs/dashboard.md``)."""

from __future__ import annotations

import json
from typing import Any


def state_row(station: str = "bay-1", seq: Any = 1, **fields: Any) -> str:
    """A version-1 state row of ``station`` (a quad set in its first rep unless ``fields``
    say otherwise)."""
    row: dict[str, Any] = {
        "v": 1, "station": station, "seq": seq, "t_s": 0.5, "client": "P-0042",
        "protocol": "quad_set", "protocol_name": "Quad set", "mode": "hold",
        "phase": "contract", "rep": 1, "reps_total": 10, "set": 1, "sets_total": 1,
        "muscles": [{"label": "L-quad", "muscle": "quadriceps", "side": "left",
                     "pct_mvc": 25.0, "band_pct": [20.0, 40.0], "quality": "ok"}],
        "symmetry_pct": None, "compensation_ratio": None, "alerts": [], "quality_ok": True,
        "latency_ms": 12.0, "remote_allowed": False, "last_remote_change": None,
        "ended": False, "end_reason": None,
    }
    row.update(fields)
    return json.dumps(row)
