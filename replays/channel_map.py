"""Which muscle and body side each imported channel records (``--map RF=quadriceps:right``).

A protocol finds its muscles by :attr:`ChannelInfo.muscle` and :attr:`ChannelInfo.side`; a CSV
file states neither, so without a map no protocol can judge it. Muscle names are checked against
the engine's vocabulary when the command is given, not when a replay first needs them.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import ConfigError
from engine.messages import ChannelInfo, Side
from engine.muscle_names import KNOWN_MUSCLES, normalise_muscle

#: How a side may be written after the muscle.
SIDE_SPELLINGS = {"left": Side.LEFT, "l": Side.LEFT, "right": Side.RIGHT, "r": Side.RIGHT,
                  "none": Side.NONE, "": Side.NONE}


def parse_map(entries: Sequence[str]) -> dict[str, tuple[str, Side]]:
    """``LABEL=MUSCLE[:SIDE]`` entries as label → (normalised muscle, side)."""
    found: dict[str, tuple[str, Side]] = {}
    for entry in entries:
        label, equals, target = entry.partition("=")
        muscle, _, side_text = target.partition(":")
        if not equals or not label.strip() or not muscle.strip():
            raise ConfigError(f"--map {entry!r} is not LABEL=MUSCLE[:SIDE]",
                              hint="e.g. --map RF=quadriceps:right")
        muscle = normalise_muscle(muscle)
        if muscle not in KNOWN_MUSCLES:
            raise ConfigError(f"--map {entry!r}: unknown muscle {muscle!r}",
                              hint=f"use one of {', '.join(sorted(KNOWN_MUSCLES))}")
        side = SIDE_SPELLINGS.get(side_text.strip().lower())
        if side is None:
            raise ConfigError(f"--map {entry!r}: unknown side {side_text!r}",
                              hint="use left, right or none")
        if label.strip() in found:
            raise ConfigError(f"--map names channel {label.strip()!r} twice")
        found[label.strip()] = (muscle, side)
    return found


def mapped_channels(labels: Sequence[str],
                    mapping: dict[str, tuple[str, Side]]) -> tuple[ChannelInfo, ...]:
    """The channels with their muscle and side; a mapped label no channel has is refused."""
    unknown = sorted(set(mapping) - set(labels))
    if unknown:
        raise ConfigError(f"--map names {unknown[0]!r}, which is not a channel; the channels: "
                          f"{', '.join(labels)}")
    return tuple(ChannelInfo(label, *mapping.get(label, ("", Side.NONE))) for label in labels)
