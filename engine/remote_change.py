"""Who changed a station's settings from another machine (a clinic dashboard), in data and words.

A remote change reaches a station's rules as an ordinary :class:`~engine.messages.ConfigChange`
(``rules.target_band_pct`` or ``rules.paused``), preceded by one with key ``remote.by`` naming
who asked and from where. Both are stamped and recorded like a clinician's key, so a replay
re-applies them; the ``remote.by`` change itself changes no rule: it becomes a ``remote_change``
event, which the clinician view's event log shows in words ("Band set to 30–50 %MVC by dr_lee
(dashboard)") and a station's state stream confirms.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ConfigError
from engine.messages import PlainValue
from engine.rules.config_changes import BAND_KEY

#: The config key naming the author of the remote change that follows it.
REMOTE_BY_KEY = "remote.by"
#: The config key of the player's (or a clinician's) pause.
PAUSED_KEY = "rules.paused"
#: The settings a remote clinician may change.
REMOTE_KEYS = (BAND_KEY, PAUSED_KEY)


@dataclass(frozen=True, slots=True)
class RemoteAuthor:
    """The ``remote.by`` value: ``by`` (a clinician's label) changed ``key`` to ``value`` from
    ``dashboard`` (the control stream's source id), in its row ``seq``."""

    by: str
    key: str
    value: PlainValue
    dashboard: str
    seq: int

    def to_plain(self) -> dict[str, PlainValue]:
        return {"by": self.by, "key": self.key, "value": self.value,
                "dashboard": self.dashboard, "seq": self.seq}

    @classmethod
    def from_plain(cls, value: PlainValue) -> RemoteAuthor:
        """Read a ``remote.by`` value; :class:`ConfigError` when it is not one."""
        if isinstance(value, dict):
            by, key, dashboard = value.get("by"), value.get("key"), value.get("dashboard")
            seq = value.get("seq")
            if (isinstance(by, str) and by and isinstance(key, str) and key in REMOTE_KEYS
                    and isinstance(dashboard, str) and isinstance(seq, int)
                    and not isinstance(seq, bool)):
                return cls(by, key, value.get("value"), dashboard, seq)
        raise ConfigError(f"config {REMOTE_BY_KEY!r} is {value!r}",
                          hint="give {by, key, value, dashboard, seq} naming a remote change "
                               "of " + " or ".join(REMOTE_KEYS))

    def words(self) -> str:
        """The change as a clinician reads it: "Band set to 30–50 %MVC by dr_lee (dashboard)"."""
        return f"{setting_words(self.key, self.value)} by {self.by} (dashboard)"


def setting_words(key: str, value: PlainValue) -> str:
    """A remote setting in words: "Band set to 30–50 %MVC", "Paused", "Resumed"."""
    if key == BAND_KEY and isinstance(value, list) and len(value) == 2:
        low, high = value
        if isinstance(low, int | float) and isinstance(high, int | float):
            return f"Band set to {low:g}–{high:g} %MVC"
    if key == PAUSED_KEY and isinstance(value, bool):
        return "Paused" if value else "Resumed"
    return f"{key} set to {value!r}"
