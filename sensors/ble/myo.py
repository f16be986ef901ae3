"""Thalmic Labs Myo armband: raw EMG decoding, setup commands and loss detection.

The armband sends raw EMG (8 channels, signed int8, 200 Hz) as 16-byte notifications on four
characteristics in turn, two consecutive samples per notification. Notifications carry no
sequence counter and no timestamp, so :class:`MyoTracker` infers lost notifications from the
characteristic round robin (which gives the count modulo four) and from arrival timing (which
gives the multiple of four), deciding a suspicious gap only once a few later notifications have
shown whether the stream caught up (a delay) or stayed behind (a loss).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from engine.errors import DecodeError
from engine.messages import ChannelInfo, SourceInfo
from sensors.ble.device_clock import DeviceClock
from sensors.ble.profile import (
    Chunk,
    DeviceDetails,
    Tracker,
    read_battery,
    read_optional,
    write_command,
)

if TYPE_CHECKING:
    from bleak import BleakClient

RATE_HZ = 200.0
N_CHANNELS = 8
SAMPLES_PER_NOTIFICATION = 2
PAYLOAD_BYTES = SAMPLES_PER_NOTIFICATION * N_CHANNELS


def myo_uuid(short: int) -> str:
    """Full 128-bit UUID of a Myo attribute from its 16-bit short form."""
    return f"d506{short:04x}-a904-deb9-4748-2c7f4a124842"


CONTROL_SERVICE = myo_uuid(0x0001)
FIRMWARE_CHAR = myo_uuid(0x0201)
COMMAND_CHAR = myo_uuid(0x0401)
EMG_SERVICE = myo_uuid(0x0005)
EMG_CHARS = tuple(myo_uuid(short) for short in (0x0105, 0x0205, 0x0305, 0x0405))

#: ``set mode``: raw EMG on, IMU off, classifier off (emg mode 3 = raw, 2 = filtered).
CMD_RAW_EMG = bytes([0x01, 0x03, 0x03, 0x00, 0x00])
#: ``set sleep mode``: never sleep (otherwise the armband drops the link after ~30 s).
CMD_NEVER_SLEEP = bytes([0x09, 0x01, 0x01])


def vibrate_command(strength: int) -> bytes:
    """``vibrate`` command: 1 short, 2 medium, 3 long."""
    if strength not in (1, 2, 3):
        raise ValueError(f"Myo vibration is 1, 2 or 3, got {strength}")
    return bytes([0x03, 0x01, strength])


def channel_layout() -> tuple[ChannelInfo, ...]:
    """The eight electrode pods, numbered as on the armband."""
    return tuple(ChannelInfo(f"emg{i + 1}", "") for i in range(N_CHANNELS))


def decode_emg(payload: bytes) -> npt.NDArray[np.int8]:
    """Decode one EMG notification into two samples of eight int8 channels, shape (2, 8)."""
    if len(payload) != PAYLOAD_BYTES:
        raise DecodeError(
            f"Myo EMG notification must be {PAYLOAD_BYTES} bytes, got {len(payload)}"
        )
    return np.frombuffer(payload, dtype=np.int8).reshape(SAMPLES_PER_NOTIFICATION, N_CHANNELS)


@dataclass(frozen=True, slots=True)
class MyoFirmware:
    major: int
    minor: int
    patch: int
    hardware_rev: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch} (hardware rev {self.hardware_rev})"


def decode_firmware(payload: bytes) -> MyoFirmware:
    """Decode the firmware-version characteristic: four little-endian uint16."""
    if len(payload) != 8:
        raise DecodeError(f"Myo firmware version must be 8 bytes, got {len(payload)}")
    major, minor, patch, rev = (int.from_bytes(payload[i : i + 2], "little") for i in (0, 2, 4, 6))
    return MyoFirmware(major, minor, patch, rev)


_SUSPICIOUS_LATENESS = 3.0
_UNDECIDED_TAIL = 4


@dataclass(slots=True)
class _Held:
    samples: npt.NDArray[np.int8]
    arrival_ns: int
    skipped: int


class MyoTracker:
    """Turns EMG notifications (in arrival order) into chunks with their losses estimated.

    A suspicious gap holds notifications back for at least ``hold`` of them, and longer (up
    to ``max_hold``) while the stream is still visibly catching up on a stall, before its size
    is decided; ``warmup`` is how many notifications the arrival-time fit needs before timing is
    trusted (until then only the round robin counts losses).
    """

    def __init__(self, *, hold: int = 8, max_hold: int = 64, warmup: int = 50) -> None:
        self._hold = hold
        self._max_hold = max_hold
        self._warmup = warmup
        self.duplicates = 0
        self.reset()

    def reset(self) -> None:
        """A new connection: forget the order, the held notifications and the timing fit.

        The fit restarts because the outage between connections is accounted for by the
        session timeline, not here.
        """
        self._last_char: int | None = None
        self._last_payload = b""
        self._held: list[_Held] = []
        self._timing = DeviceClock()
        self._position = 0
        self._fresh = True

    def feed(self, char_uuid: str, payload: bytes, arrival_ns: int) -> list[Chunk]:
        """Decode one notification; returns the chunks that are now decided (maybe none)."""
        try:
            char = EMG_CHARS.index(char_uuid)
        except ValueError:
            raise DecodeError(f"notification from a characteristic that is not Myo EMG: "
                              f"{char_uuid}") from None
        samples = decode_emg(payload)
        if char == self._last_char and payload == self._last_payload:
            # BlueZ can deliver one notification twice; the round robin never repeats a
            # characteristic with an identical payload.
            self.duplicates += 1
            return []
        skipped = 0 if self._last_char is None else (char - self._last_char - 1) % len(EMG_CHARS)
        self._last_char, self._last_payload = char, payload
        self._held.append(_Held(samples, arrival_ns, skipped))
        if len(self._held) == 1 and not self._suspicious(self._held[0]):
            return self._decide(1)
        if len(self._held) <= self._hold:
            return []
        if len(self._held) < self._max_hold and self._catching_up():
            return []
        # The last few need later arrivals to be judged: decide the rest, keep those held
        # unless they no longer look late.
        chunks = self._decide(len(self._held) - _UNDECIDED_TAIL)
        while self._held and not self._suspicious(self._held[0]):
            chunks += self._decide(1)
        return chunks

    def flush(self) -> list[Chunk]:
        """Decide and return whatever is held (the link went down)."""
        return self._decide(len(self._held))

    def _period_ns(self) -> float | None:
        if self._timing.n_observations < self._warmup or not self._timing.ready:
            return None
        return self._timing.ns_per_unit * SAMPLES_PER_NOTIFICATION

    def _residual_ns(self, position: int, arrival_ns: int) -> float:
        return arrival_ns - self._timing.predict(position * SAMPLES_PER_NOTIFICATION)

    def _suspicious(self, held: _Held) -> bool:
        period = self._period_ns()
        if period is None:
            return False
        lateness = self._residual_ns(self._position + held.skipped, held.arrival_ns) / period
        return lateness >= _SUSPICIOUS_LATENESS

    def _lateness(self, period: float) -> list[float]:
        """Lateness (in notification periods) of each held one, if no extra cycle was lost."""
        position = self._position
        out = []
        for held in self._held:
            position += held.skipped
            out.append(self._residual_ns(position, held.arrival_ns) / period)
            position += 1
        return out

    def _catching_up(self) -> bool:
        """Whether the latest held notifications are still less late than earlier ones."""
        period = self._period_ns()
        if period is None:
            return False
        lateness = self._lateness(period)
        return min(lateness[:-4]) - min(lateness[-4:]) > 0.5

    def _cycles_lost(self) -> list[int]:
        """Whole round-robin cycles (4 notifications) lost before each held notification.

        With ``M_j`` cycles lost before notification ``j`` (never decreasing in ``j``), its
        lateness is ``4 * M_j`` plus a latency that is never negative, so every later lateness
        bounds ``4 * M_j`` from above: the running minimum from the end (the lower envelope)
        gives the estimate, and a stall the stream catches up on counts as a delay, not a loss.
        Rounding is biased towards "delay": a lasting extra latency of up to three notification
        periods (30 ms) is not mistaken for a lost cycle.
        """
        period = self._period_ns()
        if period is None:
            return [0] * len(self._held)
        bounds = self._lateness(period)
        for j in range(len(bounds) - 2, -1, -1):
            bounds[j] = min(bounds[j], bounds[j + 1])
        return [max(0, math.floor((b + 1.0) / len(EMG_CHARS))) for b in bounds]

    def _decide(self, count: int) -> list[Chunk]:
        """Emit the first ``count`` held notifications with their losses."""
        cycles = self._cycles_lost()
        chunks: list[Chunk] = []
        before = 0
        for held, cycles_here in zip(self._held[:count], cycles, strict=False):
            lost = held.skipped + len(EMG_CHARS) * (cycles_here - before)
            before = cycles_here
            self._position += lost
            self._timing.observe(self._position * SAMPLES_PER_NOTIFICATION, held.arrival_ns)
            self._position += 1
            lost_before: int | None = lost * SAMPLES_PER_NOTIFICATION
            if self._fresh:
                lost_before, self._fresh = None, False
            chunks.append(
                Chunk(
                    held.samples,
                    held.arrival_ns,
                    lost_before,
                    exact=False,
                    reason="notifications lost on the radio link (estimated from their order "
                    "and arrival times)",
                )
            )
        del self._held[:count]
        return chunks


class MyoProfile:
    """The Myo armband for the generic BLE source.

    Setup (re-sent after every reconnect, since the armband forgets its mode on disconnect):
    never sleep, then raw EMG mode; both written with response and paced
    ``command_interval_s`` apart because the armband ignores back-to-back writes.
    """

    kind = "myo"
    display_name = "Myo armband"

    def __init__(self, *, command_interval_s: float = 0.2) -> None:
        self.command_interval_s = command_interval_s

    def matches(self, name: str | None, service_uuids: Sequence[str]) -> bool:
        return CONTROL_SERVICE in service_uuids or (name or "").lower().startswith("myo")

    def notify_uuids(self) -> Sequence[str]:
        return EMG_CHARS

    async def setup(self, client: BleakClient) -> DeviceDetails:
        firmware = await read_optional(client, FIRMWARE_CHAR)
        battery = await read_battery(client)
        for command in (CMD_NEVER_SLEEP, CMD_RAW_EMG):
            await write_command(client, COMMAND_CHAR, command)
            await asyncio.sleep(self.command_interval_s)
        return DeviceDetails(
            firmware=str(decode_firmware(firmware)) if firmware is not None else "",
            battery_pct=battery,
        )

    def info(self, source_id: str, name: str) -> SourceInfo:
        # The armband's raw EMG has no published conversion to volts, so its unit is the truth:
        # device counts (int8). %MVC is a ratio of counts and needs none; the quality checks
        # convert their µV thresholds with a nominal scale (engine.dsp.quality_units).
        return SourceInfo(source_id, name, self.kind, RATE_HZ, channel_layout(), dtype="|i1",
                          scale=1.0, unit="counts", device_clock="none")

    def new_tracker(self) -> Tracker:
        return MyoTracker()
