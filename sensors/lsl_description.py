"""What an LSL stream's description says about its channels, read into myoplay's terms.

Pure: the source hands in the ``channels/channel`` entries as plain mappings. Labels, muscles
and sides are taken as given (myoplay's own outlets write all three; other senders usually
give labels only, and ``--map`` names the muscles). All channels of one stream must share one
unit, which becomes the µV scale of the source; a stream that states none is taken as µV, with
a warning, since that is what EMG senders overwhelmingly send.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.errors import DeviceError
from engine.messages import ChannelInfo, Side
from engine.muscle_names import normalise_muscle

#: µV per unit, by every spelling of a unit seen in LSL descriptions (lower case).
MICROVOLTS_PER_UNIT: Mapping[str, float] = {
    "microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
    "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3,
    "volts": 1e6, "volt": 1e6, "v": 1e6,
}


class UnitSource(enum.Enum):
    """Where the source's unit came from."""

    STATED = "stated"
    ASSUMED = "assumed"


@dataclass(frozen=True, slots=True)
class StreamChannels:
    """A stream's channels, and the scale that turns its values into µV."""

    channels: tuple[ChannelInfo, ...]
    scale_uv: float
    unit_source: UnitSource


def read_channels(stream: str, n_channels: int,
                  entries: Sequence[Mapping[str, str]]) -> StreamChannels:
    """The channels of ``stream`` (its name, for messages) from its description ``entries``
    (one mapping per ``channel`` element; there may be none, or fewer than channels)."""
    if n_channels < 1:
        raise DeviceError(f"LSL stream {stream!r} has no channels")
    channels = []
    units = set()
    for i in range(n_channels):
        entry = entries[i] if i < len(entries) else {}
        label = entry.get("label", "").strip() or f"ch{i + 1}"
        side_text = entry.get("side", "").strip().lower()
        side = Side(side_text) if side_text in {s.value for s in Side} else Side.NONE
        muscle = entry.get("muscle", "").strip()
        channels.append(ChannelInfo(label, normalise_muscle(muscle) if muscle else "", side))
        unit = entry.get("unit", "").strip()
        if unit:
            units.add(unit)
    if len({c.label for c in channels}) != n_channels:
        raise DeviceError(f"LSL stream {stream!r} names two channels alike",
                          hint="give each channel its own label in the sender")
    if not units:
        return StreamChannels(tuple(channels), 1.0, UnitSource.ASSUMED)
    if len(units) > 1:
        raise DeviceError(f"LSL stream {stream!r} mixes units: {', '.join(sorted(units))}",
                          hint="send EMG channels in one unit")
    unit = units.pop()
    scale = MICROVOLTS_PER_UNIT.get(unit.lower())
    if scale is None:
        raise DeviceError(f"LSL stream {stream!r} is in {unit!r}, not a voltage",
                          hint="send EMG in microvolts, millivolts or volts")
    return StreamChannels(tuple(channels), scale, UnitSource.STATED)
