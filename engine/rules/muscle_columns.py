"""Which columns of a source's blocks hold a protocol's muscles (by ``ChannelInfo.muscle`` and
side), and the mean of a muscle group over its columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import ConfigError
from engine.messages import ChannelInfo, Side
from engine.muscle_names import normalise_muscle
from engine.protocol import Protocol


@dataclass(frozen=True, slots=True)
class MuscleColumns:
    """Column indices (into the source's channel tuple) for each role in a protocol."""

    labels: tuple[str, ...]
    """Every channel's label, by column (to name the channels an event is about)."""
    target: tuple[int, ...]
    target_side: str
    """"left", "right" or "both": the side(s) trained, after resolving "involved"."""
    symmetry_left: tuple[int, ...]
    symmetry_right: tuple[int, ...]
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]
    columns: tuple[int, ...]
    """Every column the rules read, sorted."""


def _describe(channels: Sequence[ChannelInfo]) -> str:
    return ", ".join(f"{c.label} ({c.side.value} {c.muscle})" for c in channels) or "none"


def _find(
    protocol: Protocol, channels: Sequence[ChannelInfo], muscle: str, sides: tuple[Side, ...]
) -> tuple[int, ...]:
    found = tuple(
        i for i, c in enumerate(channels)
        if normalise_muscle(c.muscle) == muscle and (not sides or c.side in sides)
    )
    if not found:
        where = " or ".join(s.value for s in sides) if sides else "any"
        raise ConfigError(
            f"protocol {protocol.id!r} needs a {muscle} channel on the {where} side; "
            f"the sensor has: {_describe(channels)}",
            hint="place an electrode there and label its channel, or choose another protocol",
        )
    return found


def map_muscles(
    protocol: Protocol, channels: Sequence[ChannelInfo], involved_side: Side | None
) -> MuscleColumns:
    """Resolve the protocol's muscles to channel indices, or raise :class:`ConfigError`.

    A target side of "involved" uses ``involved_side``; without it, it is allowed only when the
    target muscle is on exactly one channel.
    """
    side = protocol.target.side
    muscle = protocol.target.muscle
    if side == "involved":
        if involved_side in (Side.LEFT, Side.RIGHT):
            side = involved_side.value
        else:
            candidates = _find(protocol, channels, muscle, ())
            if len(candidates) != 1:
                raise ConfigError(
                    f"protocol {protocol.id!r} trains the involved (operated) side, and "
                    f"{muscle} is on {len(candidates)} channels",
                    hint="say which side is involved: left or right",
                )
            side = channels[candidates[0]].side.value
            side = side if side != Side.NONE.value else "both"
    sides = {"left": (Side.LEFT,), "right": (Side.RIGHT,)}.get(side, ())
    target = _find(protocol, channels, muscle, sides)
    left: tuple[int, ...] = ()
    right: tuple[int, ...] = ()
    if protocol.symmetry is not None:
        left = _find(protocol, channels, protocol.symmetry.muscle, (Side.LEFT,))
        right = _find(protocol, channels, protocol.symmetry.muscle, (Side.RIGHT,))
    numerator: tuple[int, ...] = ()
    denominator: tuple[int, ...] = ()
    if protocol.compensation is not None:
        numerator = _find(protocol, channels, protocol.compensation.numerator, sides)
        denominator = _find(protocol, channels, protocol.compensation.denominator, sides)
    # A comparison also reads its other targets and the muscles that may compensate: they are
    # calibrated and measured like the target.
    compared: tuple[int, ...] = ()
    if protocol.comparison is not None:
        for other in (*protocol.comparison.targets[1:], *protocol.comparison.compensators):
            compared += _find(protocol, channels, other, sides)
    return MuscleColumns(
        labels=tuple(c.label for c in channels),
        target=target,
        target_side=side,
        symmetry_left=left,
        symmetry_right=right,
        numerator=numerator,
        denominator=denominator,
        columns=tuple(sorted(set(target + left + right + numerator + denominator + compared))),
    )


def group_mean(values: list[float], columns: tuple[int, ...]) -> float:
    """Mean of ``values`` over ``columns`` (a muscle group: one side, or both).

    One column is returned as it is, not divided by 1: the common case, and bit-identical.
    """
    if len(columns) == 1:
        return values[columns[0]]
    return sum(values[c] for c in columns) / len(columns)
