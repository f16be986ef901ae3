"""Naming the muscle and side under each channel of a source that does not know them.

LSL streams and BrainFlow boards give labels at best; ``--map`` names the muscles. The labels
and their order stay the source's own: only what is under each electrode is added.
"""

from __future__ import annotations

import dataclasses

from engine.errors import ConfigError
from engine.messages import ChannelInfo, SourceInfo


def with_channels(info: SourceInfo, channels: tuple[ChannelInfo, ...]) -> SourceInfo:
    """``info`` with ``channels`` (the same labels, in the same order) as its channels."""
    if tuple(c.label for c in channels) != info.labels:
        raise ConfigError(f"the channel map does not list the channels of {info.name} in order",
                          hint=f"its channels: {', '.join(info.labels)}")
    return dataclasses.replace(info, channels=channels)
