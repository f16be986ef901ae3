"""The cue player plays the cues and, when asked for, the tone that follows the level."""

from __future__ import annotations

from actors.cue_player import CuePlayer
from modes.audio import Cue
from tests.modes import view_samples


def test_the_tone_follows_the_views_through_the_dummy_mixer() -> None:
    player = CuePlayer(sound=True, tone=True)
    player.open()
    assert player.audio is not None
    assert player.audio.available
    player.follow(view_samples.session(phase="contract", left_pct=30.0, right_pct=30.0))
    assert player.audio.tone_now == 6
    player.follow(view_samples.session(phase="contract", left_pct=52.0, right_pct=52.0))
    assert player.audio.tone_now == 10
    player.toggle_mute()
    assert player.audio.tone_now is None
    player.toggle_mute()
    player.follow(view_samples.session(phase="rest"))
    assert player.audio.tone_now is None


def test_without_the_option_there_is_no_tone() -> None:
    player = CuePlayer(sound=True)
    player.open()
    assert player.audio is not None
    player.follow(view_samples.session(phase="contract"))
    assert player.audio.tone_now is None


def test_each_moment_is_cued_once_however_many_frames_show_it() -> None:
    player = CuePlayer(sound=True)
    player.open()
    assert player.audio is not None
    rest, contract = view_samples.session(phase="rest"), view_samples.session(phase="contract")
    for view in (rest, contract, contract, contract):
        player.follow(view)
    assert player.audio.played == [Cue.START]
