"""Audio cues, synthesized at start-up with numpy (no sound files), and when to play them.

Five cues: start contracting (rising), stop (falling), hold complete (a bright arpeggio), alert
(two short low beeps) and session complete (a fanfare). Tones have short raised-cosine fades so
they never click. An optional continuous tone follows the target level: its pitch rises a step
of a pentatonic scale for every few %MVC (:func:`tone_step`), silent whenever the level must not
be shown (no calibration, a flagged signal, feedback faded, not contracting). With no usable
mixer (no sound card, a broken driver) the sound falls silent and one warning is logged; a
session must never fail for want of sound, and nothing here waits for the sound card.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pygame

from engine.view import SessionView
from modes import readouts

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 44_100
_FADE_S = 0.008
_LEVEL = 0.35


class Cue(enum.Enum):
    START = "start"
    STOP = "stop"
    HOLD_COMPLETE = "hold_complete"
    ALERT = "alert"
    SESSION_COMPLETE = "session_complete"


#: The continuous tone: one step per this many %MVC, up to the scale's top.
TONE_STEP_PCT = 5.0
#: Semitones above :data:`TONE_BASE_HZ` of each step: a major pentatonic over three octaves,
#: so every change of pitch sounds like a melody, never a wrong note.
_PENTATONIC = (0, 2, 4, 7, 9)
TONE_STEPS = 25
TONE_BASE_HZ = 220.0
#: Length of each looped tone, in s (a whole number of periods is cut from it, so it loops
#: without a click).
_TONE_LOOP_S = 0.25
_TONE_LEVEL = 0.18


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
        Cue.SESSION_COMPLETE: ((523.25, 0.14), (659.25, 0.14), (783.99, 0.14), (0.0, 0.06),
                               (659.25, 0.12), (1046.5, 0.36)),
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
    if now.phase == "done" and before.phase != "done":
        # The fanfare says it all: the last hold and the end of the session in one.
        return [*cues, Cue.SESSION_COMPLETE]
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


def tone_frequency_hz(step: int) -> float:
    """The pitch of tone step ``step`` (0 lowest) in Hz."""
    octave, degree = divmod(step, len(_PENTATONIC))
    return float(TONE_BASE_HZ * 2.0 ** ((12 * octave + _PENTATONIC[degree]) / 12))


def tone_step(view: SessionView) -> int | None:
    """The tone step for ``view``'s target level, or None when the tone must be silent.

    Silent outside a contraction, while the feedback scheduler hides the level (the tone would
    give it away), and when the level cannot be trusted: no calibration, or a target channel
    with a quality flag (never sound out %MVC computed from flagged samples).
    """
    exercise = view.exercise
    if exercise is None or exercise.phase != "contract" or not exercise.show_feedback:
        return None
    level = readouts.trusted_target_pct(view)
    if level is None:
        return None
    return min(TONE_STEPS - 1, int(max(0.0, level) // TONE_STEP_PCT))


def synthesize_tone_loop(step: int, rate_hz: int = SAMPLE_RATE_HZ) -> npt.NDArray[np.float64]:
    """A seamless loop of tone step ``step``: whole periods only, so repeating never clicks."""
    freq_hz = tone_frequency_hz(step)
    periods = max(1, round(_TONE_LOOP_S * freq_hz))
    n = round(periods * rate_hz / freq_hz)
    t = np.arange(n) / rate_hz
    # Retune to exactly ``periods`` cycles in ``n`` samples (a few cents at most).
    exact_hz = periods * rate_hz / n
    wave = np.sin(2 * np.pi * exact_hz * t) + 0.2 * np.sin(4 * np.pi * exact_hz * t)
    return wave / 1.2 * _TONE_LEVEL


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
    """Plays cues (and, with ``tone``, the continuous tone) through pygame.mixer; mutable;
    silent (one warning logged) without a mixer."""

    def __init__(self, *, muted: bool = False, tone: bool = False) -> None:
        self.muted = muted
        self.played: list[Cue] = []
        """Every cue asked for while not muted, in order (what a listener would have heard)."""
        self.tone_now: int | None = None
        """The tone step sounding now (None: silent)."""
        self._sounds: dict[Cue, pygame.mixer.Sound] = {}
        self._tones: list[pygame.mixer.Sound] = []
        self._tone_channel: pygame.mixer.Channel | None = None
        try:
            if pygame.mixer.get_init() is None:
                pygame.mixer.init(frequency=SAMPLE_RATE_HZ, size=-16, channels=2, buffer=512)
            self._sounds = {cue: self._make_sound(cue) for cue in Cue}
            if tone:
                rate_hz = self._mixer()[0]
                self._tones = [_to_sound(synthesize_tone_loop(k, rate_hz), self._mixer())
                               for k in range(TONE_STEPS)]
                # A channel of its own, so that cues never cut the tone off (nor it them).
                pygame.mixer.set_reserved(1)
                self._tone_channel = pygame.mixer.Channel(0)
        except pygame.error as exc:
            log.warning("no sound: audio cues are off (%s)", exc)

    @property
    def available(self) -> bool:
        """True when cues really reach a mixer."""
        return bool(self._sounds)

    def toggle_mute(self) -> bool:
        """Mute or unmute; returns the new ``muted``."""
        self.muted = not self.muted
        if self.muted:
            self.set_tone(None)
        return self.muted

    def play(self, cue: Cue) -> None:
        if self.muted:
            return
        self.played.append(cue)
        sound = self._sounds.get(cue)
        if sound is not None:
            sound.play()

    def set_tone(self, step: int | None) -> None:
        """Sound tone step ``step`` (None: fade out); nothing without the tone or while muted.
        Only a change of step touches the mixer, which never waits for the sound card."""
        if self._tone_channel is None:
            return
        if self.muted:
            step = None
        if step == self.tone_now:
            return
        self.tone_now = step
        if step is None:
            self._tone_channel.fadeout(_TONE_FADE_MS)
        else:
            self._tone_channel.play(self._tones[step], loops=-1, fade_ms=_TONE_FADE_MS)

    @staticmethod
    def _mixer() -> tuple[int, int, int]:
        init = pygame.mixer.get_init()
        if init is None:
            raise pygame.error("mixer not initialised")
        return init

    @classmethod
    def _make_sound(cls, cue: Cue) -> pygame.mixer.Sound:
        mixer = cls._mixer()
        return _to_sound(synthesize(cue, mixer[0]), mixer)


#: Fade when the tone starts, stops or changes step, in ms (no clicks).
_TONE_FADE_MS = 25


def _to_sound(wave: npt.NDArray[np.float64], mixer: tuple[int, int, int]) -> pygame.mixer.Sound:
    """``wave`` (mono, [-1, 1]) in the mixer's sample format and channel count."""
    _, size, channels = mixer
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
