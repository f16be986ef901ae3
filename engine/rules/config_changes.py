"""The rules' settings as they arrive: string-keyed config changes, checked and decoded.

A player or clinician changes the rules through :class:`~engine.messages.ConfigChange` records
(recorded, so a replay re-applies them). Keys starting with ``rules.`` belong here:

- ``rules.protocol``: a built-in protocol id, or a protocol as plain data;
- ``rules.target_band_pct``: ``[low, high]`` in %MVC;
- ``rules.hold_s``: the hold, above 0 and up to the contract phase;
- ``rules.paused``: the player's pause, true or false;
- ``rules.feedback_mode``: how concurrent feedback is scheduled from now on, one of
  :data:`~engine.protocol.FEEDBACK_MODES` (a clinician's choice, e.g. back to "concurrent"
  for a patient who lost the level);
- ``rules.ready``: true: the player is ready (the exercise lab starts the variation whose
  instruction it shows without waiting for the countdown to end).

:func:`decode` turns one into a typed setting (or raises :class:`ConfigError` saying what is
allowed); :class:`PendingChanges` holds them until the tick they take effect at. The state
machines never see a string key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from engine.errors import ConfigError
from engine.messages import ChannelInfo, ConfigChange, PlainValue, Side
from engine.protocol import (
    FEEDBACK_MODES,
    MAX_BAND_PCT,
    MIN_BAND_WIDTH_PCT,
    MIN_HOLD_S,
    MIN_LEVEL_PCT,
    Protocol,
    builtin_protocol,
    protocol_from_plain,
)
from engine.rules.muscle_columns import map_muscles

CONFIG_PREFIX = "rules."
#: The key of a protocol change (its value: the protocol as plain data).
PROTOCOL_KEY = "rules.protocol"
#: The key of a new target band (its value: ``[low, high]`` in %MVC).
BAND_KEY = "rules.target_band_pct"
#: The key of a new feedback schedule (its value: a mode name).
FEEDBACK_MODE_KEY = "rules.feedback_mode"
#: The key of the player saying they are ready (its value: true).
READY_KEY = "rules.ready"
"""Config-change keys the rules handle; others belong to other parts of the pipeline."""


@dataclass(frozen=True, slots=True)
class ProtocolSetting:
    """Start this protocol over (``rules.protocol``)."""

    protocol: Protocol


@dataclass(frozen=True, slots=True)
class BandSetting:
    """A new target band in %MVC (``rules.target_band_pct``)."""

    low_pct: float
    high_pct: float


@dataclass(frozen=True, slots=True)
class HoldSetting:
    """A new hold time (``rules.hold_s``)."""

    hold_s: float


@dataclass(frozen=True, slots=True)
class PauseSetting:
    """The player paused (True) or resumed (False) the exercise (``rules.paused``)."""

    paused: bool


@dataclass(frozen=True, slots=True)
class FeedbackSetting:
    """Schedule concurrent feedback by ``mode`` from now on (``rules.feedback_mode``)."""

    mode: str


@dataclass(frozen=True, slots=True)
class ReadySetting:
    """The player is ready to start what the screen describes (``rules.ready``)."""


RulesSetting = (ProtocolSetting | BandSetting | HoldSetting | PauseSetting | FeedbackSetting
                | ReadySetting)


def _is_number(value: object) -> TypeGuard[int | float]:
    """An int or float, but not a bool (``True`` is no hold time)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode_protocol(
    value: PlainValue, channels: Sequence[ChannelInfo], involved_side: Side | None
) -> ProtocolSetting:
    if isinstance(value, str):
        protocol = builtin_protocol(value)
    elif isinstance(value, dict):
        protocol = protocol_from_plain(value, "config change 'rules.protocol'")
    else:
        raise ConfigError("config 'rules.protocol' must be a built-in id or a protocol table")
    map_muscles(protocol, channels, involved_side)  # refuse it now, not when it takes effect
    return ProtocolSetting(protocol)


def _decode_band(value: PlainValue) -> BandSetting:
    if isinstance(value, list) and len(value) == 2:
        low, high = value
        if _is_number(low) and _is_number(high) and (
            float(low) >= MIN_LEVEL_PCT
            and float(low) + MIN_BAND_WIDTH_PCT <= float(high) <= MAX_BAND_PCT
        ):
            return BandSetting(float(low), float(high))
    raise ConfigError(
        f"config 'rules.target_band_pct' is {value!r}",
        hint=f"give [low, high] with {MIN_LEVEL_PCT:g} <= low, high at least "
        f"{MIN_BAND_WIDTH_PCT:g} above low and at most {MAX_BAND_PCT:g} %MVC",
    )


def _decode_hold(value: PlainValue, contract_s: float) -> HoldSetting:
    if _is_number(value) and MIN_HOLD_S <= float(value) <= contract_s:
        return HoldSetting(float(value))
    raise ConfigError(
        f"config 'rules.hold_s' is {value!r}",
        hint=f"give a hold of at least {MIN_HOLD_S:g} s and up to the contract phase "
        f"({contract_s:g} s)",
    )


def decode(
    change: ConfigChange,
    channels: Sequence[ChannelInfo],
    involved_side: Side | None,
    contract_s: float,
) -> RulesSetting:
    """The setting ``change`` makes, checked against the source's ``channels`` (a protocol must
    find its muscles) and the current protocol's ``contract_s`` (a hold must fit in it)."""
    key, value = change.key, change.value
    if key == PROTOCOL_KEY:
        return _decode_protocol(value, channels, involved_side)
    if key == BAND_KEY:
        return _decode_band(value)
    if key == FEEDBACK_MODE_KEY:
        if isinstance(value, str) and value in FEEDBACK_MODES:
            return FeedbackSetting(value)
        raise ConfigError(f"config {FEEDBACK_MODE_KEY!r} is {value!r}",
                          hint="give one of " + ", ".join(FEEDBACK_MODES))
    if key == "rules.hold_s":
        return _decode_hold(value, contract_s)
    if key == "rules.paused":
        if isinstance(value, bool):
            return PauseSetting(value)
        raise ConfigError(f"config 'rules.paused' is {value!r}", hint="give true or false")
    if key == READY_KEY:
        if value is True:
            return ReadySetting()
        raise ConfigError(f"config {READY_KEY!r} is {value!r}", hint="give true")
    raise ConfigError(
        f"unknown rules setting {key!r}",
        hint="use rules.protocol, rules.target_band_pct, rules.hold_s, rules.paused, "
        "rules.feedback_mode or rules.ready",
    )


class PendingChanges:
    """Accepted config changes waiting for the first tick at or after their time, oldest first.

    A change stamped before the last judged tick is refused: taking it would make the result
    depend on when it arrived rather than on its stamp.
    """

    __slots__ = ("_changes",)

    def __init__(self) -> None:
        self._changes: list[ConfigChange] = []

    def refuse_late(self, change: ConfigChange, last_tick_ns: int) -> None:
        """Raise :class:`ConfigError` if ``change`` is stamped before the last judged tick."""
        if change.t_ns < last_tick_ns:
            raise ConfigError(
                f"config change {change.key!r} at {change.t_ns} ns is earlier than the last "
                f"processed sample time ({last_tick_ns} ns)",
                hint="stamp changes with the sample time at which they take effect",
            )

    def add(self, change: ConfigChange) -> None:
        """Queue ``change`` (checked with :meth:`refuse_late` and :func:`decode`)."""
        self._changes.append(change)
        self._changes.sort(key=lambda c: c.t_ns)

    def due(self, t_ns: int) -> bool:
        """Whether a change takes effect at or before ``t_ns``."""
        return bool(self._changes) and self._changes[0].t_ns <= t_ns

    def next_t_ns(self) -> int | None:
        """When the oldest change takes effect (None when none is waiting)."""
        return self._changes[0].t_ns if self._changes else None

    def pop(self) -> ConfigChange:
        """The oldest change (check :meth:`due` first)."""
        return self._changes.pop(0)
