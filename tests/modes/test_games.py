"""What the games show follows what the muscles did: positions, tilt, gates, stars, alerts."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from engine.errors import ConfigError
from engine.view import SessionView
from modes import palette, registry
from modes.alerts import alert_lines
from modes.base import ModeContext
from modes.course import GROUP_GAP_S, GateCourse, GatePattern
from modes.symmetry_game import MAX_TILT_DEG, limb_symmetry_index, tilt_deg
from tests.modes import view_samples

SIZE = (1280, 720)


def draw(name: str, view: SessionView, context: ModeContext | None = None) -> np.ndarray:
    surface = pygame.Surface(SIZE)
    registry.create(name, context or ModeContext()).draw(surface, view)
    return pygame.surfarray.array3d(surface)


def rows_with(pixels: np.ndarray, colour: palette.Colour, columns: slice) -> np.ndarray:
    """Screen rows where ``colour`` appears within ``columns``."""
    hits = np.all(pixels[columns, :, :] == np.array(colour), axis=2)
    return np.flatnonzero(hits.any(axis=0))


def test_the_balloon_rises_with_the_target_muscles_pct_mvc() -> None:
    low = rows_with(draw("hold", view_samples.session(left_pct=20.0, right_pct=20.0)),
                    palette.ORANGE, slice(400, 600))
    high = rows_with(draw("hold", view_samples.session(left_pct=80.0, right_pct=80.0)),
                     palette.ORANGE, slice(400, 600))
    assert low.size
    assert high.size
    assert high.mean() < low.mean() - 100  # screen y grows downwards


@pytest.mark.parametrize("feedback_mode", ["bandwidth", "faded"])
def test_hidden_feedback_hides_the_balloon_but_keeps_the_hold_and_a_faint_marker(
    feedback_mode: str,
) -> None:
    hidden = view_samples.session(show_feedback=False, feedback_mode=feedback_mode,
                                  hold_progress_s=6.0)
    pixels = draw("hold", hidden)
    assert rows_with(pixels, palette.ORANGE, slice(300, 700)).size == 0  # no balloon
    # The ring keeps filling with the hold (in the zone's colour), as with the balloon shown.
    assert rows_with(pixels, palette.IN_ZONE, slice(950, 1250)).size > 0
    # A faint marker stands where the balloon would: the column differs from an empty sky.
    nothing = draw("hold", view_samples.session(show_feedback=False, left_pct=None,
                                                right_pct=None, feedback_mode=feedback_mode,
                                                hold_progress_s=6.0))
    assert not np.array_equal(pixels[450:560, 250:450], nothing[450:560, 250:450])


def test_stars_count_completed_holds() -> None:
    def star_pixels(done: int) -> int:
        pixels = draw("hold", view_samples.session(reps_completed=done))
        return int(np.all(pixels[300:1000, 20:90] == np.array(palette.STAR), axis=2).sum())

    assert star_pixels(0) == 0
    assert 0 < star_pixels(2) < star_pixels(5)


@pytest.mark.parametrize(("left", "right", "expected"), [
    (50.0, 50.0, 100.0), (40.0, 50.0, 80.0), (50.0, 25.0, 50.0), (None, 50.0, None),
    (0.0, 0.0, None),
])
def test_limb_symmetry_index(left: float | None, right: float | None,
                             expected: float | None) -> None:
    assert limb_symmetry_index(left, right) == expected


def test_the_beam_is_level_only_when_matched_above_the_minimum() -> None:
    assert tilt_deg(50.0, 50.0, 20.0) == 0.0
    assert tilt_deg(10.0, 10.0, 20.0) != 0.0, "resting must not look balanced"
    assert tilt_deg(30.0, 60.0, 20.0) > 0  # the stronger right side goes down
    assert tilt_deg(60.0, 30.0, 20.0) < 0
    assert abs(tilt_deg(100.0, 1.0, 20.0)) == MAX_TILT_DEG


def test_the_beam_turns_green_when_the_symmetry_goal_is_met() -> None:
    level = draw("symmetry", view_samples.session(left_pct=50.0, right_pct=47.0,
                                                  symmetry_lsi_pct=94.0))
    tilted = draw("symmetry", view_samples.session(left_pct=70.0, right_pct=30.0,
                                                   symmetry_lsi_pct=43.0))
    green = np.all(level[300:980, 300:600] == np.array(palette.GOOD), axis=2).sum()
    assert green > 1000
    assert np.all(tilted[300:980, 300:600] == np.array(palette.GOOD), axis=2).sum() < green / 10


def test_gate_courses_repeat_with_their_seed() -> None:
    a, b, c = GateCourse(seed=7), GateCourse(seed=7), GateCourse(seed=8)
    assert a.gates_between(0, 600 * 10**9) == b.gates_between(0, 600 * 10**9)
    assert a.gates_between(0, 600 * 10**9) != c.gates_between(0, 600 * 10**9)
    gates = a.gates_between(0, 600 * 10**9)
    assert [g.index for g in gates] == list(range(1, len(gates) + 1))  # across repeats too
    # Between groups the rhythm varies around the spacing; inside a pair or triple it is quick.
    ends_s = [(g.t_ns + g.length_ns) / 1e9 for g in gates]
    gaps_s = np.array([b.t_ns / 1e9 - a_end for b, a_end in zip(gates[1:], ends_s, strict=False)])
    between = gaps_s[gaps_s > GROUP_GAP_S + 1e-6]
    assert between.min() >= 2.5 * 0.7 - 1e-9
    assert between.max() <= 2.5 * 1.3 + 1e-9
    assert between.std() > 0.1
    assert np.allclose(gaps_s[gaps_s <= GROUP_GAP_S + 1e-6], GROUP_GAP_S)
    assert {g.pattern for g in gates} == set(GatePattern)  # not one repeated layout
    assert all(g.offset_pct == 0.0 for g in gates)  # on the band by default


def test_a_course_can_come_from_a_protocol() -> None:
    fixed = GateCourse(spacing_s=2.0, spacing_jitter=0.0, offsets_pct=[5.0, -5.0])
    assert [(g.index, g.t_ns, g.offset_pct) for g in fixed.gates_between(1, 6 * 10**9)] == [
        (1, 2 * 10**9, 5.0), (2, 4 * 10**9, -5.0), (3, 6 * 10**9, 5.0)]
    window = fixed.gates_between(4 * 10**9, 4 * 10**9)
    assert [g.index for g in window] == [2]
    with pytest.raises(ConfigError):
        GateCourse(offsets_pct=[])


def test_gates_scroll_left_as_sample_time_advances() -> None:
    context = ModeContext(course=GateCourse(seed=1))

    def gate_columns(t_ns: int) -> np.ndarray:
        pixels = draw("runner", view_samples.session(t_ns=t_ns, phase_elapsed_s=30.0,
                                                     phase_remaining_s=30.0), context)
        hits = np.all(pixels[:, 120:600] == np.array(palette.REDDISH_PURPLE), axis=2)
        return np.flatnonzero(hits.any(axis=1))

    before, after = gate_columns(10_000_000_000), gate_columns(10_500_000_000)
    assert before.size
    assert after.size
    # Half a second later every gate is 120 px further left (240 px/s): shifted back, the
    # columns line up again (new gates coming in from the right aside).
    shift = 120
    assert len(set(after + shift) & set(before)) > 0.8 * len(set(before))
    assert len(set(after) & set(before)) < len(set(after + shift) & set(before))


def test_alerts_name_the_problem_and_the_channel() -> None:
    lines = alert_lines(view_samples.every_kind()["alerts"])
    assert lines[0].startswith("Right hamstrings are doing the work")
    assert "R-quad: mains hum, electrode off" in lines
    assert alert_lines(view_samples.session()) == []


def test_the_alert_overlay_paints_only_when_there_is_an_alert() -> None:
    quiet = pygame.Surface(SIZE)
    registry.create("alerts").draw(quiet, view_samples.session())
    assert not pygame.surfarray.array3d(quiet).any()
    loud = draw("alerts", view_samples.every_kind()["alerts"])
    assert loud.any()


def test_the_summary_verdict_says_every_only_when_every_hold_was_done() -> None:
    import dataclasses

    from modes.results_text import verdict

    summary = view_samples.done_summary()
    assert verdict(summary) == "8 of 10 holds completed: a strong session"
    all_three = dataclasses.replace(summary, reps_prescribed=3, reps_attempted=3,
                                    reps_completed=3)
    assert verdict(all_three) == "Every hold completed: 3 of 3"
    stopped = dataclasses.replace(summary, reps_attempted=4, reps_completed=4, finished=False)
    assert verdict(stopped) == "4 of 4 holds completed; stopped after 4 of 10 reps"
    none = dataclasses.replace(summary, reps_completed=0)
    assert "No hold completed" in verdict(none)


def test_hidden_feedback_shows_the_hold_progress_in_the_ring() -> None:
    """Bandwidth and faded feedback hide the live balloon, never the hold: the ring of a hold
    6 s along differs from one not started."""
    along = draw("hold", view_samples.session(show_feedback=False, hold_progress_s=6.0))
    not_started = draw("hold", view_samples.session(show_feedback=False, hold_progress_s=0.0))
    assert not np.array_equal(along[950:1250], not_started[950:1250])


@pytest.mark.parametrize("name", ["symmetry", "runner"])
def test_hidden_feedback_hides_the_numbers_in_every_game(name: str) -> None:
    """With feedback hidden no game writes the levels or the symmetry: the top of the screen
    (the symmetry %, the counters) is the same for a good and a poor performance."""
    good = draw(name, view_samples.session(show_feedback=False, in_zone=True, left_pct=50.0,
                                           right_pct=50.0, hold_progress_s=6.0))
    poor = draw(name, view_samples.session(show_feedback=False, in_zone=True, left_pct=90.0,
                                           right_pct=10.0, hold_progress_s=6.0))
    assert np.array_equal(good[:, :180], poor[:, :180])


def test_the_summary_screen_shows_every_rep_and_the_whole_sessions_alerts() -> None:
    """The table changes with any rep's numbers, and the alert counts with the summary's (not
    with the events still in the view)."""
    import dataclasses

    done = view_samples.every_kind()["done"]
    assert done.exercise is not None
    summary = done.exercise.summary
    assert summary is not None

    def with_summary(changed: object) -> np.ndarray:
        exercise = dataclasses.replace(done.exercise, summary=changed)  # type: ignore[arg-type]
        return draw("summary", dataclasses.replace(done, exercise=exercise))

    first = dataclasses.replace(summary.reps[0], peak_pct=99.0)
    assert not np.array_equal(draw("summary", done),
                              with_summary(dataclasses.replace(
                                  summary, reps=(first, *summary.reps[1:]))))
    more = dataclasses.replace(summary, alerts={"compensation_alert": 40})
    assert not np.array_equal(draw("summary", done), with_summary(more))


def test_the_runner_draws_the_path_flown_from_the_trace() -> None:
    from modes.trace import EnvelopeTrace

    trace = EnvelopeTrace()
    for k in range(240):
        trace.observe(view_samples.session(t_ns=view_samples.T_NS - (240 - k) * 16_666_667,
                                           left_pct=30.0 + k / 8, right_pct=30.0 + k / 8))
    now = view_samples.session(left_pct=60.0, right_pct=60.0, phase="rest", in_zone=False,
                               phase_remaining_s=1.0)

    def white_left_of_rocket(context: ModeContext) -> int:
        pixels = draw("runner", now, context)
        return int(np.all(pixels[100:330, 120:640] == np.array(palette.WHITE), axis=2).sum())

    assert white_left_of_rocket(ModeContext(trace=trace)) > white_left_of_rocket(ModeContext())
