"""Fixtures for BLE tests: one bridge loop per module and a fresh virtual radio per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sensors.ble.adapter import BleBackend
from sensors.ble.bridge import BleLoop
from tests.sensors.ble.bumble_backend import VirtualAir, make_backend


@pytest.fixture(scope="module")
def ble() -> Iterator[BleLoop]:
    loop = BleLoop("test-ble")
    yield loop
    loop.close()


@pytest.fixture
def air() -> VirtualAir:
    return VirtualAir()


@pytest.fixture
def backend(air: VirtualAir) -> BleBackend:
    return make_backend(air)
