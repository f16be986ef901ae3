"""Audio cues, synthesized at start-up with numpy (no sound files), and when to play them.

Four cues: start contracting (rising), stop (falling), hold complete (a bright arpeggio) and
alert (two short low beeps). Tones have short raised-cosine fades so they never click. With no
usable mixer (no sound card, a broken driver) the cues fall silent and one warning is logged;
a session must never fail for want of sound.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pygame

from engine.view import SessionView

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 44_100
_FADE_S = 0.008
_LEVEL = 0.35


class Cue(enum.Enum):
    START = "start"
    STOP = "stop"
    HOLD_COMPLETE = "hold_complete"
    ALERT = "alert"


def _tone(freq_hz: float, duration_s: float, rate_hz: int) -> npt.NDArray[np.float64]:
    """A sine with a touch of its octave (warmer than a pure sine), faded in and out."""
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    wave = np.sin(2 * np.pi * freq_hz * t) + 0.25 * np.sin(4 * np.pi * freq_hz * t)
    fade = min(len(t) // 2, round(_FADE_S * rate_hz))
    if fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
        wave[:fade] *= ramp
        wave[-fade:] *= ramp[::-1]
    return wave / 1.25


def _sequence(notes: Sequence[tuple[float, float]], rate_hz: int) -> npt.NDArray[np.float64]:
    """Notes (frequency in Hz, 0 for silence; duration in s) one after another."""
    parts = [
        _tone(f, d, rate_hz) if f > 0 else np.zeros(round(d * rate_hz)) for f, d in notes
    ]
    return np.concatenate(parts)


def synthesize(cue: Cue, rate_hz: int = SAMPLE_RATE_HZ) -> npt.NDArray[np.float64]:
    """The mono waveform of ``cue`` in [-1, 1]."""
    notes = {
        Cue.START: ((523.25, 0.12), (783.99, 0.22)),
        Cue.STOP: ((659.25, 0.12), (392.00, 0.25)),
        Cue.HOLD_COMPLETE: ((523.25, 0.09), (659.25, 0.09), (783.99, 0.09), (1046.5, 0.3)),
        Cue.ALERT: ((330.0, 0.14), (0.0, 0.08), (330.0, 0.14)),
    }[cue]
    return _sequence(notes, rate_hz) * _LEVEL


def cues_between(previous: SessionView | None, current: SessionView) -> list[Cue]:
    """The cues that the change from ``previous`` to ``current`` calls for (pure).

    Entering a contraction or a calibration effort cues "start", leaving it "stop", a new
    completed hold "hold complete", and a newly raised alert "alert".
    """
    if previous is None:
        return []
    cues = _calibration_cues(previous, current)
    if current.exercise is None or previous.exercise is None:
        return cues
    before, now = previous.exercise, current.exercise
    if now.reps_completed > before.reps_completed:
        cues.append(Cue.HOLD_COMPLETE)
    if now.phase != before.phase:
        if now.phase == "contract":
            cues.append(Cue.START)
        elif before.phase == "contract" and Cue.HOLD_COMPLETE not in cues:
            cues.append(Cue.STOP)
    if set(now.active_alerts) - set(before.active_alerts):
        cues.append(Cue.ALERT)
    return cues


def _calibration_cues(previous: SessionView, current: SessionView) -> list[Cue]:
    """Cue "start" when a calibration effort begins and "stop" when it ends."""
    before, now = previous.calibration, current.calibration
    if before is None or now is None or before.step == now.step:
        return []
    if now.step == "effort":
        return [Cue.START]
    if before.step == "effort":
        return [Cue.STOP]
    return []


class AudioCues:
    """Plays cues through pygame.mixer; mutable; silent (one warning logged) without a mixer."""

    def __init__(self, *, muted: bool = False) -> None:
        self.muted = muted
        self.played: list[Cue] = []
        """Every cue asked for while not muted, in order (what a listener would have heard)."""
        self._sounds: dict[Cue, pygame.mixer.Sound] = {}
        try:
            if pygame.mixer.get_init() is None:
                pygame.mixer.init(frequency=SAMPLE_RATE_HZ, size=-16, channels=2, buffer=512)
            self._sounds = {cue: self._make_sound(cue) for cue in Cue}
        except pygame.error as exc:
            log.warning("no sound: audio cues are off (%s)", exc)

    @property
    def available(self) -> bool:
        """True when cues really reach a mixer."""
        return bool(self._sounds)

    def toggle_mute(self) -> bool:
        """Mute or unmute; returns the new ``muted``."""
        self.muted = not self.muted
        return self.muted

    def play(self, cue: Cue) -> None:
        if self.muted:
            return
        self.played.append(cue)
        sound = self._sounds.get(cue)
        if sound is not None:
            sound.play()

    @staticmethod
    def _make_sound(cue: Cue) -> pygame.mixer.Sound:
        init = pygame.mixer.get_init()
        if init is None:
            raise pygame.error("mixer not initialised")
        rate_hz, size, channels = init
        wave = synthesize(cue, rate_hz)
        if size < 0 or size == 32:
            bits = abs(size)
            if size == 32:
                samples: npt.NDArray[np.generic] = wave.astype(np.float32)
            else:
                samples = np.round(wave * (2 ** (bits - 1) - 1)).astype(f"<i{bits // 8}")
        else:
            samples = np.round((wave + 1) * (2 ** (size - 1) - 1)).astype(f"<u{size // 8}")
        frames = np.repeat(samples[:, None], channels, axis=1) if channels > 1 else samples
        return pygame.sndarray.make_sound(np.ascontiguousarray(frames))
