"""The one exception tree of myoplay.

Every error a user can cause derives from :class:`MyoplayError`. Its message is written for the
person at the keyboard: it says what was wrong and what to do about it. The CLI prints it on one
line and exits with status 2; anything that is not a :class:`MyoplayError` is a bug.
"""

from __future__ import annotations


class MyoplayError(Exception):
    """Root of every error myoplay raises on purpose.

    ``hint`` is the "what to do" part; it is appended to the message when shown to a user.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(MyoplayError):
    """A setting, a command-line value or a configuration file is wrong."""


class ProtocolFileError(ConfigError):
    """An exercise protocol file is unreadable or describes an impossible exercise."""


class CalibrationError(MyoplayError):
    """A calibration is missing, unusable, or was made with another pipeline."""


class SignalError(MyoplayError):
    """Samples cannot be processed as given (wrong shape, wrong rate, ...)."""


class DeviceError(MyoplayError):
    """A sensor could not be found, connected, or understood."""


class BluetoothUnavailableError(DeviceError):
    """This machine has no usable Bluetooth adapter."""


class DecodeError(DeviceError):
    """A packet from a device is malformed."""


class MessageFormatError(MyoplayError):
    """A message record (from a replay or another process) does not have the expected shape."""


class ReplayError(MyoplayError):
    """A replay file cannot be written, read or trusted."""


class UnsupportedReplayVersionError(ReplayError):
    """A replay file was written by an incompatible (newer major) format version."""


class CorruptReplayError(ReplayError):
    """A replay file is damaged; ``record_index`` names the first bad record."""

    def __init__(self, message: str, *, record_index: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.record_index = record_index


class RuntimeFault(MyoplayError):
    """The actor runtime detected a fault (a channel overflowed, a child would not stop, ...)."""


class ChannelOverflowError(RuntimeFault):
    """A bounded channel was full where the design says that is a fault (latency would creep)."""


class RestartIntensityError(RuntimeFault):
    """A supervisor gave up: a child failed more often than its restart intensity allows."""

    def __init__(self, message: str, *, child_id: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.child_id = child_id


class TruncatedReplayError(ReplayError):
    """A replay file ends early (its writer stopped without an end record).

    ``last_good_record`` is the index of the last record a sync point checked (-1 when not even
    the header is intact): everything up to it is readable.
    """

    def __init__(self, message: str, *, last_good_record: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.last_good_record = last_good_record


class DeviceNotFoundError(DeviceError):
    """No matching sensor answered a scan (switched off, out of range, or connected elsewhere)."""


class LinkLostError(DeviceError):
    """The wireless link to a sensor dropped; the source reconnects when its stream is resumed."""


class HistoryStoreError(MyoplayError):
    """The history store cannot be opened or used (a newer schema, a locked or damaged file)."""
