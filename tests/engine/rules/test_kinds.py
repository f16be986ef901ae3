"""Event kinds and phases are enums in code and plain strings in what is recorded."""

from __future__ import annotations

from engine.messages import Side
from engine.protocol import builtin_protocol
from engine.rules import EventKind, Phase, RulesEngine
from replays.format import pack
from tests.engine.rules.scripted_patient import LEGS, follows_cues, run_patient


def test_recorded_kinds_are_plain_strings_that_equal_their_enum() -> None:
    engine = RulesEngine(builtin_protocol("straight_leg_raise"), LEGS, involved_side=Side.LEFT)
    events = run_patient(engine, follows_cues(45.0), 30.0)
    assert events
    for event in events:
        # The replay writer packs with msgpack's strict_types, which refuses str subclasses.
        assert type(event.kind) is str
        assert event.kind == EventKind(event.kind)
        pack(event.to_list())
    assert engine.phase == Phase(engine.view().phase)
    assert type(engine.view().phase) is str
    summary = engine.summary()
    assert all(type(kind) is str for kind in summary.alerts)
