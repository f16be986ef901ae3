"""The start screen's choice of client, protocol and mode, driven by the keyboard alone.

A small immutable state machine: each key gives a new :class:`StartMenu`; the render actor holds
the current one and the start screen draws it. The client row is there when the station keeps a
history (:class:`ClientChoice`, its clients and their earlier sessions passed in: the menu never
reads the store): the player picks a client's pseudonym, types a new one, or plays unfiled. Once
confirmed, the menu says what the session is compared with on its summary
(:meth:`StartMenu.client_history`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from engine.errors import ConfigError
from engine.protocol import builtin_protocol, builtin_protocol_names
from engine.session_filing import CLIENT_ID_MAX_CHARS, SessionFiling, checked_client_id
from engine.since_last_session import ClientHistory, client_history
from engine.training import TrainingConfig
from engine.weekly_progress import SessionPoint
from modes.training_modes import TRAINING_MODES

#: The menu's rows, top to bottom.
ROWS = ("protocol", "mode", "start")
#: The rows with a client to choose first.
CLIENT_ROWS = ("client", *ROWS)
#: The characters a pseudonym may hold (see :mod:`engine.session_filing`).
PSEUDONYM_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
#: Menu keys that edit a pseudonym being typed (besides its characters).
BACKSPACE = "backspace"


@dataclass(frozen=True)
class ClientChoice:
    """The client row: play unfiled (``index`` 0), one of ``clients`` (1 … n), or a new
    pseudonym (n + 1), typed into ``typed`` (None when not typing).

    ``started_at`` is when the session started (ISO 8601, the command line's clock): a session
    filed under the chosen client is filed at that time, as ``play --client`` files it.
    ``earlier`` holds each listed client's filed sessions, oldest first, read with the list
    before the session, so that choosing one reads nothing: the summary compares the session
    with them as it does for ``play --client``.
    """

    clients: tuple[str, ...]
    started_at: str
    index: int = 0
    typed: str | None = None
    earlier: Mapping[str, tuple[SessionPoint, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, repr=False)

    @property
    def options(self) -> int:
        return len(self.clients) + 2

    @property
    def is_new(self) -> bool:
        return self.index == len(self.clients) + 1

    @property
    def client(self) -> str | None:
        """The client chosen (None: unfiled, or a new one not yet typed)."""
        return self.clients[self.index - 1] if 0 < self.index <= len(self.clients) else None

    @property
    def earlier_sessions(self) -> tuple[SessionPoint, ...]:
        """The chosen client's filed sessions, oldest first (none for a new pseudonym)."""
        client = self.client
        return self.earlier.get(client, ()) if client is not None else ()

    def label(self) -> str:
        """What the row shows: the pseudonym, "no client (not filed)", or the one typed."""
        if self.typed is not None:
            return f"new: {self.typed}_"
        if self.is_new:
            return "new client…"
        return self.client or "no client (not filed)"

    def step(self, step: int) -> ClientChoice:
        return replace(self, index=(self.index + step) % self.options, typed=None)

    def type(self, key: str) -> ClientChoice:
        """A key while typing: a pseudonym's character, or :data:`BACKSPACE`; others and
        characters past :data:`~engine.session_filing.CLIENT_ID_MAX_CHARS` change nothing."""
        typed = self.typed or ""
        if key == BACKSPACE:
            return replace(self, typed=typed[:-1])
        if key in PSEUDONYM_CHARACTERS and len(typed) < CLIENT_ID_MAX_CHARS:
            return replace(self, typed=typed + key)
        return self

    def confirm_typed(self) -> ClientChoice | None:
        """The typed pseudonym chosen (a known one selected, a new one added), or None when
        it is not a valid pseudonym yet (e.g. empty, or starting with '-')."""
        typed = self.typed or ""
        try:
            checked_client_id(typed, "client")
        except ConfigError:
            return None
        clients = self.clients if typed in self.clients else (*self.clients, typed)
        return replace(self, clients=clients, index=clients.index(typed) + 1, typed=None)


@functools.cache
def builtin_protocol_modes() -> Mapping[str, tuple[str, ...]]:
    """Each built-in protocol's suitable training modes (its file's ``modes``), by id."""
    return MappingProxyType({name: builtin_protocol(name).modes
                             for name in builtin_protocol_names()})


@dataclass(frozen=True)
class StartMenu:
    """Which protocol and mode are highlighted, which row has the focus, and whether confirmed.

    It offers the built-in protocols and, for each, only the training modes its file says suit
    it (``suits``; a protocol missing there is offered every mode). ``mode_index`` indexes
    ``modes``; when the protocol changes to one that the highlighted mode does not suit, the
    protocol's first suitable mode is the choice.
    """

    protocols: tuple[str, ...] = field(default_factory=builtin_protocol_names)
    modes: tuple[str, ...] = TRAINING_MODES
    protocol_index: int = 0
    mode_index: int = 0
    row: int = 0
    confirmed: bool = False
    suits: Mapping[str, tuple[str, ...]] = field(default_factory=builtin_protocol_modes,
                                                 hash=False)
    client: ClientChoice | None = None
    """The client row (None: no row, the session is filed as the command line says)."""

    def __post_init__(self) -> None:
        if not self.protocols or not self.modes:
            raise ConfigError("the start menu needs at least one protocol and one mode")
        for name in self.protocols:
            if not self._offered_for(name):
                raise ConfigError(f"the start menu offers no mode that suits protocol {name!r}")

    def _offered_for(self, protocol: str) -> tuple[str, ...]:
        suits = self.suits.get(protocol, self.modes)
        return tuple(m for m in suits if m in self.modes)

    @property
    def rows(self) -> tuple[str, ...]:
        """The rows shown, top to bottom."""
        return ROWS if self.client is None else CLIENT_ROWS

    @property
    def typing(self) -> bool:
        """Whether a new pseudonym is being typed (characters go to it, not to the game)."""
        return self.client is not None and self.client.typed is not None and not self.confirmed

    @property
    def filing(self) -> SessionFiling | None:
        """The client the session is filed under by the menu's choice (None: not by it)."""
        client = self.client
        chosen = client.client if client is not None else None
        if client is None or chosen is None:
            return None
        return SessionFiling(chosen, client.started_at)

    @property
    def protocol(self) -> str:
        return self.protocols[self.protocol_index]

    def played_training(self, configured: TrainingConfig) -> TrainingConfig:
        """The settings the session plays once the choice is confirmed: ``configured`` (the
        command line's) with the protocol chosen here — the configured one itself when it is
        chosen again (a protocol file's, or one stepped up to a higher band), else the
        built-in one, as the training core takes the "start" input."""
        if self.protocol == configured.protocol.id:
            return configured
        return replace(configured, protocol=builtin_protocol(self.protocol))

    def client_history(self, played: TrainingConfig) -> ClientHistory | None:
        """What the summary compares a session of ``played`` with when this menu's choice files
        it: the chosen client's earlier sessions (none for a new pseudonym: its first
        session); None when the menu files it under nobody."""
        filing = self.filing
        if filing is None or self.client is None:
            return None
        return client_history(filing.client_id, self.client.earlier_sessions, played,
                              filing.started_at)

    @property
    def offered_modes(self) -> tuple[str, ...]:
        """The modes that suit the highlighted protocol, its preferred one first."""
        return self._offered_for(self.protocol)

    @property
    def mode(self) -> str:
        offered = self.offered_modes
        highlighted = self.modes[self.mode_index]
        return highlighted if highlighted in offered else offered[0]

    def press(self, key: str) -> StartMenu:
        """The menu after ``key`` ("up", "down", "left", "right", "return"; while typing a
        pseudonym also its characters and :data:`BACKSPACE`); others change nothing.

        Up/down move between rows, left/right change the choice on the focused row, and return
        moves on to the next row, confirming on the last one. On the client row, return on
        "new client…" starts typing, and return again takes the pseudonym typed.
        """
        if self.confirmed:
            return self
        rows = self.rows
        client = self.client
        if client is not None and rows[self.row] == "client":
            if client.typed is not None and key not in ("up", "down", "return"):
                return replace(self, client=client.type(key))
            if key == "return" and client.typed is not None:
                taken = client.confirm_typed()
                return self if taken is None else replace(self, client=taken, row=self.row + 1)
            if key == "return" and client.is_new:
                return replace(self, client=replace(client, typed=""))
            if key in ("left", "right"):
                return replace(self, client=client.step(-1 if key == "left" else 1))
            if client.typed is not None:  # up or down: leave the pseudonym untyped
                return replace(self, client=replace(client, typed=None)).press(key)
        if key == "up":
            return replace(self, row=max(0, self.row - 1))
        if key == "down":
            return replace(self, row=min(len(rows) - 1, self.row + 1))
        if key in ("left", "right"):
            step = -1 if key == "left" else 1
            if rows[self.row] == "protocol":
                index = (self.protocol_index + step) % len(self.protocols)
                return replace(self, protocol_index=index)
            if rows[self.row] == "mode":
                offered = self.offered_modes
                chosen = offered[(offered.index(self.mode) + step) % len(offered)]
                return replace(self, mode_index=self.modes.index(chosen))
            return self
        if key == "return":
            if rows[self.row] == "start":
                return replace(self, confirmed=True)
            return replace(self, row=self.row + 1)
        return self
