"""Any Lab Streaming Layer EMG stream as a :class:`~sensors.source.Source` (``--sensor lsl:…``).

The stream is found by name (``lsl:NAME``) or by a property (``lsl:type=EMG``,
``lsl:source_id=…``, ``lsl:hostname=…``). The inlet corrects the sender's timestamps onto this
machine's LSL clock (``proc_clocksync``: LSL's time correction, kept up to date by liblsl) and
:class:`~sensors.stamped_timeline.StampedTimeline` places the samples on the source's timeline, with
missing samples as exact gaps. Pulling never blocks: the inlet is polled every
:data:`POLL_S` from Trio with a zero timeout (liblsl receives on its own threads).

Dropouts: a stream silent for ``silence_s`` raises :class:`~engine.errors.LinkLostError` once
(the session shows it and pauses the game); calling :meth:`LslSource.stream` again keeps
listening on the same inlet, which liblsl reconnects by itself when the sender comes back
(same source id), and the outage is recorded as a gap of the samples missing.

Units come from the description (:mod:`sensors.lsl_description`); none stated means µV, with
a warning.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pylsl  # type: ignore[import-untyped]
import trio

from engine.errors import ConfigError, DeviceError, DeviceNotFoundError, LinkLostError
from engine.messages import ChannelInfo, SourceInfo
from sensors.lsl_description import UnitSource, read_channels
from sensors.named_channels import with_channels
from sensors.source import SourceItem, opened
from sensors.stamped_timeline import StampedTimeline

log = logging.getLogger(__name__)

#: How often the inlet is polled, in seconds (the latency it adds at most).
POLL_S = 0.005
#: Properties a stream may be chosen by, besides its name.
QUERY_PROPERTIES = ("name", "type", "source_id", "hostname")
#: Samples pulled at most per poll.
MAX_PULL = 4096


@dataclass(frozen=True, slots=True)
class LslQuery:
    """Which stream to take: the one whose ``prop`` is ``value``."""

    prop: str
    value: str

    @classmethod
    def parse(cls, text: str) -> LslQuery:
        """``NAME`` or ``PROP=VALUE`` (what follows ``lsl:`` in ``--sensor``)."""
        prop, equals, value = text.partition("=")
        if not equals:
            prop, value = "name", text
        prop, value = prop.strip().lower(), value.strip()
        if prop not in QUERY_PROPERTIES or not value:
            raise ConfigError(f"--sensor lsl:{text} names no LSL stream",
                              hint="give lsl:NAME or lsl:PROP=VALUE with PROP one of "
                                   f"{', '.join(QUERY_PROPERTIES)} (e.g. lsl:type=EMG)")
        return cls(prop, value)

    def __str__(self) -> str:
        return self.value if self.prop == "name" else f"{self.prop}={self.value}"


def _channel_entries(info: pylsl.StreamInfo) -> list[dict[str, str]]:
    """The ``channels/channel`` elements of a description as plain mappings."""
    entries = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty():
        entries.append({key: channel.child_value(key)
                        for key in ("label", "unit", "muscle", "side")})
        channel = channel.next_sibling()
    return entries


class LslSource:
    """An LSL stream's samples, in session time, with dropouts as gaps."""

    def __init__(self, query: LslQuery, *, source_id: str = "lsl",
                 resolve_timeout_s: float = 10.0, silence_s: float = 1.0) -> None:
        self.query = query
        self._source_id = source_id
        self._resolve_timeout_s = resolve_timeout_s
        self._silence_s = silence_s
        self._inlet: pylsl.StreamInlet | None = None
        self._info: SourceInfo | None = None
        self._timeline: StampedTimeline | None = None
        self._last_data_s: float | None = None
        self._outage_reported = False
        self.links_lost = 0

    @property
    def info(self) -> SourceInfo:
        if self._info is None:
            raise DeviceError(f"the LSL stream {self.query} has not been opened yet",
                              hint="await open() first")
        return self._info

    @property
    def samples_lost(self) -> int:
        return self._timeline.samples_lost if self._timeline is not None else 0

    def use_channels(self, channels: tuple[ChannelInfo, ...]) -> None:
        """Name the muscle and side of each channel (``--map``), before streaming."""
        self._info = with_channels(self.info, channels)

    async def open(self) -> None:
        """Find the stream and subscribe to it; :class:`DeviceNotFoundError` if none answers."""
        if self._inlet is not None:
            return
        found = await trio.to_thread.run_sync(
            pylsl.resolve_byprop, self.query.prop, self.query.value, 1,
            self._resolve_timeout_s, abandon_on_cancel=True)
        if not found:
            raise DeviceNotFoundError(
                f"no LSL stream {self.query} found within {self._resolve_timeout_s:g} s",
                hint="start the sender, check its name (LabRecorder lists the streams) and "
                     "that both machines are on the same network")
        inlet = pylsl.StreamInlet(found[0], max_buflen=60, recover=True,
                                  processing_flags=pylsl.proc_clocksync | pylsl.proc_monotonize)
        full = await trio.to_thread.run_sync(inlet.info, 10.0, abandon_on_cancel=True)
        self._info = self._describe(full)
        await trio.to_thread.run_sync(inlet.open_stream, 10.0, abandon_on_cancel=True)
        self._inlet = inlet
        self._timeline = StampedTimeline(self._info.source_id, self._info.rate_hz)

    def _describe(self, full: pylsl.StreamInfo) -> SourceInfo:
        name = full.name()
        rate_hz = float(full.nominal_srate())
        if rate_hz <= 0:
            raise DeviceError(f"LSL stream {name!r} has an irregular rate",
                              hint="choose a sampled EMG stream, not a marker stream")
        if full.channel_format() == pylsl.cf_string:
            raise DeviceError(f"LSL stream {name!r} carries text, not samples",
                              hint="choose a sampled EMG stream, not a marker stream")
        read = read_channels(name, full.channel_count(), _channel_entries(full))
        if read.unit_source is UnitSource.ASSUMED:
            log.warning("LSL stream %r states no unit: taking its values as microvolts", name)
        return SourceInfo(
            source_id=self._source_id, name=f"{name} (LSL, {full.hostname()})", kind="lsl",
            rate_hz=rate_hz, channels=read.channels, dtype="<f8", scale=read.scale_uv,
            unit="uV", device_clock="timestamp",
        )

    async def stream(self) -> AsyncIterator[SourceItem]:
        if self._inlet is None:
            await self.open()
        inlet, timeline = self._inlet, self._timeline
        assert inlet is not None
        assert timeline is not None
        if self._last_data_s is None:
            self._last_data_s = trio.current_time()
        while self._inlet is not None:
            values, stamps = inlet.pull_chunk(timeout=0.0, max_samples=MAX_PULL)
            now = trio.current_time()
            if stamps:
                self._last_data_s = now
                self._outage_reported = False
                for record in timeline.place(np.asarray(values, dtype=np.float64),
                                             np.asarray(stamps, dtype=np.float64)):
                    yield record
                continue
            silent_s = now - self._last_data_s
            if silent_s > self._silence_s and not self._outage_reported:
                self._outage_reported = True
                self.links_lost += 1
                why = f"LSL stream {self.query} silent for {silent_s:.1f} s"
                timeline.link_lost(why)
                raise LinkLostError(why, hint="waiting for the sender to come back")
            await trio.sleep(POLL_S)

    async def aclose(self) -> None:
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            inlet.close_stream()


async def open_lsl_source(query: str, *, source_id: str = "lsl",
                          resolve_timeout_s: float = 10.0) -> LslSource:
    """Find and subscribe to the LSL stream ``query`` names (what follows ``lsl:``)."""
    source = LslSource(LslQuery.parse(query), source_id=source_id,
                       resolve_timeout_s=resolve_timeout_s)
    return await opened(source)
