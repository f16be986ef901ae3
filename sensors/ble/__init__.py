"""Bluetooth LE EMG sensors through bleak: Myo armband, OpenBCI Ganglion, the open DIY profile.

Entry points: :func:`sensors.ble.devices.open_ble_source` (scan, connect, set up; returns a
:class:`~sensors.ble.ble_source.BleSource`) and :func:`sensors.ble.scan.scan`. The packet decoders
(:mod:`~sensors.ble.myo`, :mod:`~sensors.ble.ganglion`, :mod:`~sensors.ble.diy`) are pure and
import no Bluetooth stack; bleak lives on the thread of :mod:`sensors.ble.bridge`.
"""
