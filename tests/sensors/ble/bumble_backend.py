"""TEST-ONLY bleak backend over bumble's virtual controllers (no radio, no BlueZ).

A :class:`VirtualAir` is one in-memory radio space (a bumble ``LocalLink``). Each bleak scanner
or client made by :func:`make_backend` is its own bumble ``Device`` with its own virtual
controller on that link, exactly as a second adapter would be: it scans real advertising PDUs,
connects over the virtual link layer, discovers the peer's GATT database and subscribes through
its CCCDs, so bleak's public API (``BleakScanner``/``BleakClient``) runs unmodified on top.
Everything here must run on the asyncio loop that owns the link (the bridge's BLE loop).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble.controller import Controller
from bumble.core import UUID as BumbleUUID
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.gatt_client import CharacteristicProxy
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from sensors.ble.adapter import BleBackend

ATT_MTU = 247

_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


def uuid_str(value: BumbleUUID) -> str:
    """bumble UUID -> bleak's normalized form (lower-case 128-bit string)."""
    return str(uuid.UUID(bytes=bytes(reversed(value.to_bytes(force_128=True)))))


class VirtualAir:
    """One virtual radio space: every device on it hears every advertisement."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self._addresses = itertools.count(1)

    def next_address(self) -> Address:
        n = next(self._addresses)
        # Random static addresses (two top bits set), unique on this air.
        return Address(f"C0:00:00:00:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}")

    async def new_device(self, name: str, address: Address | None = None) -> Device:
        controller = Controller(name, link=self.link)
        device = Device(
            name=name,
            address=address or self.next_address(),
            host=Host(controller, AsyncPipeSink(controller)),
        )
        device.myoplay_controller = controller  # type: ignore[attr-defined]
        await device.power_on()
        return device

    def remove_device(self, device: Device) -> None:
        controller = device.myoplay_controller  # type: ignore[attr-defined]
        if controller in self.link.controllers:
            self.link.remove_controller(controller)


def make_backend(air: VirtualAir) -> BleBackend:
    """bleak backend classes bound to one :class:`VirtualAir`."""
    scanner = type("VirtualAirScanner", (BumbleScanner,), {"air": air})
    client = type("VirtualAirClient", (BumbleClient,), {"air": air})
    return BleBackend(scanner, client)


def _advertisement_data(adv: Advertisement) -> tuple[str | None, AdvertisementData]:
    data = adv.data
    names = data.get_all(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get_all(
        AdvertisingData.SHORTENED_LOCAL_NAME
    )
    name = str(names[0]) if names else None
    service_uuids: list[str] = []
    for kind in (
        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    ):
        for group in data.get_all(kind):
            service_uuids.extend(uuid_str(u) for u in group)
    manufacturer = {
        company: bytes(payload)
        for company, payload in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)
    }
    tx_powers = data.get_all(AdvertisingData.TX_POWER_LEVEL)
    return name, AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data={},
        service_uuids=service_uuids,
        tx_power=int(tx_powers[0]) if tx_powers else None,
        rssi=adv.rssi,
        platform_data=(adv,),
    )


class BumbleScanner(BaseBleakScanner):
    air: VirtualAir

    def __init__(self, detection_callback: Any, service_uuids: Any, scanning_mode: Any = "active",
                 **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._device: Device | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._device = await self.air.new_device("bleak-scanner")
        self._device.on("advertisement", self._on_advertisement)
        await self._device.start_scanning(filter_duplicates=False)

    def _on_advertisement(self, adv: Advertisement) -> None:
        name, data = _advertisement_data(adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = str(adv.address)
        device = self.create_or_update_device(address, address, name, adv.address, data)
        self.call_detection_callbacks(device, data)

    async def stop(self) -> None:
        if self._device is None:
            return
        device, self._device = self._device, None
        await device.stop_scanning()
        self.air.remove_device(device)


class BumbleClient(BaseBleakClient):
    air: VirtualAir

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 10.0),
        )
        self._device: Device | None = None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscriptions: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        self._device = await self.air.new_device("bleak-client")
        try:
            connection = await self._device.connect(Address(self.address), timeout=self._timeout)
        except Exception as error:
            self.air.remove_device(self._device)
            raise BleakDeviceNotFoundError(self.address, f"cannot connect: {error}") from error
        self._connection = connection
        connection.on("disconnection", self._on_disconnection)
        self._peer = Peer(connection)
        # BlueZ, CoreBluetooth and WinRT all negotiate a larger ATT MTU on connect.
        await self._peer.request_mtu(ATT_MTU)
        self.services = await self._discover(self._peer)

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        await peer.discover_services()
        for service_proxy in peer.services:
            service = BleakGATTService(service_proxy, service_proxy.handle,
                                       uuid_str(service_proxy.uuid))
            collection.add_service(service)
            for char_proxy in await service_proxy.discover_characteristics():
                properties = [name for flag, name in _PROPERTY_NAMES.items()
                              if char_proxy.properties & flag]
                characteristic = BleakGATTCharacteristic(
                    char_proxy, char_proxy.handle, uuid_str(char_proxy.uuid), properties,
                    lambda: self.mtu_size - 3, service,
                )
                collection.add_characteristic(characteristic)
                for descriptor_proxy in await char_proxy.discover_descriptors():
                    collection.add_descriptor(BleakGATTDescriptor(
                        descriptor_proxy, descriptor_proxy.handle,
                        uuid_str(descriptor_proxy.type), characteristic,
                    ))
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._forget_device()
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    def _forget_device(self) -> None:
        if self._device is not None:
            self.air.remove_device(self._device)
            self._device = None

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            self._forget_device()
            return
        self._connection = None
        self._disconnected_callback = None  # bleak calls it only for unsolicited disconnects
        try:
            await connection.disconnect()
        finally:
            self._forget_device()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("the virtual test backend does not pair; the emulated devices need none")

    async def unpair(self) -> None:
        raise BleakError("the virtual test backend does not pair; the emulated devices need none")

    def _require_peer(self) -> Peer:
        if self._peer is None or self._connection is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any
                             ) -> bytearray:
        return bytearray(await self._require_peer().read_value(characteristic.handle))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, **kwargs: Any
                                   ) -> bytearray:
        return bytearray(await self._require_peer().read_value(descriptor.handle))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any,
                              response: bool) -> None:
        await self._require_peer().write_value(characteristic.handle, bytes(data),
                                               with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._require_peer().write_value(descriptor.handle, bytes(data),
                                               with_response=True)

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs: Any) -> None:
        self._require_peer()
        proxy: CharacteristicProxy[bytes] = characteristic.obj

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscriptions[characteristic.handle] = deliver
        await proxy.subscribe(deliver)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._require_peer()
        proxy: CharacteristicProxy[bytes] = characteristic.obj
        await proxy.unsubscribe(self._subscriptions.pop(characteristic.handle, None))
