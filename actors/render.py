"""The render actor: owns the pygame window, draws the newest view at a fixed frame rate.

It reads the newest :class:`ViewUpdate` from a latest-value channel (a stale frame is worthless,
so it never queues), paints the layers :func:`modes.registry.layers_for` asks for, presents the
frame, and measures the latency of every view it puts on screen: from the arrival of the newest
sample the view reflects to the frame that first shows it being presented, plus the processing
pipeline's group delay. Keys become :class:`~engine.messages.UserInput` records on a lossless
channel; with a simulated sensor they drive the virtual muscles.

Frames are paced by integer indices (``deadline = t0 + k * period``), so the rate never drifts;
a new view is drawn as soon as it arrives rather than at the next deadline, and a frame that
runs late skips the deadlines it missed instead of bursting to catch up. It is an
:class:`engine.runtime.actor.Actor`: if a mode raises while drawing, the session's supervisor
restarts it, and the view that crashed it twice is not drawn again (the same poison rule the
channels apply to inputs).

Keys (the simulated sensor's muscles follow them; nothing here needs a mouse):

============================  ==========================================================
Space / left mouse button     contract every muscle at the current level
Left / A, Right / D           contract the left-side or right-side muscles
1 … 9, 0; Up / Down; wheel    level 10 … 90 %, 100 %; ± 10 %; ± 5 %
P                             pause / resume (input "pause")
H                             ask for a sub-maximal calibration (input "calibration")
Return                        confirm (input "key": "return"); drives the start menu
Tab                           switch between the training mode and the clinician view
M                             mute / unmute the audio cues
F11 / F                       full screen on / off (the window is resizable)
S                             save a screenshot (when a frames folder is set)
Esc / closing the window      quit (input "quit"); the actor ends normally
============================  ==========================================================
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pygame
import trio

from engine.messages import PlainValue, Side, UserInput
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.runtime.incarnation import current_incarnation
from engine.view import SessionView
from modes import registry
from modes.audio import AudioCues, cues_between
from modes.base import Mode, ModeContext
from modes.course import GateCourse
from modes.latency import LatencyStats
from modes.menu import StartMenu
from modes.trace import EnvelopeTrace

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 720)
#: Shown before the first view arrives: no channels, nothing connected yet.
WAITING_VIEW = SessionView(t_ns=0, channels=(), sensor_status="waiting")


@dataclass(frozen=True, slots=True)
class ViewUpdate:
    """A view as published to the render actor.

    ``arrival_s`` is the Trio clock time (``trio.current_time()``) at which the newest sample
    the view reflects arrived from the device; ``group_delay_ms`` the delay the processing adds
    on top (the envelope filter's group delay), which the arrival time cannot show.
    """

    view: SessionView
    arrival_s: float
    group_delay_ms: float = 0.0


class VirtualMuscles:
    """Keyboard and mouse as muscles for the simulated sensor (pure: no pygame, no clock).

    Held controls say which sides contract; the level (0–1 of MVC) is set with the number keys
    (1 = 10 % … 9 = 90 %, 0 = 100 %) or nudged with up/down in 10 % steps.
    """

    def __init__(self, level: float = 0.5) -> None:
        self.level = level
        self.held: set[str] = set()
        """Held controls among "both", "left", "right"."""

    def set_level(self, level: float) -> None:
        """Set the commanded level, clamped to 0–1."""
        self.level = min(1.0, max(0.0, round(level, 3)))

    def activation(self, channels: tuple[tuple[str, Side], ...]) -> dict[str, float]:
        """Each channel's commanded activation (0–1), keyed by channel label."""
        out: dict[str, float] = {}
        for label, side in channels:
            on = "both" in self.held or (
                (side is Side.LEFT and "left" in self.held)
                or (side is Side.RIGHT and "right" in self.held)
            )
            out[label] = self.level if on else 0.0
        return out


_HOLD_KEYS = {
    pygame.K_SPACE: "both",
    pygame.K_LEFT: "left",
    pygame.K_a: "left",
    pygame.K_RIGHT: "right",
    pygame.K_d: "right",
}
_LEVEL_KEYS = {getattr(pygame, f"K_{n}"): (n or 10) / 10 for n in range(10)}
_MENU_KEYS = {
    pygame.K_UP: "up",
    pygame.K_DOWN: "down",
    pygame.K_LEFT: "left",
    pygame.K_RIGHT: "right",
    pygame.K_RETURN: "return",
    pygame.K_KP_ENTER: "return",
}


class RenderActor(Actor):
    """Draws the session, turns keys into inputs, measures latency.

    ``views`` carries :class:`ViewUpdate` records; ``inputs`` receives every
    :class:`UserInput` (stamped with the newest view's sample time; the rules actor restamps
    them when it takes them in). ``mode`` is the training mode; with a ``menu`` the start
    screen comes first and the choice is sent as a "start" input. Pressing Esc (or closing the
    window) sends "quit" and ends the actor normally, so give it ``Restart.TRANSIENT``.
    """

    def __init__(
        self,
        views: LatestValue[ViewUpdate],
        inputs: LosslessChannel[UserInput],
        *,
        mode: str = "hold",
        fps: float = 60.0,
        size: tuple[int, int] = DEFAULT_SIZE,
        menu: StartMenu | None = None,
        seed: int = 0,
        sound: bool = True,
        headless: bool = False,
        frames_dir: Path | None = None,
        save_every_frames: int = 0,
        modes: Mapping[str, registry.ModeFactory] = registry.MODES,
        actor_id: str = "render",
        time_scale: float = 1.0,
    ) -> None:
        super().__init__(actor_id)
        if not time_scale > 0:
            raise ValueError(f"time scale must be positive, got {time_scale}")
        self.time_scale = time_scale
        """Trio seconds per real second: above 1 when a simulated session runs faster than
        real time (the CLI's ``--speed``), so latency is still reported in real milliseconds."""
        if fps <= 0:
            raise ValueError(f"frame rate must be positive, got {fps}")
        self.views = views
        self.inputs = inputs
        self.training = registry.check_training_mode(mode)
        self._chosen = self.training
        self.period_s = 1.0 / fps
        self.size = size
        self.sound = sound
        self.headless = headless
        self.fullscreen = False
        self._window_size = size
        self.frames_dir = frames_dir
        self.save_every_frames = save_every_frames
        self.menu = menu
        self.muscles = VirtualMuscles()
        self.stats = LatencyStats()
        self.context = ModeContext(trace=EnvelopeTrace(), course=GateCourse(seed=seed),
                                   menu=menu if menu is not None else StartMenu())
        self.frame_index = 0
        """Frames presented so far, across restarts."""
        self.frames_skipped = 0
        """Deadlines missed because a frame ran late."""
        self.saved_frames: list[Path] = []
        self.audio: AudioCues | None = None
        self._factories = modes
        self._modes: dict[str, Mode] = {}
        self._seen_version = -1
        self._last_view: SessionView | None = None
        self._crashed_version: int | None = None
        self._poison_version: int | None = None
        self._last_activation: dict[str, float] = {}
        self._quit = False

    # -- lifecycle -------------------------------------------------------------------------

    async def setup(self) -> None:
        if self.headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        pygame.display.init()
        pygame.font.init()
        # After a restart the window stays as the player left it (size, full screen).
        if pygame.display.get_surface() is None or self.frame_index == 0:
            pygame.display.set_mode(self.size, pygame.RESIZABLE)
            pygame.display.set_caption("myoplay")
        if self.audio is None and self.sound:
            self.audio = AudioCues()
        self._modes.clear()

    async def loop(self) -> None:
        t0 = trio.current_time()
        k = 0
        while not self._quit:
            k += 1
            # A new view is drawn the moment it arrives (its latency is what the player feels);
            # without one, frames keep the integer-index cadence for animations and input.
            with trio.move_on_at(t0 + k * self.period_s) as deadline:
                await self.views.wait_newer(self._seen_version)
            await self.frame()
            if not deadline.cancelled_caught:
                k -= 1  # drawn early for a new view: deadline k is still ahead
            behind = math.floor((trio.current_time() - t0) / self.period_s)
            if behind > k:
                self.frames_skipped += behind - k
                k = behind

    async def teardown(self) -> None:
        if self._quit:
            pygame.display.quit()

    # -- one frame -------------------------------------------------------------------------

    async def frame(self) -> None:
        """Handle input, draw the newest view, present it and count its latency."""
        update = self.views.get()
        version = self.views.version
        view = update.view if update is not None else WAITING_VIEW
        for record in self._inputs_from_events(view):
            await self.inputs.send(record)
        fresh = update is not None and version != self._seen_version
        if fresh:
            self._seen_version = version
            self.context.trace.observe(view)
            if self.audio is not None:
                for cue in cues_between(self._last_view, view):
                    self.audio.play(cue)
            self._last_view = view
        if update is not None and version == self._poison_version:
            return
        latency = self.stats.view(update.group_delay_ms) if update is not None else None
        shown = dataclasses.replace(view, latency=latency) if latency is not None else view
        screen = self._surface()
        try:
            for name in self._layers(shown):
                self._mode(name).draw(screen, shown)
        except Exception:
            if version == self._crashed_version:
                self._poison_version = version
                message = f"view {version} crashed the renderer twice; it will not be drawn again"
                incarnation = current_incarnation()
                if incarnation is not None:
                    incarnation.report_poison(message)
                else:
                    log.error("%s", message)
            self._crashed_version = version
            raise
        pygame.display.flip()
        self.frame_index += 1
        if fresh and update is not None:
            # Counted when a view is first on screen: later frames of the same view show no
            # newer sample, and a paused or finished session would otherwise inflate the tail.
            elapsed_ms = (trio.current_time() - update.arrival_s) * 1000.0 / self.time_scale
            self.stats.add(max(0.0, elapsed_ms) + update.group_delay_ms)
        if self.frames_dir is not None and self.save_every_frames > 0 and (
            self.frame_index % self.save_every_frames == 0
        ):
            self.save_png(self.frames_dir / f"frame_{self.frame_index:06d}.png")

    def save_png(self, path: Path) -> Path:
        """Write what is on screen now to ``path`` (PNG), creating its folder."""
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self._surface(), str(path))
        self.saved_frames.append(path)
        return path

    def _surface(self) -> pygame.Surface:
        surface = pygame.display.get_surface()
        if surface is None:
            raise pygame.error("the display is closed")
        return surface

    def _layers(self, view: SessionView) -> tuple[str, ...]:
        if self.menu is not None and not self.menu.confirmed:
            return ("start",)
        return registry.layers_for(view, self.training)

    def _mode(self, name: str) -> Mode:
        mode = self._modes.get(name)
        if mode is None:
            mode = self._factories[name](self.context)
            self._modes[name] = mode
        return mode

    # -- input -----------------------------------------------------------------------------

    def _inputs_from_events(self, view: SessionView) -> list[UserInput]:
        """Turn pending pygame events into inputs (and local actions: mute, fullscreen...)."""
        out: list[UserInput] = []

        def emit(kind: str, value: PlainValue = None) -> None:
            out.append(UserInput(view.t_ns, kind, value))

        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._quit = True
            elif event.type == pygame.KEYDOWN:
                self._key_down(event.key, emit)
            elif event.type == pygame.KEYUP and event.key in _HOLD_KEYS:
                self.muscles.held.discard(_HOLD_KEYS[event.key])
            elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                self.muscles.held.add("both")
            elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
                self.muscles.held.discard("both")
            elif event.type == pygame.MOUSEWHEEL:
                self.muscles.set_level(self.muscles.level + 0.05 * event.y)
        activation = self.muscles.activation(tuple((c.label, c.side) for c in view.channels))
        # Nothing is sent until a key commands something, so an idle keyboard never overrides
        # another driver of the virtual muscles (an autopilot, a script).
        commanded = bool(self._last_activation) or any(activation.values())
        if activation and commanded and activation != self._last_activation:
            self._last_activation = activation
            emit("activation", dict(activation))
        if self._quit:
            emit("quit")
        return out

    def _key_down(self, key: int, emit: Callable[..., None]) -> None:
        if self.menu is not None and not self.menu.confirmed and key in _MENU_KEYS:
            self.menu = self.menu.press(_MENU_KEYS[key])
            self.context = dataclasses.replace(self.context, menu=self.menu)
            self._modes.pop("start", None)
            if self.menu.confirmed:
                self.training = self._chosen = registry.check_training_mode(self.menu.mode)
                emit("start", {"protocol": self.menu.protocol, "mode": self.menu.mode})
            return
        if key == pygame.K_ESCAPE:
            self._quit = True
        elif key in _HOLD_KEYS:
            self.muscles.held.add(_HOLD_KEYS[key])
        elif key in _LEVEL_KEYS:
            self.muscles.set_level(_LEVEL_KEYS[key])
        elif key in (pygame.K_UP, pygame.K_DOWN):
            self.muscles.set_level(self.muscles.level + (0.1 if key == pygame.K_UP else -0.1))
        elif key == pygame.K_p:
            emit("pause")
        elif key == pygame.K_h:
            emit("calibration", "submax")
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            emit("key", "return")
        elif key == pygame.K_m and self.audio is not None:
            self.audio.toggle_mute()
        elif key in (pygame.K_F11, pygame.K_f):
            self._toggle_fullscreen()
        elif key == pygame.K_TAB:
            self.training = self._chosen if self.training == "clinician" else "clinician"
        elif key == pygame.K_s and self.frames_dir is not None:
            self.save_png(self.frames_dir / f"screenshot_{self.frame_index:06d}.png")

    def _toggle_fullscreen(self) -> None:
        """Switch between a resizable window (at its last size) and the full screen."""
        surface = self._surface()
        if not self.fullscreen:
            self._window_size = surface.get_size()
        target = not self.fullscreen
        try:
            if target:
                pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            else:
                pygame.display.set_mode(self._window_size, pygame.RESIZABLE)
        except pygame.error as exc:
            log.warning("cannot switch full screen %s: %s", "on" if target else "off", exc)
            return
        self.fullscreen = target
