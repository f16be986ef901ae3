"""The dashboard's web app (Starlette): the page, and the websocket that keeps it live.

Routes: ``/`` the page, ``/ws`` its websocket. Both need the token
(:mod:`~actors.dashboard.access_token`); anything refused gets 403 and one short line. The page
comes with headers that keep it to itself: a content security policy allowing only its own
inline script and style (by hash) and connections back to this server, no framing, no
referrer, no caching.

Websocket messages (JSON objects, by ``type``). To the page: ``hello`` (the clinician's
label, every card, the clients' alerts), ``cards`` (the cards that changed), ``clients``,
``envelope`` and ``events`` (a watched station's detail), ``change_result``. From the page:
``watch`` (``station``: the one to show in detail, or null) and ``change`` (``station``,
``key``, ``value``: a remote change).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from importlib.resources import files
from typing import Any

import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.dashboard.access_token import (
    REFUSED_TEXT,
    TOKEN_COOKIE,
    TOKEN_QUERY,
    presented_token,
    same_origin,
    token_matches,
)
from actors.dashboard.control_rows import ChangeRequestError, parse_change
from actors.dashboard.hub import DashboardHub, DetailSubscription, Message

log = logging.getLogger(__name__)

#: Largest message accepted from a page, in characters.
MAX_PAGE_MESSAGE = 4096


def page_html() -> str:
    """The page, as shipped in the package."""
    return files("actors.dashboard").joinpath("page.html").read_text(encoding="utf-8")


def _hashes(html: str, tag: str) -> str:
    """CSP source expressions allowing exactly the inline ``tag`` blocks of ``html``."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in blocks)


def _refused() -> Response:
    return PlainTextResponse(REFUSED_TEXT, status_code=403)


def build_app(hub: DashboardHub, token: str, html: str | None = None) -> Starlette:
    """The app serving ``hub``'s stations to holders of ``token``."""
    html = page_html() if html is None else html
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {_hashes(html, 'script')}; "
            f"style-src {_hashes(html, 'style')}; connect-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }

    async def page(request: Request) -> Response:
        presented = presented_token(request.query_params, request.cookies)
        if not token_matches(token, presented):
            return _refused()
        if TOKEN_QUERY in request.query_params:
            # Keep the token out of the address bar and history: a cookie carries it on.
            response: Response = RedirectResponse("/", status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict",
                                path="/")
            return response
        return HTMLResponse(html, headers=headers)

    async def live(websocket: WebSocket) -> None:
        presented = presented_token(websocket.query_params, websocket.cookies)
        if not (token_matches(token, presented) and same_origin(
                websocket.headers.get("origin"), websocket.headers.get("host"))):
            await websocket.send_denial_response(_refused())
            return
        await websocket.accept()
        try:
            await _PageSession(hub, websocket).run()
        except* WebSocketDisconnect:
            log.debug("a page closed its live connection")

    return Starlette(routes=[Route("/", page), WebSocketRoute("/ws", live)])


class _PageSession:
    """One open page: sends it every change of the table, its watched station's detail and
    the answers to its requests; takes its requests."""

    def __init__(self, hub: DashboardHub, websocket: WebSocket) -> None:
        self.hub = hub
        self.websocket = websocket
        self._send_lock = trio.Lock()
        self._watch_scope: trio.CancelScope | None = None

    async def send(self, message: Message) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(message, separators=(",", ":"),
                                                      allow_nan=False))

    async def run(self) -> None:
        table = self.hub.table
        now_s = self.hub.now_s()
        version, clients_version = table.version, table.clients_version
        await self.send({"type": "hello", "clinician": self.hub.control.clinician,
                         "cards": table.cards(now_s), "clients": table.client_alerts()})
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._take_requests, nursery)
            while True:
                seen, version = version, await self.hub.wait_change(version)
                cards = table.changed_since(seen, self.hub.now_s())
                if cards:
                    await self.send({"type": "cards", "cards": cards})
                if table.clients_version != clients_version:
                    clients_version = table.clients_version
                    await self.send({"type": "clients", "alerts": table.client_alerts()})

    async def _take_requests(self, nursery: trio.Nursery) -> None:
        while True:
            text = await self.websocket.receive_text()
            try:
                message = json.loads(text) if len(text) <= MAX_PAGE_MESSAGE else None
            except ValueError:
                message = None
            if not isinstance(message, dict):
                continue
            if message.get("type") == "watch":
                self._watch(nursery, message.get("station"))
            elif message.get("type") == "change":
                await self._change(message)

    def _watch(self, nursery: trio.Nursery, station: Any) -> None:
        if self._watch_scope is not None:
            self._watch_scope.cancel()
            self._watch_scope = None
        if isinstance(station, str) and station:
            self._watch_scope = trio.CancelScope()
            nursery.start_soon(self._forward_detail, station, self._watch_scope)

    async def _forward_detail(self, station: str, scope: trio.CancelScope) -> None:
        with scope, self.hub.subscribe(station) as subscription:
            await self._forward(subscription)

    async def _forward(self, subscription: DetailSubscription) -> None:
        async for message in subscription.receive:
            await self.send(message)

    async def _change(self, message: dict[str, Any]) -> None:
        station = message.get("station")
        try:
            change = parse_change(message)
            refused = self.hub.request_change(change)
        except ChangeRequestError as error:
            refused = str(error)
        if refused is None:
            log.info("remote change for %s queued: %s = %s", station, message.get("key"),
                     message.get("value"))
        await self.send({"type": "change_result", "station": station, "ok": refused is None,
                         "text": refused or "sent; waiting for the station to confirm"})
