"""A virtual patient: scripted or live-controlled surface EMG with known ground truth.

See :mod:`sensors.virtual_patient.script` for how to script a session and
:mod:`sensors.simulated` for the :class:`~sensors.source.Source` that streams it.
"""

from sensors.virtual_patient.dynamic_reps import RepPattern
from sensors.virtual_patient.patient import (
    DEFAULT_CHANNELS,
    Chunk,
    CoActivation,
    PatientConfig,
    VirtualPatient,
)
from sensors.virtual_patient.script import Artefact, PacketLoss, Script, Segment

__all__ = [
    "DEFAULT_CHANNELS",
    "Artefact",
    "Chunk",
    "CoActivation",
    "PacketLoss",
    "PatientConfig",
    "RepPattern",
    "Script",
    "Segment",
    "VirtualPatient",
]
