"""The dashboard's web app on a real Hypercorn server on loopback: the token guards the page
and the websocket, the websocket carries every change of the table, and remote changes are
checked before they are queued."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import trio
from trio_websocket import ConnectionRejected, WebSocketConnection, open_websocket_url

from actors.dashboard.control_rows import ControlKey, ControlRows
from actors.dashboard.hub import DashboardHub
from actors.dashboard.state_row import parse_state_row
from actors.dashboard.web_actor import WebServer, listening_socket
from actors.dashboard.web_app import build_app
from tests.actors.dashboard.rows import state_row

TOKEN = "test-token-0123456789-abcdefghijklmnop"


async def http_get(port: int, target: str, headers: str = "") -> tuple[int, str, str]:
    """Status, head and body of ``GET target``."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}"
                              "Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := await stream.receive_some():
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    return int(head.split()[1]), head, body


@pytest.fixture
async def served(nursery: trio.Nursery) -> AsyncIterator[tuple[DashboardHub, int]]:
    hub = DashboardHub(ControlRows("PT-1"))
    hub.table.update(parse_state_row(state_row("bay-1")), trio.current_time())
    with listening_socket("127.0.0.1", 0) as listener:
        server = WebServer(build_app(hub, TOKEN, "<html><script>1</script></html>"), listener)
        await nursery.start(server.run)
        yield hub, server.port
        nursery.cancel_scope.cancel()


async def next_message(ws: WebSocketConnection) -> dict[str, object]:
    with trio.fail_after(5):
        message: dict[str, object] = json.loads(await ws.get_message())
    return message


async def test_the_page_needs_the_token_and_hands_it_on_as_a_cookie(
        served: tuple[DashboardHub, int]) -> None:
    _, port = served
    status, _, body = await http_get(port, "/")
    assert (status, body) == (403, "403 forbidden: this dashboard needs its token (open the "
                                   "address 'myoplay dashboard' printed, with ?token=...)\n")
    assert (await http_get(port, "/?token=wrong"))[0] == 403
    status, head, _ = await http_get(port, f"/?token={TOKEN}")
    assert status == 303
    assert f"set-cookie: myoplay_dashboard={TOKEN}; HttpOnly; Path=/; SameSite=strict" in head
    status, head, body = await http_get(port, "/", f"Cookie: myoplay_dashboard={TOKEN}\r\n")
    assert status == 200
    assert body == "<html><script>1</script></html>"
    assert "script-src 'sha256-" in head
    assert "frame-ancestors 'none'" in head


async def test_the_websocket_needs_the_token_and_its_own_origin(
        served: tuple[DashboardHub, int]) -> None:
    _, port = served
    for url, headers in ((f"ws://127.0.0.1:{port}/ws", []),
                         (f"ws://127.0.0.1:{port}/ws?token={TOKEN}",
                          [(b"Origin", b"http://elsewhere.example")])):
        with pytest.raises(ConnectionRejected) as refused:
            async with open_websocket_url(url, extra_headers=headers):
                pytest.fail(f"{url} was accepted with {headers}")
        assert refused.value.status_code == 403


async def test_the_websocket_carries_changes_and_checks_remote_requests(
        served: tuple[DashboardHub, int]) -> None:
    hub, port = served
    async with open_websocket_url(f"ws://127.0.0.1:{port}/ws?token={TOKEN}") as ws:
        hello = await next_message(ws)
        assert hello["type"] == "hello"
        assert [c["station"] for c in hello["cards"]] == ["bay-1"]  # type: ignore[attr-defined]
        hub.table.update(parse_state_row(state_row("bay-1", 2, rep=2)), trio.current_time())
        hub.notify()
        cards = await next_message(ws)
        assert cards["type"] == "cards"
        assert cards["cards"][0]["rep"] == 2  # type: ignore[index]

        change = {"type": "change", "station": "bay-1", "key": "rules.target_band_pct",
                  "value": [25, 45]}
        await ws.send_message(json.dumps(change))
        answer = await next_message(ws)
        assert answer["ok"] is False
        assert "does not take remote changes" in str(answer["text"])

        hub.table.update(parse_state_row(state_row("bay-1", 3, remote_allowed=True)),
                         trio.current_time())
        await ws.send_message(json.dumps(change))
        answer = await next_message(ws)
        while answer["type"] != "change_result":
            answer = await next_message(ws)
        assert answer["ok"] is True
        queued = hub.changes_receive.receive_nowait()
        assert (queued.station, queued.key, queued.value) == ("bay-1", ControlKey.TARGET_BAND,
                                                              [25.0, 45.0])


async def test_watching_a_station_starts_with_its_recent_events(
        served: tuple[DashboardHub, int]) -> None:
    hub, port = served
    hub.publish_detail("bay-1", {"type": "events", "station": "bay-1",
                                 "rows": [{"type": "event", "kind": "rep_completed"}]})
    async with open_websocket_url(f"ws://127.0.0.1:{port}/ws?token={TOKEN}") as ws:
        await next_message(ws)
        await ws.send_message(json.dumps({"type": "watch", "station": "bay-1"}))
        events = await next_message(ws)
        assert events == {"type": "events", "station": "bay-1",
                          "rows": [{"type": "event", "kind": "rep_completed"}]}
        hub.publish_detail("bay-1", {"type": "envelope", "station": "bay-1", "labels": ["a"],
                                     "points": [[0.0, 1.5]]})
        assert (await next_message(ws))["type"] == "envelope"
