"""``--sensor lsl:…`` and ``--sensor brainflow:…``: sensors from other tools, and their options.

An LSL stream or a BrainFlow board rarely says which muscle each channel records; ``--map``
names them (``--map emg1=quadriceps:left``), as ``myoplay import`` does for files, so a
protocol can find its muscles. pylsl and BrainFlow are loaded only when such a sensor is used.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from engine.errors import ConfigError
from engine.messages import ChannelInfo, SourceInfo
from replays.channel_map import mapped_channels, parse_map
from sensors.sensor_kinds import BRAINFLOW, LSL, SENSOR_FAMILIES, SENSOR_KINDS
from sensors.source import Source


class MappableSource(Source, Protocol):
    """A source whose channels' muscles and sides can be named before it streams."""

    def use_channels(self, channels: tuple[ChannelInfo, ...]) -> None: ...


def sensor_option(text: str) -> str:
    """``--sensor``'s value: a sensor kind, or a family with what follows its colon."""
    family, colon, rest = text.partition(":")
    if text in SENSOR_KINDS or (colon and family in SENSOR_FAMILIES and rest.strip()):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a sensor: choose one of {', '.join(SENSOR_KINDS)}, lsl:STREAM "
        f"(or lsl:type=EMG) or brainflow:BOARD")


def add_external_sensor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", action="append", default=[], metavar="LABEL=MUSCLE[:SIDE]",
                        help="with lsl: or brainflow: sensors, the muscle and side under a "
                             "channel (repeat per channel; e.g. --map emg1=quadriceps:left)")
    parser.add_argument("--serial-port", default="", metavar="PORT",
                        help="brainflow: boards on a serial dongle, e.g. /dev/ttyUSB0")
    parser.add_argument("--master-board", metavar="BOARD",
                        help="brainflow:playback:FILE: the board that recorded the file "
                             "(default: synthetic)")


def is_external(sensor: str) -> bool:
    return sensor.partition(":")[0] in SENSOR_FAMILIES and ":" in sensor


def check_external_options(args: argparse.Namespace) -> None:
    """Refuse options that only external sensors take, before anything is opened."""
    if not is_external(args.sensor):
        used = [name for name, value in (("--map", args.map), ("--serial-port",
                                          args.serial_port), ("--master-board",
                                          args.master_board)) if value]
        if used:
            raise ConfigError(f"{used[0]} is for lsl: and brainflow: sensors only")
    parse_map(args.map)  # checked now: a bad entry is refused before the sensor opens


async def open_external_source(args: argparse.Namespace) -> Source:
    """The LSL stream or BrainFlow board ``--sensor`` names, its channels mapped."""
    family, _, rest = args.sensor.partition(":")
    source: MappableSource
    if family == LSL:
        from sensors.lsl_source import open_lsl_source

        source = await open_lsl_source(rest)
    else:
        assert family == BRAINFLOW
        from sensors.brainflow_boards import parse_board
        from sensors.brainflow_source import open_brainflow_source

        choice = parse_board(rest, master=args.master_board)
        source = await open_brainflow_source(choice, serial_port=args.serial_port,
                                             mac_address=args.address or "")
    try:
        _map_channels(source, args.map)
    except BaseException:
        await source.aclose()
        raise
    return source


def _map_channels(source: MappableSource, entries: list[str]) -> None:
    """Name the channels ``--map`` lists; the others keep what the sensor said of them."""
    mapping = parse_map(entries)
    info: SourceInfo = source.info
    if mapping:
        mapped = mapped_channels(info.labels, mapping)
        source.use_channels(tuple(new if new.label in mapping else own
                                  for new, own in zip(mapped, info.channels, strict=True)))
