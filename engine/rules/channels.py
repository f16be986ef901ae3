"""Which electrode channels a protocol's muscles are on (by ``ChannelInfo.muscle`` and side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import ConfigError
from engine.messages import ChannelInfo, Side
from engine.protocol import Protocol, normalise_muscle


@dataclass(frozen=True, slots=True)
class ChannelMap:
    """Channel indices (into the source's channel tuple) for each role in a protocol."""

    target: tuple[int, ...]
    target_side: str
    """"left", "right" or "both": the side(s) trained, after resolving "involved"."""
    symmetry_left: tuple[int, ...] = ()
    symmetry_right: tuple[int, ...] = ()
    numerator: tuple[int, ...] = ()
    denominator: tuple[int, ...] = ()

    @property
    def columns(self) -> tuple[int, ...]:
        """Every channel the rules read, sorted."""
        return tuple(sorted(set(
            self.target + self.symmetry_left + self.symmetry_right + self.numerator
            + self.denominator
        )))


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


def map_channels(
    protocol: Protocol, channels: Sequence[ChannelInfo], involved_side: Side | None
) -> ChannelMap:
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
    return ChannelMap(target, side, left, right, numerator, denominator)
