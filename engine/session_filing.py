"""Whose session a recording holds and when it was played: a pseudonymous client id and a date.

The client id is the only thing about a person that enters a recording: a code the clinic keeps
the key to ("P-0042", "knee-07"), never a name — no spaces, nothing but ASCII letters, digits and
``-``, ``_``, ``.``, at most :data:`CLIENT_ID_MAX_CHARS` characters. A display name, when the
station keeps one, stays in the local history store and is never written to a recording.

The engine judges nothing by these; they are in the recording's settings so that the history
store can be rebuilt from recordings alone.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import ConfigError
from engine.messages import PlainValue

CLIENT_ID_MAX_CHARS = 32
FILING_KEY = "session.filing"
"""Config key of the filing chosen on the start screen: the training core answers a "start"
input that names a client with an output of this key (a :class:`SessionFiling`'s plain form),
so the recording's outputs say whose session it is, as the settings do for ``play --client``."""
FILING_FIELD = "filing"
"""The field of the "start" input's value that names the client chosen on the start screen."""

_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def checked_client_id(value: object, where: str) -> str:
    """``value`` if it is a valid pseudonymous client id; else :class:`ConfigError` naming
    ``where`` it came from (an option, a recording's settings)."""
    if (
        not isinstance(value, str)
        or len(value) > CLIENT_ID_MAX_CHARS
        or _CLIENT_ID.fullmatch(value) is None
    ):
        raise ConfigError(
            f"{where}: {value!r} is not a client id",
            hint=f"use a pseudonymous code such as P-0042: letters, digits, '-', '_' or '.', "
                 f"at most {CLIENT_ID_MAX_CHARS} characters, no spaces and never a name",
        )
    return value


def checked_started_at(value: object, where: str) -> str:
    """``value`` if it is an ISO 8601 date or date and time ("2026-11-30T09:15:00+01:00");
    else :class:`ConfigError` naming ``where``."""
    if isinstance(value, str) and _is_iso_date(value):
        return value
    raise ConfigError(f"{where}: {value!r} is not a date",
                      hint="give it as YYYY-MM-DD or YYYY-MM-DDTHH:MM")


def _is_iso_date(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class SessionFiling:
    """The client a session is filed under and the local time it started (ISO 8601)."""

    client_id: str
    started_at: str

    def __post_init__(self) -> None:
        checked_client_id(self.client_id, "session filing")
        checked_started_at(self.started_at, "session filing")

    def to_plain(self) -> dict[str, PlainValue]:
        return {"client_id": self.client_id, "started_at": self.started_at}

    @classmethod
    def from_plain(cls, data: object, where: str) -> SessionFiling:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: the session filing is not a mapping")
        return cls(checked_client_id(data.get("client_id"), f"{where}: client_id"),
                   checked_started_at(data.get("started_at"), f"{where}: started_at"))
