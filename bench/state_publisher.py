"""Simulated stations for the dashboard benchmark: N state streams (and their events streams)
in one process, as ``myoplay play --publish`` would publish them, without running sessions.

Each station sends a state row ten times a second (the wire format of ``docs/dashboard.md``:
two muscles whose %MVC swings through the band, reps counting up) and an event a second, and
notes the wall-clock time (``time.time()``) just before each state row goes out. At the end
the notes are written as JSON lines ``{"station", "seq", "sent_ms"}``, so the benchmark can
compare them with when the page showed each row (the page notes ``performance.timeOrigin +
performance.now()``, on the same machine's clock).

Usage: ``python -m bench.state_publisher STATIONS SECONDS OUT`` (with ``LSLAPICFG`` set).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

#: Rows per second per station (the station side's rate).
ROW_RATE_HZ = 10.0


def state_row(station: str, seq: int, t_s: float) -> str:
    """Station ``station``'s row ``seq`` at session time ``t_s``."""
    swing = 30.0 + 15.0 * math.sin(t_s + len(station))
    muscles = [{"label": f"{side[0].upper()}-quad", "muscle": "quadriceps", "side": side,
                "pct_mvc": round(swing * scale, 1), "band_pct": [20.0, 40.0], "quality": "ok"}
               for side, scale in (("left", 1.0), ("right", 0.8))]
    return json.dumps({
        "v": 1, "station": station, "seq": seq, "t_s": round(t_s, 3), "client": "P-0042",
        "protocol": "quad_set", "protocol_name": "Quad set after knee surgery", "mode": "hold",
        "phase": "contract", "rep": 1 + int(t_s // 10), "reps_total": 10, "set": 1,
        "sets_total": 1, "muscles": muscles, "symmetry_pct": 80.0, "compensation_ratio": None,
        "alerts": [], "quality_ok": True, "latency_ms": 30.0, "remote_allowed": False,
        "last_remote_change": None, "ended": False, "end_reason": None,
    }, separators=(",", ":"))


def publish(stations: int, seconds: float, out: Path) -> None:
    import pylsl  # type: ignore[import-untyped]

    names = [f"bench-{i + 1}" for i in range(stations)]
    outlets = {}
    for name in names:
        for kind, kind_type in (("state", "MyoplayState"), ("events", "Markers")):
            source_id = f"myoplay:{name}:{kind}"
            info = pylsl.StreamInfo(source_id, kind_type, 1, 0.0, "string", source_id)
            info.desc().append_child_value("station", name)
            outlets[name, kind] = pylsl.StreamOutlet(info)
    notes = []
    period_s = 1.0 / ROW_RATE_HZ
    start = time.perf_counter()
    tick = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        for i, name in enumerate(names):
            # Stations are not in step with each other: spread them over the period.
            due = start + (tick + i / len(names)) * period_s
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            row = state_row(name, tick + 1, elapsed)
            notes.append({"station": name, "seq": tick + 1, "sent_ms": time.time() * 1000.0})
            outlets[name, "state"].push_sample([row])
            if tick % int(ROW_RATE_HZ) == 0:
                event = {"type": "event", "kind": "rep_started", "subject": "L-quad",
                         "t_ns": int(elapsed * 1e9)}
                outlets[name, "events"].push_sample([json.dumps(event)])
        tick += 1
    out.write_text("".join(json.dumps(n) + "\n" for n in notes), encoding="utf-8")


if __name__ == "__main__":
    publish(int(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3]))
