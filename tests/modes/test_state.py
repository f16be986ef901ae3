"""The small pure models beside the screens: menu, trace, routing, readouts, latency, palette."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ConfigError
from engine.messages import QualityFlag
from modes import palette, readouts, widgets
from modes.latency import LatencyStats
from modes.menu import StartMenu
from modes.registry import layers_for
from modes.trace import EnvelopeTrace
from tests.modes import view_samples


def test_the_menu_is_driven_by_the_keyboard_alone() -> None:
    menu = StartMenu(protocols=("quad-sets", "slr"), modes=("hold", "runner"))
    for key in ("right", "down", "left", "return"):
        menu = menu.press(key)
    assert (menu.protocol, menu.mode, menu.confirmed) == ("slr", "runner", False)
    menu = menu.press("return")
    assert menu.confirmed
    assert menu.press("left") is menu, "a confirmed menu no longer changes"
    assert StartMenu().press("up").row == 0
    with pytest.raises(ConfigError):
        StartMenu(protocols=())


def test_the_trace_keeps_a_window_of_sample_time_and_shows_no_future() -> None:
    trace = EnvelopeTrace(window_s=1.0)
    for k in range(30):
        trace.observe(view_samples.session(t_ns=k * 100_000_000, left_pct=float(k)))
    points = trace.series(0, 2_900_000_000)
    assert points.t_ns.tolist() == [k * 100_000_000 for k in range(19, 30)]
    older = trace.series(0, 2_500_000_000)
    assert older.t_ns[-1] == 2_500_000_000
    assert older.pct_mvc[-1] == 25.0
    uncalibrated = EnvelopeTrace()
    uncalibrated.observe(view_samples.session(left_pct=None))
    assert np.isnan(uncalibrated.series(0, view_samples.T_NS).pct_mvc).all()
    assert len(uncalibrated.series(7, view_samples.T_NS)) == 0
    trace.observe(view_samples.session(t_ns=500))  # time went back: a new session
    assert len(trace) == 1


@pytest.mark.parametrize(("kind", "layers"), [
    ("contract", ("hold", "alerts")),
    ("paused", ("hold", "pause", "alerts")),
    ("done", ("summary", "finale", "alerts")),
    ("calibration", ("calibration", "alerts")),
    ("no_exercise", ("status", "alerts")),
    ("reconnecting", ("status", "alerts")),
])
def test_layers_follow_the_session(kind: str, layers: tuple[str, ...]) -> None:
    assert layers_for(view_samples.every_kind()[kind], "hold") == layers
    assert layers_for(None, "hold") == ("status",)


def test_a_finished_calibration_gives_way_to_the_exercise() -> None:
    view = dataclasses.replace(view_samples.session(),
                               calibration=view_samples.calibrating("done").calibration)
    assert layers_for(view, "runner") == ("runner", "alerts")


def test_readouts() -> None:
    assert readouts.quality_words(0) == []
    assert readouts.quality_words(QualityFlag.SATURATED | QualityFlag.MOVEMENT) == [
        "saturated", "movement"]
    assert readouts.target_pct(view_samples.session(left_pct=40.0, right_pct=50.0)) == 45.0
    assert readouts.target_pct(view_samples.session(left_pct=None, right_pct=None)) is None
    assert readouts.alert_message("new_rule") == "New rule"
    assert widgets.format_seconds(2.01) == "3"
    assert widgets.format_seconds(0.0) == "0"
    assert widgets.format_seconds(75.0) == "1:15"


def test_latency_percentiles_never_understate() -> None:
    stats = LatencyStats()
    assert stats.view(10.0) is None
    assert math.isnan(stats.percentile(50))
    for ms in [5.0] * 98 + [40.0, 90.0]:
        stats.add(ms)
    assert stats.percentile(50) == pytest.approx(5.0, abs=0.11)
    assert stats.percentile(99) == pytest.approx(40.0, abs=0.11)
    assert stats.percentile(100) == 90.0
    view = stats.view(12.5)
    assert view is not None
    assert view.last_ms == 90.0
    assert view.group_delay_ms == 12.5
    with pytest.raises(ValueError, match="non-negative"):
        stats.add(-1.0)
    with pytest.raises(ValueError, match="finite"):
        stats.add(math.nan)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=500.0), min_size=1, max_size=200),
       st.floats(min_value=1.0, max_value=100.0))
def test_latency_percentile_brackets_the_exact_one(values: list[float], q: float) -> None:
    stats = LatencyStats()
    for v in values:
        stats.add(v)
    exact = sorted(values)[max(1, math.ceil(q / 100 * len(values))) - 1]
    assert exact - 1e-9 <= stats.percentile(q) <= exact + 0.1 + 1e-9


def _luminance(colour: palette.Colour) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("colour", [palette.TEXT, palette.YELLOW, palette.SKY_BLUE,
                                    palette.ORANGE, palette.TEXT_DIM])
def test_text_colours_meet_wcag_contrast_on_the_background(colour: palette.Colour) -> None:
    light, dark = sorted((_luminance(colour), _luminance(palette.BACKGROUND)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 7.0  # WCAG AAA for body text


def test_news_of_a_new_target_shows_for_a_few_seconds_of_sample_time() -> None:
    from engine.messages import RuleEvent

    adjusted = RuleEvent(10_000_000_000, "target_adjusted", "quadriceps:left",
                         {"low_pct": 45.0, "high_pct": 65.0, "hold_s": 10.0})
    view = dataclasses.replace(view_samples.session(t_ns=11_000_000_000),
                               recent_events=(adjusted,))
    assert readouts.news(view) == "New target: 45–65%"
    assert readouts.news(dataclasses.replace(view, t_ns=15_000_000_001)) is None
    assert readouts.news(view_samples.session()) is None


def test_long_text_is_set_smaller_to_fit_never_clipped() -> None:
    import pygame

    surface = pygame.Surface((640, 360))
    message = "signal problem on quad-L, quad-R, ham-L, ham-R: electrode off, mains hum"
    free = widgets.text(surface, message, (0, 0), palette.SIZE_TITLE)
    fitted = widgets.text(surface, message, (0, 0), palette.SIZE_TITLE, max_width=500)
    assert free.width > 500
    assert 400 < fitted.width <= 500
    assert widgets.text(surface, "ok", (0, 0), 30, max_width=500).width < 100


def test_encouragement_suits_the_calibration() -> None:
    from engine.view import CalibrationView
    from modes.calibration_screen import cheer_for

    second = CalibrationView("effort", 2, 3, 3.0, "mvc", (90.0, 104.0))
    assert cheer_for(second, 0) == "New best!"
    first = CalibrationView("effort", 1, 3, 3.0, "mvc", (100.0, 100.0))
    cheers = {cheer_for(first, k * 1_200_000_000) for k in range(4)}
    assert "Harder!" in cheers
    gentle = CalibrationView("effort", 1, 3, 3.0, "submax", (100.0,))
    assert not {cheer_for(gentle, k * 1_200_000_000) for k in range(4)} & cheers
