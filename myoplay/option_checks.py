"""Checks of numeric command-line values that argparse cannot express, each refused on one line.

A value argparse accepts can still mean nothing (a negative duration, a zero speed); left
through, it hangs a session or silently means "no limit". Every command checks such values
here, before anything is opened, so the message names the option and says what to give.
"""

from __future__ import annotations

from engine.errors import ConfigError


def require_positive(option: str, value: float, *, hint: str | None = None) -> float:
    """``value`` when it is above zero; otherwise (zero, negative, NaN) a :class:`ConfigError`
    naming ``option``."""
    if not value > 0:
        raise ConfigError(f"{option} must be positive, got {value:g}", hint=hint)
    return value


def require_within(option: str, value: float, low: float, high: float, *,
                   hint: str | None = None) -> float:
    """``value`` when ``low <= value <= high``; otherwise (NaN included) a :class:`ConfigError`
    naming ``option`` and the range."""
    if not low <= value <= high:
        raise ConfigError(f"{option} must be from {low:g} to {high:g}, got {value:g}", hint=hint)
    return value
