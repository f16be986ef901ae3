"""The web actor: Hypercorn's Trio worker serving the dashboard's app on a socket it owns.

The listening socket is bound by whoever builds the tree (:func:`listening_socket`), before
anything runs: an address that is taken is one line for the user, the port chosen (0 picks a
free one) is known to whoever prints it, and a restarted server listens on the same socket.
Hypercorn gets a duplicate of it each run and closes that one itself.
"""

from __future__ import annotations

import logging
import os
import socket

from hypercorn.config import Config
from hypercorn.trio import serve
from starlette.applications import Starlette

from engine.errors import ConfigError
from engine.runtime.actor import Actor

log = logging.getLogger(__name__)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host``:``port``; a :class:`ConfigError` naming the address
    when that is not possible (taken, not this machine's)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise ConfigError(f"--listen {host}: {error.strerror or error}",
                          hint="give an address of this machine, e.g. 127.0.0.1") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host} port {port}: {error.strerror or error}",
                          hint="choose another --port, or stop what uses it") from None
    return sock


class WebServer(Actor):
    """Serves ``app`` on ``listener`` (which its owner closes) until cancelled."""

    shutdown_timeout_s = 3.0

    def __init__(self, app: Starlette, listener: socket.socket) -> None:
        super().__init__("web")
        self.app = app
        self.listener = listener

    @property
    def port(self) -> int:
        port: int = self.listener.getsockname()[1]
        return port

    async def loop(self) -> None:
        config = Config()
        config.bind = [f"fd://{os.dup(self.listener.fileno())}"]
        config.accesslog = None
        config.errorlog = logging.getLogger("hypercorn.error")
        config.graceful_timeout = 1.0
        await serve(self.app, config)  # type: ignore[arg-type]
