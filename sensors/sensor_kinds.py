"""Every kind of sensor myoplay can take samples from, by the name ``--sensor`` uses.

The one list the command line, the BLE device table (:mod:`sensors.ble.devices`) and scanning
read, so a new device kind is added here and in its profile, nowhere else. It imports nothing,
so the command line can offer the choices without loading the Bluetooth stack.
"""

from __future__ import annotations

#: The built-in virtual patient (:mod:`sensors.simulated`), driven by the keyboard or autopilot.
SIMULATED = "sim"

#: Bluetooth LE devices, each with a profile in :func:`sensors.ble.devices.make_profile`.
BLE_SENSOR_KINDS: tuple[str, ...] = ("myo", "ganglion", "diy")

#: Every sensor kind, the simulated one first (it is the default).
SENSOR_KINDS: tuple[str, ...] = (SIMULATED, *BLE_SENSOR_KINDS)

#: Sensor families named with what follows a colon: ``lsl:NAME`` or ``lsl:PROP=VALUE`` (any
#: Lab Streaming Layer stream, :mod:`sensors.lsl_source`) and ``brainflow:BOARD`` (the boards
#: in :mod:`sensors.brainflow_boards`).
LSL = "lsl"
BRAINFLOW = "brainflow"
SENSOR_FAMILIES: tuple[str, ...] = (LSL, BRAINFLOW)

#: How ``--sensor`` shows its choices.
SENSOR_METAVAR = "{" + ",".join(SENSOR_KINDS) + "}|lsl:STREAM|brainflow:BOARD"
