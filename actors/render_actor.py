"""The render actor: owns the pygame window, draws the newest view at a fixed frame rate.

It reads the newest :class:`~actors.actor_messages.ViewUpdate` from a latest-value channel (a
stale frame is worthless, so it never queues), paints it, presents the frame, and measures the
latency of every view it puts on screen. Keys become :class:`~engine.messages.UserInput`
records on a lossless channel; with a simulated sensor they drive the virtual muscles.

The actor only composes pieces with one job each, so that each is tested on its own:

- :class:`~actors.frame_pacer.FramePacer` — when to draw (integer-indexed deadlines);
- :class:`~actors.latency_meter.LatencyMeter` — arrival-to-screen latency;
- :class:`~actors.player_controls.PlayerControls` — keyboard and mouse to commands;
- :class:`~actors.mode_stage.ModeStage` — which modes paint, and the start menu;
- :class:`~actors.poison_view.PoisonViewGuard` — the view that crashed it twice is skipped;
- :class:`~actors.cue_player.CuePlayer`, :class:`~actors.game_window.GameWindow`,
  :class:`~actors.frame_saver.FrameSaver` — sound, window and full screen, PNGs on disk.

It is an :class:`engine.runtime.actor.Actor`: if a mode raises while drawing, the session's
supervisor restarts it, and these pieces carry over, so a restart keeps the window, the frame
count, the latency figures and the poison count.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import sys
from collections.abc import Mapping
from pathlib import Path

import pygame
import trio

from actors.actor_messages import QUIT_INPUT, ViewUpdate
from actors.cue_player import CuePlayer
from actors.frame_pacer import FramePacer
from actors.frame_saver import FrameSaver
from actors.game_window import DEFAULT_SIZE_PX, GameWindow
from actors.input_sink import InputSink
from actors.latency_meter import LatencyMeter
from actors.mode_stage import CLINICIAN, ModeStage
from actors.player_controls import LocalAction, MenuKey, PlayerControls
from actors.poison_view import PoisonViewGuard
from engine.messages import ConfigChange, UserInput
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue
from engine.since_last_session import ClientHistory
from engine.training import TrainingConfig
from engine.view import SessionView
from modes import registry
from modes.latency import LatencyStats
from modes.menu import StartMenu

log = logging.getLogger(__name__)

#: Shown before the first view arrives: no channels, nothing connected yet.
WAITING_VIEW = SessionView(t_ns=0, channels=(), sensor_status="waiting")


def freeze_startup_heap() -> None:
    """Take everything alive now out of the garbage collector's full passes.

    Python's full (oldest-generation) collection walks every tracked object; with numpy,
    scipy, pygame and the session's tree loaded it took 60–135 ms on a busy machine, and the
    whole process, sensor to screen, stands still meanwhile: the latency's worst tail in a real
    window. Objects made before the first frame (modules, protocols, filters, the window) live
    for the whole session, so a full pass need never look at them again; after
    :func:`gc.freeze` such a pass costs well under a millisecond. Garbage is collected first so
    that nothing already dead is kept. Process-wide, so it is done once per session, for a real
    display only (headless sessions have no frame to miss, and run inside test processes).
    """
    gc.collect()
    gc.freeze()


#: How long a worker thread may keep the GIL while the Trio thread waits for it, s (Python's
#: default is 5 ms).
GIL_SWITCH_INTERVAL_S = 0.0005


def hand_the_gil_back_sooner() -> None:
    """Shorten how long the Trio thread can wait for the GIL behind a worker thread.

    The flip's worker takes the GIL back when the X server returns, and the recorder's worker
    packs records with it; meanwhile the Trio thread, which senses, judges and draws, waits up
    to the switch interval for its turn, and on a loaded machine a worker can be descheduled
    while it holds the GIL. Interleaved runs of the windowed benchmark with one core busy on
    a heavily loaded machine (load average 6–13 on 2 cores) showed a lower p99 with 0.5 ms
    than with the default 5 ms in six pairs out of six (by 1–210 ms); at a load of 4 no
    difference stood out of the noise. Process-wide, so done once per session, for a real
    display only (as :func:`freeze_startup_heap`).
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


class RenderActor(Actor):
    """Draws the session, turns keys into inputs, measures latency.

    ``views`` carries :class:`ViewUpdate` records; ``inputs`` receives every
    :class:`UserInput` (stamped with the newest view's sample time; the rules actor restamps
    them when it takes them in). ``mode`` is the training mode; with a ``menu`` the start
    screen comes first and the choice is sent as a "start" input. Pressing Esc (or closing the
    window) sends "quit" and ends the actor normally, so give it ``Restart.TRANSIENT``; the
    window closes then, or at :meth:`finish`, after the screen is saved to ``summary_path``.
    ``time_scale`` is Trio seconds per real second (a simulated session run faster than real
    time), so latency is still reported in real milliseconds. With ``virtual_muscles`` (the
    virtual patient is the sensor, driven by the keys) a key legend is drawn over every screen.
    ``client_history`` is what the summary compares the session with (``play --client``);
    with the session's ``settings`` the stage makes it anew for the client and protocol chosen
    on the start screen (see :class:`~actors.mode_stage.ModeStage`).
    """

    def __init__(
        self,
        views: LatestValue[ViewUpdate],
        inputs: InputSink,
        *,
        mode: str = "hold",
        fps: float = 60.0,
        size: tuple[int, int] = DEFAULT_SIZE_PX,
        menu: StartMenu | None = None,
        seed: int = 0,
        sound: bool = True,
        tone: bool = False,
        headless: bool = False,
        frames_dir: Path | None = None,
        save_every_frames: int = 0,
        summary_path: Path | None = None,
        modes: Mapping[str, registry.ModeFactory] = registry.MODES,
        actor_id: str = "render",
        time_scale: float = 1.0,
        virtual_muscles: bool = False,
        client_history: ClientHistory | None = None,
        settings: TrainingConfig | None = None,
    ) -> None:
        super().__init__(actor_id)
        self.latency = LatencyMeter(time_scale)
        self.pacer = FramePacer(fps)
        self.stage = ModeStage(mode, menu=menu, factories=modes, seed=seed,
                               key_legend=virtual_muscles, client_history=client_history,
                               settings=settings)
        self.views = views
        self.inputs = inputs
        self.controls = PlayerControls()
        self.window = GameWindow(size, headless=headless)
        self.saver = FrameSaver(frames_dir, save_every_frames)
        self.summary_path = summary_path
        """Where :meth:`finish` saves the last screen (None: nowhere)."""
        self.cues = CuePlayer(sound=sound, tone=tone)
        self.poison = PoisonViewGuard()
        self.frame_index = 0
        """Frames presented so far, across restarts."""
        self._seen_version = -1
        self._quit = False
        self._finished = False

    # -- what the session reports ----------------------------------------------------------

    @property
    def stats(self) -> LatencyStats:
        """The latency of every view shown so far, in ms."""
        return self.latency.stats

    @property
    def saved_frames(self) -> list[Path]:
        """Every PNG written so far."""
        return self.saver.saved

    def finish(self) -> None:
        """Close the window for good, saving what it shows to ``summary_path`` first.

        The image must be taken while the display is still open, so the window's closing and
        the summary image are one step: on the player's quit (from :meth:`teardown`) or, after
        any other end, by the session once its tree has stopped. A renderer that is only being
        restarted keeps its window, so nothing else closes it. Only the first call acts, and
        nothing is saved before a frame was shown or while the start menu was still open
        (nothing was played).
        """
        if self._finished:
            return
        self._finished = True
        if self.summary_path is not None and self.frame_index and not self.stage.menu_open:
            self.saver.save(self.window.surface(), self.summary_path)
        self.window.close()

    # -- lifecycle -------------------------------------------------------------------------

    async def setup(self) -> None:
        first_run = self.frame_index == 0
        self.window.open(afresh=first_run)
        if first_run and self.window.real_display:
            freeze_startup_heap()
            hand_the_gil_back_sooner()
        self.cues.open()
        self.stage.reset()

    async def loop(self) -> None:
        self.pacer.start(trio.current_time())
        while not self._quit:
            # A new view is drawn the moment it arrives (its latency is what the player feels);
            # without one, frames keep the integer-index cadence for animations and input.
            with trio.move_on_at(self.pacer.next_deadline_s()) as deadline:
                await self.views.wait_newer(self._seen_version)
            await self.frame()
            self.pacer.frame_done(trio.current_time(), on_deadline=deadline.cancelled_caught)

    async def teardown(self) -> None:
        if self._quit:
            self.finish()

    # -- one frame -------------------------------------------------------------------------

    async def frame(self) -> None:
        """Handle input, draw the newest view, present it and count its latency."""
        update = self.views.get()
        version = self.views.version
        view = update.view if update is not None else WAITING_VIEW
        for record in self._player_inputs(view):
            await self.inputs.send(record)
        fresh = update is not None and version != self._seen_version
        if fresh:
            self._seen_version = version
            self.stage.observe(view)
            self.cues.follow(view)
        if update is not None and self.poison.is_poison(version):
            return
        latency = self.latency.readout(update)
        shown = dataclasses.replace(view, latency=latency) if latency is not None else view
        surface = self.window.surface()
        with self.poison.drawing(version):
            self.stage.paint(surface, shown)
        self.saver.overlay(surface, self.frame_index)
        shown_at_s = await self.window.present()
        self.frame_index += 1
        if fresh and update is not None:
            self.latency.presented(update, shown_at_s)
        self.saver.after_frame(surface, self.frame_index)

    def _player_inputs(self, view: SessionView) -> list[UserInput | ConfigChange]:
        """The session inputs in the pending events; local actions are carried out here."""
        out: list[UserInput | ConfigChange] = []
        for event in pygame.event.get():
            clinician = view.exercise if self.stage.training == CLINICIAN else None
            command = self.controls.command_for(event, view.t_ns,
                                                menu_open=self.stage.menu_open,
                                                clinician=clinician,
                                                menu_typing=self.stage.menu_typing)
            if isinstance(command, UserInput | ConfigChange):
                out.append(command)
            elif isinstance(command, MenuKey):
                start = self.stage.press_menu(command.name)
                if start is not None:
                    log.info("exercise chosen on the start screen: %s", start)
                    out.append(UserInput(view.t_ns, "start", start))
            elif command is not None:
                self._act(command)
        activation = self.controls.activation_input(view)
        if activation is not None:
            out.append(activation)
        if self._quit:
            out.append(UserInput(view.t_ns, QUIT_INPUT))
        return out

    def _act(self, action: LocalAction) -> None:
        if action is LocalAction.QUIT:
            self._quit = True
        elif action is LocalAction.MUTE:
            self.cues.toggle_mute()
        elif action is LocalAction.FULLSCREEN:
            self.window.toggle_fullscreen()
        elif action is LocalAction.SWITCH_VIEW:
            self.stage.switch_view()
        elif action is LocalAction.SCREENSHOT:
            self.saver.screenshot(self.window.surface(), self.frame_index)
