"""Recognising "this machine has no usable Bluetooth" in whatever form bleak reports it.

bleak's BlueZ backend connects to the system D-Bus first; with no D-Bus socket (no BlueZ, a
container, a machine without Bluetooth) that surfaces as ``FileNotFoundError`` or
``ConnectionRefusedError`` rather than a bleak error. Every BLE entry point funnels its errors
through :func:`as_unavailable` so the user gets one clear line instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakError,
)

from engine.errors import BluetoothUnavailableError

MESSAGE = "Bluetooth is not available on this machine"

_HINTS = {
    BleakBluetoothNotAvailableReason.POWERED_OFF: "turn Bluetooth on and try again",
    BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
        "the adapter cannot act as a Bluetooth LE central; use another adapter",
    BleakBluetoothNotAvailableReason.DENIED_BY_USER:
        "allow this program to use Bluetooth in the system settings",
    BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM:
        "the system refused access to Bluetooth; ask the administrator",
}
_DEFAULT_HINT = ("no Bluetooth adapter or Bluetooth service was found; "
                 "use a simulated or recorded sensor instead")


def as_unavailable(error: BaseException) -> BluetoothUnavailableError | None:
    """The user-facing error if ``error`` means Bluetooth is unusable here, else None."""
    if isinstance(error, BluetoothUnavailableError):
        return error
    if isinstance(error, BleakBluetoothNotAvailableError):
        return BluetoothUnavailableError(MESSAGE, hint=_HINTS.get(error.reason, _DEFAULT_HINT))
    if isinstance(error, FileNotFoundError | ConnectionRefusedError | PermissionError):
        return BluetoothUnavailableError(MESSAGE, hint=_DEFAULT_HINT)
    if isinstance(error, BleakError) and "adapter" in str(error).lower():
        return BluetoothUnavailableError(MESSAGE, hint=_DEFAULT_HINT)
    return None


@dataclass(frozen=True, slots=True)
class BleBackend:
    """bleak backend classes to use instead of the platform's (a custom or test backend)."""

    scanner: type[BaseBleakScanner]
    client: type[BaseBleakClient]


def backend_kwargs(backend: BleBackend | None, role: str) -> dict[str, Any]:
    """``backend=`` keyword for BleakScanner (role "scanner") or BleakClient ("client")."""
    if backend is None:
        return {}
    return {"backend": backend.scanner if role == "scanner" else backend.client}
