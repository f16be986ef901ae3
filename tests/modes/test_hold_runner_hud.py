"""The hold game's and the runner's HUD: the rep counter before the first rep, an opaque timer
panel, the score where it covers nothing, no level from flagged samples, a faint marker while
feedback is hidden, and prompts above the alert strip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pygame
import pytest

from engine.messages import QualityFlag
from engine.view import SessionView
from modes import alerts, hold, palette, registry, runner, scenery, widgets
from modes.base import ModeContext
from tests.modes import view_samples

SIZE = (1280, 720)


@dataclass(frozen=True)
class Written:
    message: str
    pos: tuple[float, float]
    anchor: str
    rect: pygame.Rect


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[Written]:
    """Every string the screens write while the test runs, with where it went."""
    out: list[Written] = []
    original = widgets.text

    def recording(surface: pygame.Surface, message: str, pos: tuple[float, float],
                  *args: object, **kwargs: object) -> pygame.Rect:
        rect = original(surface, message, pos, *args, **kwargs)  # type: ignore[arg-type]
        anchor = str(args[2]) if len(args) > 2 else str(kwargs.get("anchor", "topleft"))
        out.append(Written(message, pos, anchor, rect))
        return rect

    monkeypatch.setattr(widgets, "text", recording)
    return out


@pytest.fixture
def markers(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the balloon, the rocket and the faint marker were drawn."""
    counts = {"balloon": 0, "rocket": 0, "faint": 0}

    def counting(name: str, original: object) -> object:
        def draw(*args: object, **kwargs: object) -> None:
            counts[name] += 1
            original(*args, **kwargs)  # type: ignore[operator]
        return draw

    monkeypatch.setattr(hold, "balloon", counting("balloon", hold.balloon))
    monkeypatch.setattr(runner, "rocket", counting("rocket", runner.rocket))
    monkeypatch.setattr(widgets, "faint_marker", counting("faint", widgets.faint_marker))
    return counts


def paint(name: str, view: SessionView, context: ModeContext | None = None) -> pygame.Surface:
    surface = pygame.Surface(SIZE)
    registry.create(name, context or ModeContext()).draw(surface, view)
    return surface


def test_before_the_first_rep_the_hold_game_says_get_ready_not_rep_0(
    written: list[Written],
) -> None:
    paint("hold", view_samples.session(phase="ready", rep=0, reps_completed=0, reps_total=30))
    texts = [w.message for w in written]
    assert "Get ready — 30 reps" in texts
    assert not any(t.startswith("Rep 0") for t in texts)
    paint("hold", view_samples.session(rep=3))
    assert "Rep 3 of 10" in [w.message for w in written]


def test_nothing_behind_the_hold_timer_panel_shows_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def pictures(colour: tuple[int, int, int]) -> np.ndarray:
        monkeypatch.setattr(scenery, "sky", lambda surface, t_ns: surface.fill(colour))
        return pygame.surfarray.array3d(paint("hold", view_samples.session(phase="rest")))

    surface = pygame.Surface(SIZE)
    px = palette.px
    box = pygame.Rect(0, 0, px(surface, 340), px(surface, 420))
    box.midright = (SIZE[0] - px(surface, 30), round(SIZE[1] * 0.52))
    inside = box.inflate(-px(surface, 40), -px(surface, 40))
    white, black = pictures((255, 255, 255)), pictures((0, 0, 0))
    region = (slice(inside.left, inside.right), slice(inside.top, inside.bottom))
    assert np.array_equal(white[region], black[region])
    assert not np.array_equal(white, black)  # the sky itself did change


def _scored_context() -> ModeContext:
    context = ModeContext()
    context.score.observe(view_samples.session(reps=((10.0, True), (10.0, True), (7.0, False))))
    return context


def test_the_hold_game_shows_the_score_without_covering_the_timer_or_the_prompt(
    written: list[Written],
) -> None:
    view = view_samples.session(t_ns=70_000_000_000, reps=((10.0, True), (10.0, True),
                                                           (7.0, False)))
    empty = pygame.surfarray.array3d(paint("hold", view))
    scored_context = _scored_context()
    scored = pygame.surfarray.array3d(paint("hold", view, scored_context))
    points = scored_context.score.score(view.t_ns).points
    assert points > 0
    assert f"{points:,}" in [w.message for w in written]
    changed = np.argwhere(np.abs(empty.astype(int) - scored.astype(int)).max(axis=2) > 0)
    assert len(changed) > 0
    # Only the top right corner changes: the timer panel (from y = 0.52 h - 210 ref px) and the
    # prompt at the bottom are untouched.
    surface = pygame.Surface(SIZE)
    assert changed[:, 1].max() < palette.px(surface, 120)
    assert changed[:, 0].min() > SIZE[0] // 2


def _flagged(**changes: Any) -> SessionView:
    return view_samples.session(right_quality=int(QualityFlag.LIFT_OFF), **changes)


def test_a_flagged_target_hides_the_balloon_and_the_faint_marker(
    markers: dict[str, int], written: list[Written],
) -> None:
    paint("hold", view_samples.session())
    assert markers == {"balloon": 1, "rocket": 0, "faint": 0}
    paint("hold", _flagged())
    assert markers["balloon"] == 1
    assert markers["faint"] == 0
    paint("hold", _flagged(show_feedback=False, in_zone=False))
    assert markers["faint"] == 0
    # Without a trusted level the prompt gives no direction it cannot know.
    written.clear()
    paint("hold", _flagged(in_zone=False, left_pct=20.0, right_pct=20.0))
    texts = [w.message for w in written]
    assert "Bring it into the green zone" in texts
    assert "Push a little more: raise it into the green zone" not in texts


def test_hidden_feedback_keeps_a_faint_marker_and_the_hold_progress(
    markers: dict[str, int], written: list[Written],
) -> None:
    paint("hold", view_samples.session(show_feedback=False, feedback_mode="bandwidth"))
    assert markers == {"balloon": 0, "rocket": 0, "faint": 1}
    texts = [w.message for w in written]
    assert "hold" in texts  # the ring still counts the hold down
    assert widgets.format_seconds(7.0) in texts


def test_the_runner_keeps_a_faint_marker_when_the_rocket_is_hidden(
    markers: dict[str, int], written: list[Written],
) -> None:
    paint("runner", view_samples.session())
    assert markers == {"balloon": 0, "rocket": 1, "faint": 0}
    paint("runner", view_samples.session(show_feedback=False))
    assert markers == {"balloon": 0, "rocket": 1, "faint": 1}
    assert "Fly it by feel" in [w.message for w in written]
    written.clear()
    paint("runner", view_samples.session(show_feedback=False, feedback_mode="bandwidth"))
    assert markers["faint"] == 2
    assert "Fly it by feel" not in [w.message for w in written]
    assert "Good, steady: keep flying there" in [w.message for w in written]
    paint("runner", _flagged(show_feedback=False))  # no trusted level: nothing to mark
    assert markers["faint"] == 2
    paint("runner", view_samples.session(show_feedback=False, phase="rest"))
    assert markers["faint"] == 2


@pytest.mark.parametrize(("name", "prompt"), [
    ("runner", "Fly through the gates!"),
    ("hold", "In the zone, keep holding!"),
])
def test_the_prompt_sits_above_the_alert_banner(
    name: str, prompt: str, written: list[Written],
) -> None:
    view = view_samples.session(active_alerts=("compensation",),
                                alert_details=(view_samples.RIGHT_HAMSTRINGS_TAKING_OVER,))
    surface = paint(name, view)
    strip = alerts.strip_height(surface, view)
    assert strip > 0
    drawn = [w for w in written if w.message == prompt]
    assert drawn
    assert drawn[-1].rect.bottom <= SIZE[1] - strip
