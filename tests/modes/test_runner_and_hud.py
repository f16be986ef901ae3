"""The runner's variety and rewards, and a HUD that scenery never covers (pixels under SDL's
dummy driver)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pygame

from engine.messages import RuleEvent
from engine.view import SessionView
from modes import palette, readouts, registry, scenery, widgets
from modes.base import ModeContext
from modes.course import GateCourse, GatePattern
from modes.finale import FINALE_S
from modes.runner import smoothed_level
from tests.modes import view_samples

SIZE = (1280, 720)
CLOUD = (236, 244, 252)


def _pixels(surface: pygame.Surface) -> np.ndarray:
    return pygame.surfarray.array3d(surface)


def _colour_mask(pixels: np.ndarray, colour: palette.Colour) -> np.ndarray:
    mask: np.ndarray = np.all(pixels == np.array(colour), axis=2)
    return mask


def _draw(name: str, view: SessionView, context: ModeContext | None = None) -> np.ndarray:
    surface = pygame.Surface(SIZE)
    registry.create(name, context or ModeContext()).draw(surface, view)
    return _pixels(surface)


def test_clouds_never_drift_into_the_hud_strip() -> None:
    strip = palette.px(pygame.Surface(SIZE), scenery.HUD_STRIP_PX)
    seen_clouds = 0
    for t_s in range(0, 240, 7):
        surface = pygame.Surface(SIZE)
        scenery.sky(surface, t_s * 1_000_000_000)
        clouds = _colour_mask(_pixels(surface), CLOUD)
        assert not clouds[:, :strip].any()
        seen_clouds += int(clouds.any())
    assert seen_clouds > 20  # the sky still has its clouds


def test_the_scale_labels_sit_on_a_plate_that_hides_what_is_behind() -> None:
    surface = pygame.Surface(SIZE)
    surface.fill(CLOUD)
    area = pygame.Rect(170, 120, 600, 400)
    scenery.scale_ticks(surface, area, area.left - 14, palette.WHITE)
    behind_label = _pixels(surface)[area.left - 70:area.left - 10, area.bottom - 30:area.bottom]
    assert behind_label.mean() < np.mean(CLOUD) - 40  # the cloud is dimmed behind the labels


def test_a_long_row_of_stars_becomes_a_tally() -> None:
    def drawn_width(total: int) -> int:
        surface = pygame.Surface((640, 360))
        widgets.star_row(surface, (320, 40), 27, total, palette.px(surface, 22))
        drawn = np.asarray(_pixels(surface)).max(axis=2) > 0
        columns = np.flatnonzero(drawn.any(axis=1))
        return int(columns.max() - columns.min())

    surface = pygame.Surface((640, 360))
    widgets.star_row(surface, (320, 40), 27, 30, 11)
    stars = _colour_mask(_pixels(surface), palette.STAR)
    assert stars.any()  # one star, filled, next to "27 / 30"
    assert drawn_width(30) < drawn_width(10)


def test_the_counter_says_get_ready_before_the_first_rep() -> None:
    ready = view_samples.exercise(phase="ready", rep=0, reps_total=30, reps_completed=0)
    assert readouts.rep_counter(ready) == "Get ready — 30 reps"
    assert readouts.rep_counter(view_samples.exercise()) == "Rep 3 of 10"
    two_sets = view_samples.exercise(sets_total=2, set_index=2)
    assert readouts.rep_counter(two_sets) == "Rep 3 of 10  ·  set 2 of 2"


def test_the_smoothed_trail_keeps_the_level_and_drops_the_ripple() -> None:
    t_ns = np.arange(0, 4_000_000_000, 10_000_000, dtype=np.int64)
    rng = np.random.default_rng(3)
    level = 50.0 + rng.normal(0.0, 10.0, len(t_ns))
    smooth = smoothed_level(t_ns, level, 300_000_000)
    assert np.std(smooth[40:]) < np.std(level) / 4
    assert abs(np.mean(smooth[40:]) - 50.0) < 2.0
    flat = smoothed_level(t_ns, np.full(len(t_ns), 42.0), 300_000_000)
    assert np.allclose(flat, 42.0)
    gaps = smoothed_level(t_ns[:3], np.array([np.nan, 10.0, np.nan]), 5_000_000)
    assert np.isnan(gaps[0])
    assert gaps[1] == 10.0
    assert np.isnan(gaps[2])


def _contracting(t_ns: int, **changes: object) -> SessionView:
    fields: dict[str, object] = dict(t_ns=t_ns, phase_elapsed_s=30.0, phase_remaining_s=30.0)
    fields.update(changes)
    return view_samples.session(**fields)  # type: ignore[arg-type]


def test_coins_behind_the_rocket_are_collected_only_where_the_rules_saw_the_zone() -> None:
    t_ns = 20_000_000_000
    collected = ModeContext(course=GateCourse(seed=1))
    missed = ModeContext(course=GateCourse(seed=1))
    view = dataclasses.replace(_contracting(t_ns), recent_events=())
    collected.score.observe(dataclasses.replace(view, recent_events=(
        RuleEvent(t_ns - 5_000_000_000, "zone_entered", "q", {"level_pct": 45.0}),)))
    missed.score.observe(view)
    dim_with_zone = _colour_mask(_draw("runner", view, collected), palette.TEXT_DIM)
    dim_without = _colour_mask(_draw("runner", view, missed), palette.TEXT_DIM)
    rocket_x = round(SIZE[0] * 0.28)
    # Behind the rocket: grey outlines of missed coins only where the zone was not held.
    assert dim_without[100:rocket_x - 60].sum() > dim_with_zone[100:rocket_x - 60].sum() + 50


def test_the_course_has_tunnels_and_groups_and_scrolls_them() -> None:
    course = GateCourse(seed=1)
    gates = course.gates_between(0, 300_000_000_000)
    tunnels = [g for g in gates if g.pattern is GatePattern.TUNNEL]
    assert tunnels
    assert all(g.length_ns > 0 for g in tunnels)
    # A tunnel is still found while the rocket is inside it, after its start.
    inside = tunnels[0].t_ns + tunnels[0].length_ns // 2
    assert tunnels[0] in course.gates_between(inside, inside)


def test_with_feedback_hidden_the_runner_shows_no_level_and_no_verdict() -> None:
    context = ModeContext(course=GateCourse(seed=1))
    hidden = _draw("runner", _contracting(20_000_000_000, show_feedback=False), context)
    shown = _draw("runner", _contracting(20_000_000_000), context)
    for colour in (palette.GOOD, palette.WARNING):
        assert not _colour_mask(hidden, colour)[:, 130:600].any()
    assert _colour_mask(shown, palette.YELLOW).sum() > _colour_mask(hidden, palette.YELLOW).sum()


def test_gates_never_cover_the_scale() -> None:
    context = ModeContext(course=GateCourse(seed=1))
    area_left = palette.px(pygame.Surface(SIZE), 100)
    for t_s in range(10, 40, 3):
        pixels = _draw("runner", _contracting(t_s * 1_000_000_000), context)
        for colour in (palette.REDDISH_PURPLE, (120, 110, 130)):
            assert not _colour_mask(pixels, colour)[:area_left].any()


def test_the_hud_shows_the_score_earned_so_far() -> None:
    context = ModeContext()
    view = view_samples.session(t_ns=45_000_000_000, reps=((10.0, True), (10.0, True)))
    context.score.observe(view)
    assert context.score.score(view.t_ns).points == 425
    with_score = _draw("runner", view, context)
    without = _draw("runner", view_samples.session(t_ns=45_000_000_000))
    panel = (slice(SIZE[0] - 270, SIZE[0] - 20), slice(14, 110))
    assert (with_score[panel] != without[panel]).any()


def test_confetti_marks_the_end_of_the_session_for_a_moment() -> None:
    done_t_ns = 60_000_000_000
    done = view_samples.session(phase="done", t_ns=done_t_ns)
    done = dataclasses.replace(done, recent_events=(
        RuleEvent(done_t_ns, "session_completed", "", {}),))
    assert registry.layers_for(done, "hold") == ("summary", "finale", "alerts")
    soon = _draw("finale", dataclasses.replace(done, t_ns=done_t_ns + 500_000_000))
    later = _draw("finale", dataclasses.replace(
        done, t_ns=done_t_ns + round(FINALE_S * 1e9) + 1))
    assert soon.any()
    assert not later.any()


def test_a_flagged_target_channel_hides_the_level_everywhere() -> None:
    flagged = view_samples.session(right_quality=8)
    assert readouts.trusted_target_pct(flagged) is None
    assert readouts.trusted_target_pct(view_samples.session()) == readouts.target_pct(
        view_samples.session())
    clean, hidden = _draw("runner", view_samples.session()), _draw("runner", flagged)
    rocket_body = (slice(round(SIZE[0] * 0.28) - 30, round(SIZE[0] * 0.28) + 30), slice(130, 640))
    assert _colour_mask(clean[rocket_body], palette.VERMILLION).any()
    assert not _colour_mask(hidden[rocket_body], palette.VERMILLION).any()


def test_the_trace_keeps_no_level_from_flagged_samples() -> None:
    context = ModeContext()
    for k in range(10):
        context.trace.observe(view_samples.session(t_ns=1_000_000_000 + k * 100_000_000,
                                                   right_quality=8 if 3 <= k < 6 else 0))
    right = context.trace.series(1, 2_000_000_000)
    assert np.isnan(right.pct_mvc[3:6]).all()
    assert np.isfinite(right.pct_mvc[:3]).all()
    assert np.isfinite(right.pct_mvc[6:]).all()
    assert np.isfinite(right.envelope_uv).all()  # the signal itself is still drawn
