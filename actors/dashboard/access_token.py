"""Who may see the dashboard: the holder of its token, from a page of its own origin (pure).

The token comes once in the page's address (``/?token=…``); the page answer sets it as a
cookie (HttpOnly, SameSite=Strict) and drops it from the address bar, so later requests and the
websocket carry it without it showing on screen or in the browser's history. Comparisons take
constant time. A websocket must also come from the dashboard's own origin: a page elsewhere
that the browser happens to hold the cookie for cannot open it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

TOKEN_QUERY = "token"
TOKEN_COOKIE = "myoplay_dashboard"
#: What a refused request reads (with status 403).
REFUSED_TEXT = ("403 forbidden: this dashboard needs its token (open the address "
                "'myoplay dashboard' printed, with ?token=...)\n")


def presented_token(query: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """The token a request carries: in its address, else in its cookie."""
    return query.get(TOKEN_QUERY) or cookies.get(TOKEN_COOKIE) or None


def token_matches(expected: str, presented: str | None) -> bool:
    """True when ``presented`` is the dashboard's token (constant time)."""
    if not presented:
        return False
    return secrets.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))


def same_origin(origin: str | None, host: str | None) -> bool:
    """True when a websocket's ``Origin`` header names the ``Host`` it was sent to (a client
    that sends no origin, not being a browser, is let through to the token check)."""
    if origin is None:
        return True
    if host is None:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
