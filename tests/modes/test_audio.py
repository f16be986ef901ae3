"""Audio cues: synthesized, click-free, played on the right transitions, mutable, and silent
(with a warning) when there is no mixer."""

from __future__ import annotations

import logging
import os

import numpy as np
import pygame
import pytest

from modes.audio import (
    SAMPLE_RATE_HZ,
    TONE_BASE_HZ,
    TONE_STEPS,
    AudioCues,
    Cue,
    cues_between,
    synthesize,
    synthesize_tone_loop,
    tone_frequency_hz,
    tone_step,
)
from tests.modes import view_samples


@pytest.mark.parametrize("cue", list(Cue))
def test_cues_are_short_bounded_and_start_and_end_silent(cue: Cue) -> None:
    wave = synthesize(cue)
    assert 0.1 < len(wave) / SAMPLE_RATE_HZ < 1.0
    assert np.abs(wave).max() <= 1.0
    assert abs(wave[0]) < 1e-3
    assert abs(wave[-1]) < 1e-2


def test_cues_differ_from_each_other() -> None:
    waves = {cue: synthesize(cue) for cue in Cue}
    for a in Cue:
        for b in Cue:
            if a is not b:
                n = min(len(waves[a]), len(waves[b]))
                assert not np.allclose(waves[a][:n], waves[b][:n])


def test_transitions_call_for_the_right_cues() -> None:
    rest = view_samples.session(phase="rest")
    contract = view_samples.session(phase="contract")
    completed = view_samples.session(phase="rest", reps_completed=3)
    alerting = view_samples.session(phase="contract", active_alerts=("compensation",))
    assert cues_between(None, contract) == []
    assert cues_between(rest, contract) == [Cue.START]
    assert cues_between(contract, rest) == [Cue.STOP]
    assert cues_between(contract, completed) == [Cue.HOLD_COMPLETE]
    assert cues_between(contract, alerting) == [Cue.ALERT]
    assert cues_between(alerting, alerting) == []
    assert cues_between(contract, contract) == []


def test_cues_play_through_the_dummy_mixer_and_mute() -> None:
    cues = AudioCues()
    assert cues.available
    cues.play(Cue.START)
    assert cues.toggle_mute() is True
    cues.play(Cue.ALERT)
    assert cues.toggle_mute() is False
    cues.play(Cue.HOLD_COMPLETE)
    assert cues.played == [Cue.START, Cue.HOLD_COMPLETE]


def test_no_mixer_means_silent_cues_and_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    pygame.mixer.quit()
    saved = os.environ.get("SDL_AUDIODRIVER")
    os.environ["SDL_AUDIODRIVER"] = "no-such-driver"
    try:
        with caplog.at_level(logging.WARNING, logger="modes.audio"):
            cues = AudioCues()
        cues.play(Cue.START)
    finally:
        os.environ["SDL_AUDIODRIVER"] = saved or "dummy"
        pygame.mixer.quit()
    assert not cues.available
    assert cues.played == [Cue.START]
    assert [r.message for r in caplog.records if "no sound" in r.message]


def test_calibration_efforts_are_cued_too() -> None:
    rest, effort = view_samples.calibrating("rest"), view_samples.calibrating("effort")
    recover = view_samples.calibrating("recover")
    assert cues_between(rest, effort) == [Cue.START]
    assert cues_between(effort, recover) == [Cue.STOP]
    assert cues_between(effort, effort) == []
    assert cues_between(recover, view_samples.calibrating("done")) == []


def test_the_end_of_the_session_plays_the_fanfare_alone() -> None:
    last_hold = view_samples.session(phase="contract", reps_completed=9)
    done = view_samples.session(phase="done", reps_completed=10)
    assert cues_between(last_hold, done) == [Cue.SESSION_COMPLETE]
    assert cues_between(done, done) == []


def test_the_tone_rises_with_the_level_on_a_pentatonic_scale() -> None:
    steps = [tone_step(view_samples.session(left_pct=p, right_pct=p)) for p in
             (0.0, 12.0, 48.0, 97.0, 400.0)]
    assert steps == [0, 2, 9, 19, TONE_STEPS - 1]
    pitches = [tone_frequency_hz(k) for k in range(TONE_STEPS)]
    assert pitches == sorted(pitches)
    assert pitches[0] == TONE_BASE_HZ
    assert tone_frequency_hz(5) == pytest.approx(2 * TONE_BASE_HZ)  # an octave per 5 steps


def test_the_tone_is_silent_whenever_the_level_must_not_be_shown() -> None:
    assert tone_step(view_samples.session(phase="rest")) is None
    assert tone_step(view_samples.session(show_feedback=False)) is None  # faded feedback
    assert tone_step(view_samples.session(right_quality=8)) is None  # a flagged target channel
    assert tone_step(view_samples.calibrating()) is None
    uncalibrated = view_samples.session(left_pct=None, right_pct=None)
    assert tone_step(uncalibrated) is None


def test_tone_loops_repeat_without_a_click() -> None:
    for step in (0, 7, TONE_STEPS - 1):
        wave = synthesize_tone_loop(step)
        looped = np.concatenate((wave, wave))
        jump = np.abs(np.diff(looped)).max()
        assert abs(looped[len(wave)] - looped[len(wave) - 1]) <= jump + 1e-12
        assert abs(wave[0]) < 1e-9
        assert np.abs(wave).max() < 0.5
