"""Virtual BLE peripherals (bumble devices with GATT servers) emulating the supported sensors.

Each emulator produces samples on its own clock, faster than real time if asked (``speed``),
whether or not anyone is connected, like a real sensor whose samples are lost while the link
is down. Every sample encodes its own true index in a few channels, so a test can tell exactly
which samples reached the session. Emulators can drop chosen notifications (``drop``, counted
over notifications sent while streaming), deliver some twice (``duplicate``, as BlueZ may),
send some malformed (``corrupt``), and vanish for a while (disconnect and stop
advertising), then come back.
All methods run on the asyncio loop that owns the air (the bridge's BLE loop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import numpy as np
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address

from sensors.ble import diy, ganglion, myo
from tests.sensors.ble.bumble_backend import VirtualAir

NOTIFY = Characteristic.Properties.NOTIFY
READ = Characteristic.Properties.READ
WRITE = Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE


class VirtualPeripheral:
    """Shared behaviour: advertising, connection tracking, the sample clock and injections."""

    name = "peripheral"
    nominal_packet_period_s = 0.01

    def __init__(self, air: VirtualAir, address: str, *, speed: float = 5.0,
                 drop: Iterable[int] = (), duplicate: Iterable[int] = (),
                 corrupt: Iterable[int] = ()) -> None:
        self.air = air
        self.address = address
        self.period_s = self.nominal_packet_period_s / speed
        self.drop = set(drop)
        self.duplicate = set(duplicate)
        self.corrupt = set(corrupt)
        self.device: Device | None = None
        self.connection: Connection | None = None
        self.streaming = False
        self.vanished = False
        self.connections = 0
        self.streamed = 0  # notifications produced while streaming (the drop/duplicate index)
        self.dropped_indices: list[int] = []  # true sample indices of dropped notifications
        self.next_index = 0
        self._ticker: asyncio.Task[None] | None = None

    # Subclasses describe their GATT database, advertisement and packets.
    def services(self) -> list[Service]:
        raise TypeError(f"{type(self).__name__} must describe its services")

    def advertised_uuids(self) -> list[tuple[int, bytes]]:
        return []

    def next_packet(self) -> tuple[Characteristic, bytes, list[int]]:
        """The next notification while streaming: characteristic, payload, true indices."""
        raise TypeError(f"{type(self).__name__} must produce packets")

    def samples_while_idle(self) -> int:
        return 2

    def on_connection_reset(self) -> None:
        """The link dropped: device-side state a real sensor loses on disconnect."""
        self.streaming = False

    async def power_on(self) -> None:
        self.device = await self.air.new_device(self.name, Address(self.address))
        for service in self.services():
            self.device.add_service(service)
        self.device.on("connection", self._on_connection)
        await self._advertise()
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def power_off(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self.connection is not None:
            await self.connection.disconnect()
        if self.device is not None:
            await self.device.stop_advertising()
            self.air.remove_device(self.device)

    async def _advertise(self) -> None:
        assert self.device is not None
        data = AdvertisingData([(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                                *self.advertised_uuids()])
        await self.device.start_advertising(advertising_data=bytes(data),
                                            advertising_interval_min=20,
                                            advertising_interval_max=20)

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.connections += 1
        connection.on("disconnection", self._on_disconnection)

    def _on_disconnection(self, reason: int) -> None:
        self.connection = None
        self.on_connection_reset()
        if not self.vanished:
            asyncio.get_running_loop().create_task(self._advertise())

    async def vanish(self, back_after_s: float) -> None:
        """Drop the link and go silent for ``back_after_s``, then advertise again."""
        self.vanished = True
        assert self.device is not None
        await self.device.stop_advertising()
        if self.connection is not None:
            await self.connection.disconnect()

        async def come_back() -> None:
            await asyncio.sleep(back_after_s)
            self.vanished = False
            await self._advertise()

        asyncio.get_running_loop().create_task(come_back())

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        k = 0
        while True:
            k += 1
            delay = start + k * self.period_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif k % 16 == 0:
                await asyncio.sleep(0)
            if not (self.streaming and self.connection is not None and self.device):
                self.next_index += self.samples_while_idle()
                continue
            characteristic, payload, indices = self.next_packet()
            n = self.streamed
            self.streamed += 1
            if n in self.drop:
                self.dropped_indices.extend(indices)
                continue
            if n in self.corrupt:
                self.dropped_indices.extend(indices)
                payload = b"\xff" * 5  # a truncated, malformed notification
            for _ in range(2 if n in self.duplicate else 1):
                await self.device.notify_subscribers(characteristic, payload)


class MyoPeripheral(VirtualPeripheral):
    """A Myo armband: raw EMG over four characteristics once set up, battery, firmware."""

    name = "Myo"

    def __init__(self, air: VirtualAir, address: str = "C1:00:00:00:00:01", **kwargs: object
                 ) -> None:
        super().__init__(air, address, **kwargs)  # type: ignore[arg-type]
        self.commands: list[bytes] = []
        self.never_sleep = False
        self._round = 0
        self.emg = [Characteristic(uuid, NOTIFY, Characteristic.READABLE, bytes(16))
                    for uuid in myo.EMG_CHARS]

    def services(self) -> list[Service]:
        command = Characteristic(myo.COMMAND_CHAR, WRITE, Characteristic.WRITEABLE,
                                 CharacteristicValue(write=self._on_command))
        firmware = Characteristic(myo.FIRMWARE_CHAR, READ, Characteristic.READABLE,
                                  bytes.fromhex("01000500b2070200"))
        battery = Characteristic("2A19", READ, Characteristic.READABLE, bytes([87]))
        return [Service(myo.CONTROL_SERVICE, [firmware, command]),
                Service(myo.EMG_SERVICE, self.emg),
                Service("180F", [battery])]

    def advertised_uuids(self) -> list[tuple[int, bytes]]:
        return [(AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                 UUID(myo.CONTROL_SERVICE).to_bytes())]

    def _on_command(self, connection: Connection, value: bytes) -> None:
        self.commands.append(bytes(value))
        if bytes(value) == myo.CMD_NEVER_SLEEP:
            self.never_sleep = True
        if bytes(value) == myo.CMD_RAW_EMG:
            self.streaming = True

    def on_connection_reset(self) -> None:
        super().on_connection_reset()
        self.never_sleep = False  # the armband forgets its modes on disconnect

    @staticmethod
    def row(index: int) -> list[int]:
        signal = [((index * 37 + c * 11) % 255) - 127 for c in range(5)]
        return [index & 0x7F, (index >> 7) & 0x7F, (index >> 14) & 0x7F, *signal]

    @staticmethod
    def true_index(row: np.ndarray) -> int:
        return int(row[0]) | int(row[1]) << 7 | int(row[2]) << 14

    def next_packet(self) -> tuple[Characteristic, bytes, list[int]]:
        indices = [self.next_index, self.next_index + 1]
        self.next_index += 2
        payload = np.array([self.row(i) for i in indices], dtype=np.int8).tobytes()
        characteristic = self.emg[self._round % 4]
        self._round += 1
        return characteristic, payload, indices


def _pack(packet_id: int, fields: list[int], bits: int) -> bytes:
    packed = 0
    for field in fields:
        packed = (packed << bits) | field
    body = bytes([packet_id]) + packed.to_bytes(bits, "big")
    return body + bytes(ganglion.PACKET_BYTES - len(body))


class GanglionPeripheral(VirtualPeripheral):
    """An OpenBCI Ganglion with firmware 3 (absolute 18-bit) or 2 (raw + 18-bit deltas)."""

    name = "Ganglion-1a2b"

    def __init__(self, air: VirtualAir, address: str = "C2:00:00:00:00:02", *,
                 firmware: int = 3, **kwargs: object) -> None:
        super().__init__(air, address, **kwargs)  # type: ignore[arg-type]
        self.firmware = firmware
        self.starts = 0
        self._packet_in_connection = 0
        self._last_row: list[int] | None = None
        self.data = Characteristic(ganglion.NOTIFY_CHAR, NOTIFY, Characteristic.READABLE,
                                   bytes(20))

    def services(self) -> list[Service]:
        command = Characteristic(ganglion.WRITE_CHAR, WRITE, Characteristic.WRITEABLE,
                                 CharacteristicValue(write=self._on_command))
        revision = Characteristic("2A26", READ, Characteristic.READABLE,
                                  b"3.1.0" if self.firmware == 3 else b"2.0.1")
        return [Service("FE84", [self.data, command]), Service("180A", [revision])]

    def advertised_uuids(self) -> list[tuple[int, bytes]]:
        return [(AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                 UUID("FE84").to_bytes())]

    def _on_command(self, connection: Connection, value: bytes) -> None:
        if bytes(value) == ganglion.CMD_START:
            self.starts += 1
            self.streaming = True
            self._packet_in_connection = 0  # the board resets when a connection opens
        elif bytes(value) == ganglion.CMD_STOP:
            self.streaming = False

    def row(self, index: int) -> list[int]:
        if self.firmware == 3:
            return [index * 128] + [(((index * 31 + c * 7) % 1000) - 500) * 128 for c in range(3)]
        # Firmware 2 deltas must be even when positive: a falling ramp per channel.
        return [-2 * index * (c + 1) for c in range(4)]

    def true_index(self, row: np.ndarray) -> int:
        return int(row[0]) // 128 if self.firmware == 3 else -int(row[0]) // 2

    def next_packet(self) -> tuple[Characteristic, bytes, list[int]]:
        k = self._packet_in_connection
        self._packet_in_connection += 1
        if self.firmware == 3:
            indices = [self.next_index, self.next_index + 1]
            fields = [_abs_field(v) for i in indices for v in self.row(i)]
            payload = _pack(k % 100, fields, 18)
        elif k % 101 == 0:
            indices = [self.next_index]
            row = self.row(self.next_index)
            payload = bytes([0]) + b"".join(v.to_bytes(3, "big", signed=True) for v in row)
            payload += bytes(ganglion.PACKET_BYTES - len(payload))
        else:
            indices = [self.next_index, self.next_index + 1]
            previous = self.row(self.next_index - 1)
            fields = []
            for i in indices:
                current = self.row(i)
                fields += [_delta_field(p - c) for p, c in zip(previous, current, strict=True)]
                previous = current
            payload = _pack(k % 101, fields, 18)
        self.next_index += len(indices)
        return self.data, payload, indices


def _abs_field(sample: int) -> int:
    """Firmware 3, 18 bits: the 17 most significant bits of the 24-bit sample, then a sign."""
    return ((sample >> 7) & 0x1FFFF) << 1 | (1 if sample < 0 else 0)


def _delta_field(delta: int) -> int:
    """Firmware 2, 18 bits: bit 0 set marks a negative delta (field - 2**18)."""
    field = delta % (1 << 18)
    if bool(field & 1) != (delta < 0):
        raise ValueError(f"delta {delta} has no firmware 2 encoding")
    return field


class DiyPeripheral(VirtualPeripheral):
    """An ESP32 streaming the DIY EMG profile: 2 channels, 200 Hz, 10 samples a packet.

    ``counter_jumps`` maps a notification (counted like ``drop``) to how far the sample counter
    leaps just before it, a firmware fault: the samples stay consecutive, only the counter the
    packets carry jumps (and wraps at 2³²)."""

    name = "EMG-DIY"
    nominal_packet_period_s = 0.05
    samples_per_packet = 10
    info = diy.DiyInfo(2, 200, 0.5, ("left quad", "right quad"))

    def __init__(self, air: VirtualAir, address: str = "C3:00:00:00:00:03", *,
                 counter_jumps: dict[int, int] | None = None, **kwargs: object) -> None:
        super().__init__(air, address, **kwargs)  # type: ignore[arg-type]
        self.data = Characteristic(diy.DATA_CHAR, NOTIFY, Characteristic.READABLE, b"")
        self.starts = 0
        self.counter_jumps = dict(counter_jumps or {})
        self.counter_offset = 0  # counter minus true index, after the jumps so far

    def services(self) -> list[Service]:
        info = Characteristic(diy.INFO_CHAR, READ, Characteristic.READABLE,
                              diy.encode_info(self.info))
        control = Characteristic(diy.CONTROL_CHAR, WRITE, Characteristic.WRITEABLE,
                                 CharacteristicValue(write=self._on_command))
        return [Service(diy.SERVICE_UUID, [self.data, info, control])]

    def advertised_uuids(self) -> list[tuple[int, bytes]]:
        return [(AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                 UUID(diy.SERVICE_UUID).to_bytes())]

    def _on_command(self, connection: Connection, value: bytes) -> None:
        if bytes(value) == diy.CMD_START:
            self.starts += 1
            self.streaming = True
        elif bytes(value) == diy.CMD_STOP:
            self.streaming = False

    def samples_while_idle(self) -> int:
        return self.samples_per_packet

    @staticmethod
    def true_index(row: np.ndarray) -> int:
        return int(row[0]) + 32768 * int(row[1])

    def next_packet(self) -> tuple[Characteristic, bytes, list[int]]:
        indices = list(range(self.next_index, self.next_index + self.samples_per_packet))
        self.next_index += self.samples_per_packet
        rows = [[i % 32768, i // 32768] for i in indices]
        self.counter_offset += self.counter_jumps.get(self.streamed, 0)
        counter = indices[0] + self.counter_offset
        return self.data, diy.encode_packet(counter, 200, rows), indices
