"""Sounds for the exercise's moments: start, stop, hold complete, alert, session complete; and
the optional continuous tone whose pitch follows the target level.

Each new view is compared with the previous one (:func:`modes.audio.cues_between`), so a cue
plays once when its moment comes, however many frames show it; the tone follows each new view
(:func:`modes.audio.tone_step`). The speakers open when the render actor starts, at most once per
session. Nothing here blocks: the mixer plays on SDL's own audio thread.
"""

from __future__ import annotations

from engine.view import SessionView
from modes.audio import AudioCues, cues_between, tone_step


class CuePlayer:
    """Plays the cues between consecutive views, when sound is wanted; with ``tone`` also the
    continuous tone (off by default: some players find it tiring)."""

    def __init__(self, *, sound: bool, tone: bool = False) -> None:
        self.sound = sound
        self.tone = tone
        self.audio: AudioCues | None = None
        """The synthesized cues, once opened (None without sound)."""
        self._last_view: SessionView | None = None

    def open(self) -> None:
        """Synthesize the cues the first time (a restarted renderer keeps them)."""
        if self.audio is None and self.sound:
            self.audio = AudioCues(tone=self.tone)

    def follow(self, view: SessionView) -> None:
        """Play what ``view`` (a new one) calls for since the previous view."""
        if self.audio is not None:
            for cue in cues_between(self._last_view, view):
                self.audio.play(cue)
            self.audio.set_tone(tone_step(view))
        self._last_view = view

    def toggle_mute(self) -> None:
        """Mute or unmute (nothing without sound)."""
        if self.audio is not None:
            self.audio.toggle_mute()
