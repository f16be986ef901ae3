"""Median time to draw one frame of each screen at 1280×720 (target ≤ 4 ms, issue 6).

Draws onto an off-screen surface under the SDL dummy driver with a view that changes every
frame (levels, sample time, a filled 10 s envelope trace), so caches of text and backgrounds are
warm as in a session but nothing is drawn from a stale frame. End-to-end latency needs the
whole session and is benchmarked with it.
"""

from __future__ import annotations

import math
import os
import statistics
import time

from bench import Result

SIZE = (1280, 720)
FRAMES = 240
TARGET_MS = 4.0


def run() -> list[Result]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from engine.messages import RuleEvent, Side
    from engine.view import CalibrationView, ChannelView, ExerciseView, LatencyView, SessionView
    from modes import registry
    from modes.base import ModeContext
    from modes.trace import EnvelopeTrace

    pygame.display.init()
    pygame.font.init()

    def view(k: int) -> SessionView:
        t_ns = 20_000_000_000 + k * 16_666_667
        level = 50.0 + 25.0 * math.sin(k / 30.0)
        channels = tuple(
            ChannelView(f"{side.value[0].upper()}-{muscle}", muscle, side, 100.0 + level,
                        level * (0.9 if side is Side.RIGHT else 1.0), 0)
            for muscle in ("quad", "ham", "glute", "calf") for side in (Side.LEFT, Side.RIGHT)
        )
        exercise = ExerciseView(
            protocol="quad-sets", phase="contract", phase_elapsed_s=4.0, phase_remaining_s=6.0,
            target_low_pct=40.0, target_high_pct=60.0, target_channels=(0, 1),
            hold_required_s=10.0, hold_progress_s=(k % 600) / 60.0, in_zone=40 <= level <= 60,
            rep=3, reps_total=10, set_index=1, sets_total=1, reps_completed=2,
            symmetry_lsi_pct=90.0, compensation_ratio=0.3, compensation_limit=0.5,
        )
        calibration = CalibrationView("effort", 1, 3, 6.0 - (k % 300) / 60.0, "mvc",
                                      tuple(level * 1.5 for _ in channels))
        events = tuple(RuleEvent(t_ns - j * 10**9, "zone_entered", "L-quad", {}) for j in range(8))
        return SessionView(t_ns=t_ns, channels=channels, exercise=exercise,
                           calibration=calibration if k < 0 else None, recent_events=events,
                           latency=LatencyView(20.0, 18.0, 30.0, 12.0))

    trace = EnvelopeTrace()
    for k in range(-600, 0):
        trace.observe(view(k))
    context = ModeContext(trace=trace)
    surface = pygame.Surface(SIZE)
    results = []
    for name in (*registry.TRAINING_MODES, "calibration", "summary", "status", "start"):
        mode = registry.create(name, context)
        overlay = registry.create("alerts", context)
        times_ms = []
        for k in range(FRAMES):
            shown = view(k)
            if name == "calibration":
                shown = view(-1 - k)
            start = time.perf_counter()
            mode.draw(surface, shown)
            overlay.draw(surface, shown)
            times_ms.append((time.perf_counter() - start) * 1000.0)
        results.append(Result(f"render.draw_ms.{name}", statistics.median(times_ms[20:]), "ms",
                              target=TARGET_MS))
    return results
