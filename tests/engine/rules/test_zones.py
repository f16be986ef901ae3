"""Zones, debounced alerts and holds, stepped tick by tick."""

from __future__ import annotations

from engine.rules.holds import Hold, HoldChange
from engine.rules.windows import WindowMean
from engine.rules.zones import Debounced, Zone

MS = 1_000_000


def test_debounced_needs_the_condition_for_the_whole_dwell() -> None:
    state = Debounced(on_ns=100 * MS, off_ns=50 * MS)
    assert not state.update(0, True, False)
    assert not state.update(60 * MS, True, False)
    assert not state.update(80 * MS, False, False)  # interrupted: the dwell starts over
    assert not state.update(100 * MS, True, False)
    assert state.update(200 * MS, True, False)
    assert state.active
    assert not state.update(220 * MS, False, True)
    assert state.update(270 * MS, False, True)
    assert not state.active


def test_cooldown_blocks_an_immediate_second_alert() -> None:
    state = Debounced(on_ns=0, off_ns=0, cooldown_ns=1000 * MS)
    assert state.update(0, True, False)
    assert state.update(10 * MS, False, True)
    assert not state.update(500 * MS, True, False)
    assert state.update(1010 * MS, True, False)


def test_zone_hysteresis_keeps_a_level_just_outside_the_band_inside() -> None:
    zone = Zone(20.0, 40.0, hysteresis_pct=3.0, dwell_ns=0)
    assert zone.update(0, 25.0)
    assert not zone.update(1, 41.5)  # above the band but within the hysteresis margin
    assert zone.inside
    assert zone.update(2, 43.5)
    assert not zone.inside
    assert not zone.update(3, 41.0)  # must come back inside the band itself to re-enter


def test_zone_with_no_lower_bound_is_a_line_to_stay_below() -> None:
    zone = Zone(0.0, 5.0, hysteresis_pct=1.0, dwell_ns=0)
    assert zone.update(0, -0.5)
    assert zone.inside
    assert zone.update(1, 6.5)


def test_hold_tolerates_a_brief_dip_and_counts_its_time() -> None:
    hold = Hold(required_ns=1000 * MS, dip_tolerance_ns=200 * MS)
    assert hold.update(0, True) is HoldChange.STARTED
    assert hold.update(400 * MS, False) is None
    assert hold.update(600 * MS, False) is None  # a 200 ms dip is tolerated
    assert hold.update(620 * MS, True) is None
    assert hold.progress_ns(620 * MS) == 620 * MS
    assert hold.update(1000 * MS, True) is HoldChange.COMPLETED


def test_hold_breaks_when_the_dip_lasts_too_long() -> None:
    hold = Hold(required_ns=1000 * MS, dip_tolerance_ns=200 * MS)
    hold.update(0, True)
    hold.update(300 * MS, False)
    assert hold.update(520 * MS, False) is HoldChange.BROKEN
    assert not hold.holding
    assert hold.update(600 * MS, True) is HoldChange.STARTED


def test_window_mean_slides() -> None:
    window = WindowMean(3)
    assert [window.push(v) for v in (3.0, 6.0, 9.0, 12.0)] == [3.0, 4.5, 6.0, 9.0]
