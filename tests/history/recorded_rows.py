"""The history store's tables whose rows a recording determines: a rebuild from the recordings
must give them back exactly (client records also hold the station's own display names)."""

RECORDING_TABLES = ("sessions", "reps", "session_muscles", "session_fatigue", "calibrations",
                    "calibration_channels")
