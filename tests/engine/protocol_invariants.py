"""What every accepted protocol must satisfy, checked on the loaded result (not on the file).

The protocol tests and the protocol fuzz test both assert it: whatever a file says, a protocol
that loads is within the documented bounds, so the rules engine and the renderer never see a
hold of 5e-324 s, 10³⁰⁴ reps or a muscle name with a NUL in it.
"""

from __future__ import annotations

import math

from engine import protocol as p
from engine.muscle_names import KNOWN_MUSCLES
from engine.protocol import Protocol


def _printable(text: str, max_chars: int, *, blank: bool = False) -> bool:
    return len(text) <= max_chars and text.isprintable() and (blank or bool(text.strip()))


def _numbers_finite(protocol: Protocol) -> bool:
    values: list[float] = []
    for part in (protocol.target, protocol.timing, protocol.symmetry, protocol.compensation,
                 protocol.progression, protocol.adaptive, protocol.quality, protocol.feedback):
        if part is not None:
            values += [v for v in (getattr(part, f) for f in part.__dataclass_fields__)
                       if isinstance(v, float)]
    values += protocol.feedback.fade_stages
    return all(math.isfinite(v) for v in values)


def assert_within_bounds(protocol: Protocol) -> None:
    """Fail (AssertionError) unless ``protocol`` keeps every bound of ``engine.protocol``."""
    t, tm = protocol.target, protocol.timing
    assert _numbers_finite(protocol)
    assert _printable(protocol.id, p.MAX_ID_CHARS)
    assert _printable(protocol.name, p.MAX_NAME_CHARS)
    assert _printable(protocol.description, p.MAX_DESCRIPTION_CHARS, blank=True)
    assert protocol.kind in p.KINDS
    assert t.side in p.TARGET_SIDES
    muscles = {t.muscle}
    if protocol.symmetry is not None:
        muscles.add(protocol.symmetry.muscle)
    if protocol.compensation is not None:
        muscles |= {protocol.compensation.numerator, protocol.compensation.denominator}
    assert muscles <= KNOWN_MUSCLES
    if protocol.kind == "hold":
        assert t.low_pct >= p.MIN_LEVEL_PCT
        assert t.low_pct + p.MIN_BAND_WIDTH_PCT <= t.high_pct <= p.MAX_BAND_PCT
    else:
        assert p.MIN_LEVEL_PCT <= max(t.low_pct, t.high_pct) <= p.MAX_BAND_PCT
    assert p.MIN_HOLD_S <= tm.hold_s <= p.MAX_HOLD_S
    assert tm.hold_s <= tm.contract_s <= p.MAX_CONTRACT_S
    assert p.MIN_REST_S <= tm.rest_s <= p.MAX_DURATION_S
    assert p.MIN_REST_S <= tm.set_rest_s <= p.MAX_DURATION_S
    assert 0 <= tm.dip_tolerance_s <= tm.hold_s
    assert tm.reps >= 1
    assert 1 <= tm.sets <= p.MAX_SETS
    assert protocol.reps_prescribed <= p.MAX_TOTAL_REPS
    for rule in (protocol.symmetry, protocol.compensation):
        if rule is not None:
            assert p.MIN_WINDOW_S <= rule.window_s <= p.MAX_WINDOW_S
    if protocol.adaptive is not None:
        a = protocol.adaptive
        assert p.MIN_LEVEL_PCT <= a.low_min_pct <= t.low_pct <= a.low_max_pct
        assert a.low_max_pct + (t.high_pct - t.low_pct) <= p.MAX_BAND_PCT
        assert p.MIN_HOLD_S <= a.hold_min_s <= tm.hold_s <= a.hold_max_s <= tm.contract_s
        assert t.high_pct <= a.ceiling_pct <= p.MAX_BAND_PCT
        assert 0.0 <= a.max_rise_per_session_pct <= p.MAX_SESSION_RISE_PCT
    stages = protocol.feedback.fade_stages
    assert stages
    assert all(0.0 <= s <= 1.0 for s in stages)
    assert list(stages) == sorted(stages, reverse=True)
