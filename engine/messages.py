"""Typed, immutable message records that flow between actors and into replay files.

Each record converts to a plain list (tag first) that msgpack can pack, and back. The list form
is the wire and file form, so it must be canonical: the same record always gives the same list
(mappings are rebuilt with sorted keys, arrays are little-endian bytes with their dtype), which is
what makes byte-identical replays possible.

Times are integer nanoseconds of session time (``t_ns``); sample positions are absolute sample
indices of their source (``first_index``), which advance across gaps, so windows can count
samples instead of arrival chunks.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

import numpy as np
import numpy.typing as npt

from engine.clock import sample_offset_ns, sample_times_ns
from engine.errors import MessageFormatError

PlainValue: TypeAlias = (
    bool | int | float | str | bytes | list["PlainValue"] | dict[str, "PlainValue"] | None
)
"""A value msgpack can pack and that survives a round trip unchanged."""

#: Raw sample types devices deliver; anything else is refused when decoding.
SAMPLE_DTYPES = frozenset({"|i1", "<i2", "<i4", "<f4", "<f8"})
_SAMPLE_NUMPY_DTYPES = {name: np.dtype(name) for name in SAMPLE_DTYPES}


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    NONE = "none"


class QualityFlag(enum.IntFlag):
    """Per-sample, per-channel signal-quality problems (a bit mask; 0 means good)."""

    SATURATED = 1
    """At the converter's rails, or beyond the amplitude the device or the physiology allows
    (:attr:`~engine.dsp.quality.QualityConfig.limit_uv`)."""
    FLAT = 2
    MAINS = 4
    LIFT_OFF = 8
    GAP = 16
    NONFINITE = 32
    MOVEMENT = 64
    SETTLING = 128
    """The filters restarted after saturation, lift-off or bad samples and have not settled yet
    (:mod:`engine.dsp.settling`): the envelope is not yet the muscle's."""


def canonical(value: Any) -> PlainValue:
    """Return ``value`` as plain data with sorted mapping keys, refusing what cannot round-trip.

    numpy scalars become Python scalars and tuples become lists, so packing never depends on how
    a caller happened to build the value.
    """
    if value is None or isinstance(value, bool | str | bytes):
        return value
    if isinstance(value, np.generic):
        return canonical(value.item())
    if isinstance(value, int | float):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        out: dict[str, PlainValue] = {}
        for key in sorted(value, key=str):
            if not isinstance(key, str):
                raise MessageFormatError(f"mapping keys must be strings, got {key!r}")
            out[key] = canonical(value[key])
        return out
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise MessageFormatError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def _pack_array(array: npt.NDArray[Any]) -> list[PlainValue]:
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    rows, cols = array.shape
    return [little.dtype.str, rows, cols, np.ascontiguousarray(little).tobytes()]


def _unpack_array(value: object) -> npt.NDArray[Any]:
    """The array packed by :func:`_pack_array`; :class:`MessageFormatError` says what is wrong."""
    if not (isinstance(value, list) and len(value) == 4):
        raise MessageFormatError(f"expected [dtype, rows, cols, bytes], got {value!r:.80}")
    dtype_str, rows, cols, raw = value
    dtype = _SAMPLE_NUMPY_DTYPES.get(dtype_str) if isinstance(dtype_str, str) else None
    if dtype is None:
        raise MessageFormatError(f"unsupported sample type {dtype_str!r}")
    if not (isinstance(rows, int) and isinstance(cols, int) and rows >= 0 and cols > 0):
        raise MessageFormatError(f"bad shape {rows!r} x {cols!r}")
    if not isinstance(raw, bytes):
        raise MessageFormatError("samples must be bytes")
    if len(raw) != rows * cols * dtype.itemsize:
        raise MessageFormatError(
            f"{len(raw)} bytes do not hold {rows} x {cols} samples of {dtype_str}"
        )
    return np.frombuffer(raw, dtype=dtype).reshape(rows, cols)


def _frozen_array(array: npt.ArrayLike) -> npt.NDArray[Any]:
    """A read-only 2-D array: a given read-only array is shared, anything else is copied (so
    a caller changing its buffer later cannot change a record that was already sent)."""
    if isinstance(array, np.ndarray) and not array.flags.writeable and array.ndim == 2:
        return array
    out = np.array(array, copy=True)
    if out.ndim != 2:
        raise MessageFormatError(f"samples must be a (samples, channels) array, got {out.shape}")
    out.setflags(write=False)
    return out


class Record(abc.ABC):
    """Base of all records: a tag and the conversion to and from plain lists."""

    __slots__ = ()
    TAG: ClassVar[str]

    @abc.abstractmethod
    def to_list(self) -> list[PlainValue]:
        """The canonical list form, tag first."""

    @classmethod
    @abc.abstractmethod
    def from_list(cls, items: Sequence[Any]) -> Record:
        """Rebuild the record from :meth:`to_list`'s output, checking every field."""


def _check(items: Sequence[Any], tag: str, types: Sequence[type | tuple[type, ...]]) -> None:
    """Check that ``items`` is ``[tag, *fields]`` with fields of the given types."""
    if len(items) < len(types) + 1:
        raise MessageFormatError(
            f"{tag!r} record has {len(items) - 1} fields, needs at least {len(types)}"
        )
    for index, expected in enumerate(types, start=1):
        value = items[index]
        if type(value) is expected:  # the usual case, and never a bool posing as an int
            continue
        if isinstance(value, bool) and expected is int:
            raise MessageFormatError(f"{tag!r} record field {index}: expected int, got bool")
        if not isinstance(value, expected):
            raise MessageFormatError(
                f"{tag!r} record field {index}: expected {expected}, got {type(value).__name__}"
            )


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One electrode channel: its label, the muscle under it and the body side."""

    label: str
    muscle: str
    side: Side = Side.NONE

    def to_list(self) -> list[PlainValue]:
        return [self.label, self.muscle, self.side.value]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> ChannelInfo:
        if not (len(items) >= 3 and all(isinstance(v, str) for v in items[:3])):
            raise MessageFormatError(f"bad channel description {items!r:.80}")
        try:
            side = Side(items[2])
        except ValueError:
            raise MessageFormatError(f"unknown body side {items[2]!r}") from None
        return cls(items[0], items[1], side)


@dataclass(frozen=True, slots=True)
class SourceInfo(Record):
    """What a source delivers: its channels, rate, raw sample type and how to scale it.

    ``scale`` times a raw sample gives a value in ``unit`` (µV for every EMG source);
    ``device_clock`` says what the device's own timing is ("none", "counter", "timestamp",
    "simulated").
    """

    TAG: ClassVar[str] = "source"
    source_id: str
    name: str
    kind: str
    rate_hz: float
    channels: tuple[ChannelInfo, ...]
    dtype: str = "<f4"
    scale: float = 1.0
    unit: str = "uV"
    device_clock: str = "none"

    def __post_init__(self) -> None:
        if not self.rate_hz > 0:
            raise MessageFormatError(f"source {self.source_id!r}: rate must be positive")
        if not self.channels:
            raise MessageFormatError(f"source {self.source_id!r}: no channels")
        if self.dtype not in SAMPLE_DTYPES:
            raise MessageFormatError(f"source {self.source_id!r}: sample type {self.dtype!r}")

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.channels)

    def to_list(self) -> list[PlainValue]:
        return [
            self.TAG,
            self.source_id,
            self.name,
            self.kind,
            float(self.rate_hz),
            [c.to_list() for c in self.channels],
            self.dtype,
            float(self.scale),
            self.unit,
            self.device_clock,
        ]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> SourceInfo:
        _check(items, cls.TAG, [str, str, str, (int, float), list, str, (int, float), str, str])
        return cls(
            source_id=items[1],
            name=items[2],
            kind=items[3],
            rate_hz=float(items[4]),
            channels=tuple(ChannelInfo.from_list(c) for c in items[5]),
            dtype=items[6],
            scale=float(items[7]),
            unit=items[8],
            device_clock=items[9],
        )


_FRAME_FIELDS = (str, int, int, int, (int, type(None)), list)


@dataclass(frozen=True, slots=True, eq=False)
class SampleFrame(Record):
    """A block of consecutive samples from one source, in the device's own numeric type.

    ``data`` has shape (samples, channels). ``first_index`` is the absolute index of its first
    sample; ``t_ns`` is that sample's session time; ``device_t_ns`` the device's own time for
    it, when the device has a clock.
    """

    TAG: ClassVar[str] = "frame"
    source_id: str
    seq: int
    first_index: int
    t_ns: int
    data: npt.NDArray[Any] = field(repr=False)
    device_t_ns: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", _frozen_array(self.data))

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    def sample_times_ns(self, rate_hz: float) -> npt.NDArray[np.int64]:
        """Session time of each sample, spaced at the nominal rate from ``t_ns``."""
        return sample_times_ns(self.t_ns, self.n_samples, rate_hz)

    def end_t_ns(self, rate_hz: float) -> int:
        """Session time one sample period after the last sample (where the next frame starts)."""
        return self.t_ns + sample_offset_ns(self.n_samples, rate_hz)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampleFrame):
            return NotImplemented
        return (
            (self.source_id, self.seq, self.first_index, self.t_ns, self.device_t_ns)
            == (other.source_id, other.seq, other.first_index, other.t_ns, other.device_t_ns)
            and self.data.dtype == other.data.dtype
            and np.array_equal(self.data, other.data)
        )

    def __hash__(self) -> int:
        return hash((self.source_id, self.seq, self.first_index, self.t_ns))

    def to_list(self) -> list[PlainValue]:
        return [
            self.TAG,
            self.source_id,
            self.seq,
            self.first_index,
            self.t_ns,
            self.device_t_ns,
            _pack_array(self.data),
        ]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> SampleFrame:
        _check(items, cls.TAG, _FRAME_FIELDS)
        try:
            data = _unpack_array(items[6])
        except MessageFormatError as error:
            raise MessageFormatError(f"frame {items[2]} of {items[1]!r}: {error}") from None
        return cls(items[1], items[2], items[3], items[4], data, items[5])


@dataclass(frozen=True, slots=True)
class Gap(Record):
    """Samples that never arrived: ``n_missing`` samples from ``first_index`` on.

    ``n_missing`` is -1 when the loss is known to have happened but cannot be counted (a device
    with no sequence counter); ``duration_ns`` is then the best estimate of its length.
    """

    TAG: ClassVar[str] = "gap"
    source_id: str
    first_index: int
    n_missing: int
    t_ns: int
    duration_ns: int
    reason: str

    def to_list(self) -> list[PlainValue]:
        return [
            self.TAG,
            self.source_id,
            self.first_index,
            self.n_missing,
            self.t_ns,
            self.duration_ns,
            self.reason,
        ]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> Gap:
        _check(items, cls.TAG, [str, int, int, int, int, str])
        return cls(*items[1:7])


@dataclass(frozen=True, slots=True)
class UserInput(Record):
    """Something the user did, stamped with the sample time at which the engine took it in.

    ``kind`` names the input ("activation" for simulated-muscle commands, "key", "pause", ...);
    ``value`` is plain data.
    """

    TAG: ClassVar[str] = "input"
    t_ns: int
    kind: str
    value: PlainValue = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", canonical(self.value))

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, self.t_ns, self.kind, self.value]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> UserInput:
        _check(items, cls.TAG, [int, str, object])
        return cls(items[1], items[2], items[3])


@dataclass(frozen=True, slots=True)
class ConfigChange(Record):
    """A change of configuration (calibration, protocol, threshold) taking effect at ``t_ns``."""

    TAG: ClassVar[str] = "config"
    t_ns: int
    key: str
    value: PlainValue = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", canonical(self.value))

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, self.t_ns, self.key, self.value]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> ConfigChange:
        _check(items, cls.TAG, [int, str, object])
        return cls(items[1], items[2], items[3])


@dataclass(frozen=True, slots=True)
class FrameTick(Record):
    """A rendered frame: its index and the sample time of the snapshot it showed."""

    TAG: ClassVar[str] = "tick"
    t_ns: int
    frame_index: int

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, self.t_ns, self.frame_index]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> FrameTick:
        _check(items, cls.TAG, [int, int])
        return cls(items[1], items[2])


@dataclass(frozen=True, slots=True)
class RuleEvent(Record):
    """A judgement of the rules engine at sample time ``t_ns`` ("hold_completed", ...).

    ``subject`` names the channel, muscle or pair the event is about ("" when it is about the
    whole exercise); ``data`` carries the event's numbers.
    """

    TAG: ClassVar[str] = "event"
    t_ns: int
    kind: str
    subject: str = ""
    data: PlainValue = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", canonical(self.data if self.data is not None else {}))

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, self.t_ns, self.kind, self.subject, self.data]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> RuleEvent:
        _check(items, cls.TAG, [int, str, str, object])
        return cls(items[1], items[2], items[3], items[4])


@dataclass(frozen=True, slots=True)
class ErrorReport(Record):
    """An error an actor met at ``t_ns`` (the session went on, or this is why it stopped)."""

    TAG: ClassVar[str] = "error"
    t_ns: int
    actor: str
    message: str

    def to_list(self) -> list[PlainValue]:
        return [self.TAG, self.t_ns, self.actor, self.message]

    @classmethod
    def from_list(cls, items: Sequence[Any]) -> ErrorReport:
        _check(items, cls.TAG, [int, str, str])
        return cls(items[1], items[2], items[3])


MESSAGE_TYPES: dict[str, type[Record]] = {
    cls.TAG: cls
    for cls in (SourceInfo, SampleFrame, Gap, UserInput, ConfigChange, FrameTick, RuleEvent,
                ErrorReport)
}


def message_from_list(items: object) -> Record:
    """Rebuild a record from its list form, or raise :class:`MessageFormatError` saying why not."""
    if not isinstance(items, list | tuple) or not items:
        raise MessageFormatError(f"a record must be a non-empty list, got {type(items).__name__}")
    tag = items[0]
    cls = MESSAGE_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise MessageFormatError(f"unknown record type {tag!r}")
    return cls.from_list(items)


@dataclass(frozen=True, slots=True, eq=False)
class ProcessedBlock:
    """What the DSP hands the rules: envelopes for a block of consecutive samples.

    Not a file record (a replay stores the raw frames and recomputes this). Arrays have shape
    (samples, channels): ``envelope_uv`` in µV after baseline subtraction, ``pct_mvc`` in %MVC
    (None until a calibration is active), ``quality`` a :class:`QualityFlag` mask per sample,
    ``band_uv`` the band-passed signal in µV that the envelope came from (for onsets and the
    median frequency; None in a gap's block, which has no signal).
    """

    source_id: str
    first_index: int
    t_ns: int
    rate_hz: float
    envelope_uv: npt.NDArray[np.float64] = field(repr=False)
    pct_mvc: npt.NDArray[np.float64] | None = field(repr=False)
    quality: npt.NDArray[np.uint8] = field(repr=False)
    band_uv: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.envelope_uv.shape[0])

    def sample_times_ns(self) -> npt.NDArray[np.int64]:
        return sample_times_ns(self.t_ns, self.n_samples, self.rate_hz)
