"""The dashboard's token, kept in the user's configuration folder.

``$XDG_CONFIG_HOME/myoplay/dashboard-token`` (by default under ``~/.config``), readable by its
owner only (0600, in a folder of mode 0700). Made on first use with :mod:`secrets` (256 bits)
and printed once then; ``--rotate-token`` replaces it, so every page opened with the old one is
refused. The file is written beside its place and renamed, so it is never seen half-written.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ConfigError

TOKEN_FILE = "dashboard-token"
#: Bytes of randomness in a token (256 bits; URL-safe base64 text).
TOKEN_BYTES = 32


def token_path() -> Path:
    """Where the token is kept."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "myoplay" / TOKEN_FILE


@dataclass(frozen=True)
class DashboardToken:
    """The token, and whether it was made just now (then it is shown once)."""

    value: str
    created: bool
    path: Path


def load_token(*, rotate: bool = False) -> DashboardToken:
    """The stored token; a new one if there is none (or ``rotate``). A
    :class:`ConfigError` when the file cannot be read or written, or is not private."""
    path = token_path()
    try:
        if not rotate and path.is_file():
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                raise ConfigError(f"{path} may be read by others (mode {mode:o})",
                                  hint=f"run 'chmod 600 {path}', or --rotate-token")
            value = path.read_text(encoding="ascii").strip()
            if len(value) >= TOKEN_BYTES:
                return DashboardToken(value, False, path)
        value = secrets.token_urlsafe(TOKEN_BYTES)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(value + "\n")
        os.replace(partial, path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot keep the dashboard token in {path}: {error}",
                          hint="check that folder's permissions, or set XDG_CONFIG_HOME") from None
    return DashboardToken(value, True, path)
