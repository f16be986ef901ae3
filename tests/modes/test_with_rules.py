"""The screens drawing what the real rules engine produces, over a whole straight-leg-raise set.

A patient at the envelope level follows the cues (mid-band while contracting, relaxed in
rests); every few blocks the engine's view becomes a SessionView that the screens draw. This
checks the screens against real ExerciseView values rather than hand-made ones.
"""

from __future__ import annotations

import numpy as np
import pygame

from engine.clock import sample_offset_ns
from engine.messages import ChannelInfo, ProcessedBlock, RuleEvent, Side
from engine.protocol import builtin_protocol
from engine.rules import RulesEngine
from engine.view import ChannelView, SessionView
from modes import registry
from modes.base import ModeContext
from modes.trace import EnvelopeTrace

RATE_HZ = 500.0
BLOCK = 50  # 0.1 s
CHANNELS = (
    ChannelInfo("quad-L", "quadriceps", Side.LEFT),
    ChannelInfo("quad-R", "quadriceps", Side.RIGHT),
)
UV_PER_PCT = 5.0


def test_a_whole_set_from_the_rules_engine_draws_on_every_screen() -> None:
    rules = RulesEngine(builtin_protocol("straight_leg_raise"), CHANNELS,
                        np.random.default_rng(1), involved_side=Side.LEFT)
    context = ModeContext(trace=EnvelopeTrace())
    modes = {name: registry.create(name, context) for name in registry.MODES}
    surface = pygame.Surface((320, 180))
    seen_layers: set[str] = set()
    events: list[RuleEvent] = []
    first_index = 0
    view: SessionView | None = None
    for block_index in range(3000):
        exercise = rules.view()
        contracting = exercise.phase == "contract"
        level = (exercise.target_low_pct + exercise.target_high_pct) / 2 if contracting else 2.0
        pct = np.tile([level, level * 0.95], (BLOCK, 1))
        block = ProcessedBlock("sim", first_index, sample_offset_ns(first_index, RATE_HZ), RATE_HZ,
                               pct * UV_PER_PCT, pct, np.zeros(pct.shape, np.uint8))
        events.extend(rules.step(block))
        first_index += BLOCK
        view = SessionView(
            t_ns=rules.t_ns,
            channels=tuple(ChannelView(c.label, c.muscle, c.side, float(p * UV_PER_PCT),
                                       float(p), 0) for c, p in zip(CHANNELS, pct[-1],
                                                                     strict=True)),
            exercise=rules.view(),
            recent_events=tuple(events[-12:]),
        )
        context.trace.observe(view)
        done = view.exercise is not None and view.exercise.phase == "done"
        if block_index % 25 == 0 or done:
            layers = registry.layers_for(view, "hold")
            seen_layers.update(layers)
            for name in (*layers, "runner", "symmetry", "clinician"):
                modes[name].draw(surface, view)
        if done:
            break
    assert view is not None
    assert view.exercise is not None
    assert view.exercise.phase == "done"
    assert view.exercise.reps_completed == 15
    assert {"hold", "summary", "alerts"} <= seen_layers
    summary = pygame.Surface((1280, 720))
    modes["summary"].draw(summary, view)
    again = pygame.Surface((1280, 720))
    modes["summary"].draw(again, view)
    assert pygame.image.tobytes(again, "RGB") == pygame.image.tobytes(summary, "RGB")


def test_the_calibration_screen_follows_the_real_procedure() -> None:
    from engine.calibration_procedure import CalibrationProcedure, CalibrationProtocol
    from modes.calibration_screen import efforts_done

    procedure = CalibrationProcedure(
        [c.label for c in CHANNELS], RATE_HZ, {"pipeline": "test"},
        CalibrationProtocol(rest_s=2.0, efforts=3, effort_s=2.0, recover_s=2.0))
    screen = registry.create("calibration")
    surface = pygame.Surface((640, 360))
    seen: list[tuple[str, int]] = []
    first_index = 0
    while not procedure.done:
        t_s = first_index / RATE_HZ
        pushing = 2.0 <= t_s % 4.0 < 4.0 if t_s >= 2.0 else False
        uv = np.full((BLOCK, 2), 400.0 if pushing else 10.0) + np.arange(BLOCK)[:, None] % 3
        block = ProcessedBlock("sim", first_index, sample_offset_ns(first_index, RATE_HZ),
                               RATE_HZ, uv, None, np.zeros(uv.shape, np.uint8))
        procedure.step(block)
        calibration = procedure.view
        first_index += BLOCK
        view = SessionView(t_ns=block.t_ns, channels=(), calibration=calibration)
        assert registry.layers_for(view, "hold")[0] == (
            "calibration" if calibration.step != "done" else "status")
        screen.draw(surface, view)
        if not seen or seen[-1] != (calibration.step, efforts_done(calibration)):
            seen.append((calibration.step, efforts_done(calibration)))
    assert seen == [("rest", 0), ("effort", 0), ("recover", 1), ("effort", 1), ("recover", 2),
                    ("effort", 2), ("done", 3)]
