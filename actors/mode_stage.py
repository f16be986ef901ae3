"""Which modes paint a view, and the mode objects that paint it.

The training mode is the player's choice (the start menu's, or the session's); Tab switches to
the clinician view and back. Before the menu is confirmed only the start screen shows; after
that :func:`modes.registry.layers_for` says which layers a view calls for. Each mode is built
once, on first use, from the registered factory, and built again after :meth:`reset` (a
restarted renderer must not keep a mode that crashed it).

The stage also holds what the summary compares the session with (the client's history): given
up front for ``play --client``, made when the start menu's choice is confirmed for a client
chosen there (or another protocol chosen), and told the calibration kind the player ends up
with. All plain data, read by the app before the session: nothing here touches the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pygame

from engine.messages import PlainValue
from engine.session_filing import FILING_FIELD
from engine.since_last_session import ClientHistory
from engine.training import TrainingConfig
from engine.view import SessionView
from modes import key_legend, registry
from modes.base import Mode, ModeContext
from modes.course import GateCourse
from modes.menu import StartMenu
from modes.trace import EnvelopeTrace

#: The view every training mode can switch to with Tab.
CLINICIAN = "clinician"
#: The key legend's layer, in a strip below the others when the virtual patient is the sensor.
LEGEND = "key_legend"
#: The summary's layer: the one that reads the client's history.
SUMMARY = "summary"


class ModeStage:
    """The chosen training mode, the start menu and the modes built so far."""

    def __init__(self, training: str, *, menu: StartMenu | None,
                 factories: Mapping[str, registry.ModeFactory], seed: int,
                 key_legend: bool = False, client_history: ClientHistory | None = None,
                 settings: TrainingConfig | None = None) -> None:
        self.training = registry.check_training_mode(training)
        """The mode on screen now (the chosen one, or the clinician view)."""
        self._chosen = self.training
        self.menu = menu
        self.context = ModeContext(trace=EnvelopeTrace(), course=GateCourse(seed=seed),
                                   menu=menu if menu is not None else StartMenu(),
                                   client_history=client_history)
        self._factories = factories
        self._built: dict[str, Mode] = {}
        self.key_legend = key_legend
        """Show which keys drive the virtual muscles (the virtual patient is the sensor)."""
        self._settings = settings
        """The session's settings as started (None: unknown, the history stays as given): the
        menu's choice of protocol and client says what its summary compares."""

    @property
    def client_history(self) -> ClientHistory | None:
        """What the summary compares the session with: the history of the client it is filed
        under, for the protocol played (None: filed under nobody)."""
        return self.context.client_history

    @property
    def menu_open(self) -> bool:
        """Whether the start menu is waiting for the player's choice."""
        return self.menu is not None and not self.menu.confirmed

    @property
    def menu_typing(self) -> bool:
        """Whether the start menu takes typed characters (a new client's pseudonym)."""
        return self.menu is not None and self.menu.typing

    def reset(self) -> None:
        """Forget the modes built so far: the next paint builds fresh ones."""
        self._built.clear()

    def observe(self, view: SessionView) -> None:
        """Take in a new view (once each): the envelope trace keeps the recent history, the
        score board every rep result, the client's history the calibration's kind."""
        self.context.trace.observe(view)
        self.context.score.observe(view)
        history = self.context.client_history
        if history is not None and view.calibration is not None:
            self._compare_with(history.calibrated_by(view.calibration.kind))

    def press_menu(self, key: str) -> dict[str, PlainValue] | None:
        """Move the start menu; returns the "start" input's value once the choice is confirmed."""
        if self.menu is None:
            return None
        self.menu = self.menu.press(key)
        self.context = dataclasses.replace(self.context, menu=self.menu)
        self._built.pop("start", None)  # the start screen reads the menu when it is built
        if not self.menu.confirmed:
            return None
        self.training = self._chosen = registry.check_training_mode(self.menu.mode)
        if self._settings is not None:
            played = self.menu.played_training(self._settings)
            given = self.context.client_history  # play --client's, for the planned protocol
            self._compare_with(self.menu.client_history(played)
                               or (given.planned_for(played) if given is not None else None))
        filing = self.menu.filing  # the client chosen files the session, as --client does
        return {"protocol": self.menu.protocol, "mode": self.menu.mode} | (
            {FILING_FIELD: filing.to_plain()} if filing is not None else {})

    def _compare_with(self, history: ClientHistory | None) -> None:
        if history is not self.context.client_history:
            self.context = dataclasses.replace(self.context, client_history=history)
            self._built.pop(SUMMARY, None)  # the summary reads it when it is built

    def switch_view(self) -> None:
        """Between the chosen training mode and the clinician view."""
        self.training = self._chosen if self.training == CLINICIAN else CLINICIAN

    def paint(self, surface: pygame.Surface, view: SessionView) -> None:
        """Draw every layer ``view`` calls for, bottom first."""
        layers = (("start",) if self.menu_open
                  else registry.layers_for(view, self.training))
        # The keys drive the muscles: no legend over the menu or the summary (nothing to
        # contract there, and it would cover the summary's figures). Elsewhere it has a strip
        # of its own at the bottom and the screens are laid out above it, so it covers nothing.
        legend = (key_legend.legend_layout(surface.get_size(), view)
                  if self.key_legend and not self.menu_open and SUMMARY not in layers
                  else None)
        area = surface if legend is None else surface.subsurface(
            (0, 0, surface.get_width(), max(1, legend.strip.top)))
        for name in layers:
            self._mode(name).draw(area, view)
        if legend is not None:
            self._mode(LEGEND).draw(surface, view)

    def _mode(self, name: str) -> Mode:
        mode = self._built.get(name)
        if mode is None:
            mode = self._built[name] = self._factories[name](self.context)
        return mode
