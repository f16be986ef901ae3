"""Listing nearby supported BLE EMG devices (``myoplay scan``)."""

from __future__ import annotations

from dataclasses import dataclass

import trio
from bleak import BleakScanner

from sensors.ble.adapter import BleBackend, as_unavailable, backend_kwargs
from sensors.ble.bridge import BleLoop, shared_loop
from sensors.ble.devices import all_profiles


@dataclass(frozen=True, slots=True)
class FoundDevice:
    """One advertising device: ``kind`` is the myoplay sensor kind, or None if unsupported."""

    name: str
    address: str
    rssi_dbm: int
    kind: str | None
    display_name: str


async def scan(
    timeout_s: float = 5.0,
    *,
    include_unsupported: bool = False,
    loop: BleLoop | None = None,
    backend: BleBackend | None = None,
) -> list[FoundDevice]:
    """Scan for ``timeout_s`` and return devices, strongest signal first.

    Raises :class:`~engine.errors.BluetoothUnavailableError` when Bluetooth is unusable here.
    """
    ble = loop or shared_loop()
    profiles = all_profiles()

    async def discover() -> list[FoundDevice]:
        seen = await BleakScanner.discover(
            timeout_s, return_adv=True, **backend_kwargs(backend, "scanner")
        )
        found = []
        for device, adv in seen.values():
            name = adv.local_name or device.name or ""
            profile = next((p for p in profiles if p.matches(name, adv.service_uuids)), None)
            if profile is None and not include_unsupported:
                continue
            found.append(FoundDevice(
                name=name,
                address=device.address,
                rssi_dbm=adv.rssi,
                kind=profile.kind if profile else None,
                display_name=profile.display_name if profile else "unsupported",
            ))
        return sorted(found, key=lambda d: (-d.rssi_dbm, d.address))

    try:
        return await ble.run(discover)
    except Exception as error:
        unavailable = as_unavailable(error)
        if unavailable is not None:
            raise unavailable from error
        raise


def scan_blocking(timeout_s: float = 5.0, *, include_unsupported: bool = False
                  ) -> list[FoundDevice]:
    """:func:`scan` for synchronous callers (the command line)."""
    return trio.run(lambda: scan(timeout_s, include_unsupported=include_unsupported))
