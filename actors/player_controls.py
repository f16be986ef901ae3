"""The player's keyboard and mouse: each pygame event becomes a session input, a start-menu
key, a local action, or a change to the virtual muscles.

Keys (the simulated sensor's muscles follow them; nothing here needs a mouse):

============================  ==========================================================
Space / left mouse button     contract every muscle at the current level
Left / A, Right / D           contract the left-side or right-side muscles asked for
1 … 9, 0; Up / Down; wheel    level 10 … 90 %, 100 %; ± 10 %; ± 5 %
P                             pause / resume (input "pause")
H                             ask for a sub-maximal calibration (input "calibration")
Return                        confirm (input "key": "return"); drives the start menu
Tab                           switch between the training mode and the clinician view
M                             mute / unmute the audio cues
F11 / F                       full screen on / off (the window is resizable)
S                             save a screenshot (when a frames folder is set)
Esc / closing the window      quit (input "quit"); the render actor ends normally
============================  ==========================================================

In the clinician view only (the physiotherapist's controls, listed on that screen):

============================  ==========================================================
[ / ]                         move the target band down / up by 5 %MVC (a hold exercise)
V                             next feedback schedule: concurrent → bandwidth → faded
============================  ==========================================================

While the start menu is open, the arrows and Return move through it instead. Session inputs
are :class:`~engine.messages.UserInput` records and the clinician's
:class:`~engine.messages.ConfigChange` s (the rules actor restamps both when it takes them in,
records them and a replay re-applies them); everything else stays on this machine and is never
recorded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pygame

from actors.actor_messages import ACTIVATION_INPUT
from actors.virtual_muscles import BOTH, LEFT, RIGHT, VirtualMuscles
from engine.messages import ConfigChange, PlainValue, UserInput
from engine.protocol import FEEDBACK_MODES, MAX_BAND_PCT, MIN_LEVEL_PCT
from engine.rules.config_changes import BAND_KEY, FEEDBACK_MODE_KEY
from engine.view import ExerciseView, SessionView, asked_channels
from modes.clinician import SETTING_KEYS
from modes.menu import BACKSPACE


class LocalAction(enum.Enum):
    """What a key does on this machine only: screen, speakers, leaving."""

    QUIT = "quit"
    MUTE = "mute"
    FULLSCREEN = "fullscreen"
    SWITCH_VIEW = "switch view"
    SCREENSHOT = "screenshot"


@dataclass(frozen=True, slots=True)
class MenuKey:
    """A key for the open start menu: "up", "down", "left", "right" or "return"; while it
    takes a pseudonym, also a typed character or "backspace"."""

    name: str


Command = UserInput | ConfigChange | MenuKey | LocalAction


_HOLD_KEYS = {
    pygame.K_SPACE: BOTH,
    pygame.K_LEFT: LEFT,
    pygame.K_a: LEFT,
    pygame.K_RIGHT: RIGHT,
    pygame.K_d: RIGHT,
}
_LEVEL_KEYS = {getattr(pygame, f"K_{n}"): (n or 10) / 10 for n in range(10)}
_NUDGE_KEYS = {pygame.K_UP: 0.1, pygame.K_DOWN: -0.1}
#: Level change per mouse-wheel notch.
WHEEL_STEP = 0.05
_MENU_KEYS = {
    pygame.K_UP: "up",
    pygame.K_DOWN: "down",
    pygame.K_LEFT: "left",
    pygame.K_RIGHT: "right",
    pygame.K_RETURN: "return",
    pygame.K_KP_ENTER: "return",
}
_SESSION_KEYS: dict[int, tuple[str, PlainValue]] = {
    pygame.K_p: ("pause", None),
    pygame.K_h: ("calibration", "submax"),
    pygame.K_RETURN: ("key", "return"),
    pygame.K_KP_ENTER: ("key", "return"),
}
_LOCAL_KEYS = {
    pygame.K_ESCAPE: LocalAction.QUIT,
    pygame.K_m: LocalAction.MUTE,
    pygame.K_F11: LocalAction.FULLSCREEN,
    pygame.K_f: LocalAction.FULLSCREEN,
    pygame.K_TAB: LocalAction.SWITCH_VIEW,
    pygame.K_s: LocalAction.SCREENSHOT,
}


class PlayerControls:
    """Maps events to commands and keeps the virtual muscles they hold."""

    def __init__(self) -> None:
        self.muscles = VirtualMuscles()
        self._last_activation: dict[str, float] = {}

    def command_for(
        self, event: pygame.event.Event, t_ns: int, *, menu_open: bool,
        clinician: ExerciseView | None = None, menu_typing: bool = False,
    ) -> Command | None:
        """What ``event`` asks for (inputs stamped ``t_ns``); None when it only moved the
        virtual muscles or means nothing here. ``clinician`` is the exercise when the
        clinician view is on screen: only then do the clinician's keys change settings."""
        if event.type == pygame.QUIT:
            return LocalAction.QUIT
        if event.type == pygame.KEYDOWN:
            if menu_typing and event.key != pygame.K_ESCAPE:
                return _typed(event)
            if event.key in SETTING_KEYS:
                return clinician_change(event.key, t_ns, clinician)
            return self._key_down(event.key, t_ns, menu_open=menu_open)
        if event.type == pygame.KEYUP and event.key in _HOLD_KEYS:
            self.muscles.held.discard(_HOLD_KEYS[event.key])
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.muscles.held.add(BOTH)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.muscles.held.discard(BOTH)
        elif event.type == pygame.MOUSEWHEEL:
            self.muscles.set_level(self.muscles.level + WHEEL_STEP * event.y)
        return None

    def _key_down(self, key: int, t_ns: int, *, menu_open: bool) -> Command | None:
        if menu_open and key in _MENU_KEYS:
            return MenuKey(_MENU_KEYS[key])
        if key in _HOLD_KEYS:
            self.muscles.held.add(_HOLD_KEYS[key])
        elif key in _LEVEL_KEYS:
            self.muscles.set_level(_LEVEL_KEYS[key])
        elif key in _NUDGE_KEYS:
            self.muscles.set_level(self.muscles.level + _NUDGE_KEYS[key])
        elif key in _SESSION_KEYS:
            return UserInput(t_ns, *_SESSION_KEYS[key])
        return _LOCAL_KEYS.get(key)

    def activation_input(self, view: SessionView) -> UserInput | None:
        """The muscles' activation for ``view``'s channels, when it changed since last sent.

        Nothing is sent until a key commands something, so an idle keyboard never overrides
        another driver of the virtual muscles (an autopilot, a script).
        """
        activation = self.muscles.activation(tuple((c.label, c.side) for c in view.channels),
                                             asked_channels(view))
        commanded = bool(self._last_activation) or any(activation.values())
        if not (activation and commanded and activation != self._last_activation):
            return None
        self._last_activation = activation
        return UserInput(view.t_ns, ACTIVATION_INPUT, dict(activation))


def _typed(event: pygame.event.Event) -> MenuKey | None:
    """A key while the start menu takes a pseudonym: every character goes to it (none moves a
    virtual muscle or changes a setting), and the menu keys and Backspace edit it."""
    if event.key == pygame.K_BACKSPACE:
        return MenuKey(BACKSPACE)
    if event.key in _MENU_KEYS:
        return MenuKey(_MENU_KEYS[event.key])
    typed = getattr(event, "unicode", "")
    return MenuKey(typed) if len(typed) == 1 and typed.isprintable() else None


def clinician_change(key: int, t_ns: int, exercise: ExerciseView | None) -> ConfigChange | None:
    """The setting a clinician's ``key`` asks for in ``exercise``, stamped ``t_ns``; None
    outside the clinician view, after the exercise, or when the band is at its limit (a change
    the rules would refuse is never sent)."""
    if exercise is None or exercise.phase == "done":
        return None
    step = SETTING_KEYS[key]
    if step is None:
        modes = FEEDBACK_MODES
        following = modes[(modes.index(exercise.feedback_mode) + 1) % len(modes)]
        return ConfigChange(t_ns, FEEDBACK_MODE_KEY, following)
    low, high = exercise.target_low_pct + step, exercise.target_high_pct + step
    if exercise.kind != "hold" or low < MIN_LEVEL_PCT or high > MAX_BAND_PCT:
        return None
    return ConfigChange(t_ns, BAND_KEY, [low, high])
