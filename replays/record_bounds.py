"""The bounds every record's content must keep, checked when a replay file is read.

A record can pass its CRC and its field types and still hold what no session writes: a rate of
10 MHz, a time past 2**63 ns, a gap of -5 samples, a calibration whose reference is text or NaN,
ten thousand calibration efforts, a label that clears the screen. Everything downstream (inspect,
export, the headless replay) trusts what the reader hands out, so the reader refuses such a
record as corrupt, naming its index, before anything allocates or computes with it. The bounds
are written in docs/replay-format.md (§ 5, "Content bounds"); this module is their one home.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from engine.calibration import Calibration
from engine.errors import MessageFormatError, MyoplayError
from engine.messages import (
    ConfigChange,
    ErrorReport,
    FrameTick,
    Gap,
    PlainValue,
    Record,
    RuleEvent,
    SampleFrame,
    SourceInfo,
    UserInput,
)
from engine.printable import has_controls
from engine.rules.config_changes import PROTOCOL_KEY
from engine.training import CALIBRATION_KEY

#: Times (session and device nanoseconds), sample indices and counters stay below this, so
#: they fit the int64 arrays the engine computes with.
MAX_INT64 = 2**63 - 1
#: Sampling rates a source may declare (Hz): EMG devices run from a few Hz to a few kHz; the
#: top keeps a replay's buffers (2 s of samples) small.
MIN_RATE_HZ = 1e-3
MAX_RATE_HZ = 1e5
#: Most channels a source may declare.
MAX_CHANNELS = 64
#: Largest |scale| (raw × scale = µV).
MAX_SCALE = 1e9
#: Most samples one gap may declare missing: beyond it, a counter jump is a discontinuity, not
#: a loss (issue 13). No reader or replay allocates per missing sample; a processed export
#: writes one row per missing sample, so this also bounds the rows a gap can cost.
MAX_GAP_SAMPLES = 2**31
#: Longest identifier-like text (source ids, names, kinds, labels, keys, reasons, versions).
MAX_NAME_CHARS = 256
#: Longest free text (an error record's message).
MAX_TEXT_CHARS = 16_384
#: Deepest nesting of arrays and maps inside a plain-data field.
MAX_DEPTH = 32
#: The source descriptor's clock kinds.
DEVICE_CLOCKS = frozenset({"none", "counter", "timestamp", "simulated"})
#: Mains frequencies a header may declare (Hz), or none.
MAINS_HZ = frozenset({50.0, 60.0})
#: Calibration procedure settings: at most this many efforts, each phase at most this long.
MAX_CALIBRATION_EFFORTS = 20
MAX_CALIBRATION_PHASE_S = 3600.0
#: Largest magnitude of a calibration value in µV or %.
MAX_CALIBRATION_VALUE = 1e9


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or float, never a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: object, what: str, low: float, high: float) -> float:
    if not is_number(value):
        raise MessageFormatError(f"{what} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and low <= value <= high):
        raise MessageFormatError(f"{what} is {value!r}, outside {low:g} to {high:g}")
    return float(value)


def _count(value: object, what: str, low: int = 0, high: int = MAX_INT64) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MessageFormatError(f"{what} must be an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise MessageFormatError(f"{what} is {value}, outside {low} to {high}")
    return value


def _name(value: object, what: str, *, empty: bool = False) -> str:
    """Identifier-like text: bounded, printable, non-empty unless ``empty``."""
    if not isinstance(value, str):
        raise MessageFormatError(f"{what} must be text, got {type(value).__name__}")
    if len(value) > MAX_NAME_CHARS or (not value and not empty):
        raise MessageFormatError(f"{what} must be 1 to {MAX_NAME_CHARS} characters long")
    if has_controls(value):
        raise MessageFormatError(f"{what} {value!r} holds control characters")
    return value


def _text(value: str, what: str) -> None:
    if len(value) > MAX_TEXT_CHARS:
        raise MessageFormatError(f"{what} is longer than {MAX_TEXT_CHARS} characters")


def check_plain(value: object, what: str, depth: int = 0) -> None:
    """Plain data nested at most :data:`MAX_DEPTH` deep (lengths are bounded by the unpacker)."""
    if depth > MAX_DEPTH:
        raise MessageFormatError(f"{what} is nested more than {MAX_DEPTH} deep")
    if isinstance(value, list):
        for item in value:
            check_plain(item, what, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            check_plain(item, what, depth + 1)


def _time(value: object, what: str) -> int:
    """A session time in ns: 0 to 2**63 - 1, what the engine's int64 arrays hold."""
    return _count(value, what)


# -- records -------------------------------------------------------------------------------------


def check_source_bounds(source: SourceInfo) -> None:
    """Rate, channels, scale and the texts of a source descriptor."""
    who = f"source {source.source_id!r}"
    _name(source.source_id, "source id")
    _finite(source.rate_hz, f"{who}: rate (Hz)", MIN_RATE_HZ, MAX_RATE_HZ)
    _finite(source.scale, f"{who}: scale", -MAX_SCALE, MAX_SCALE)
    for value, what in ((source.name, "name"), (source.kind, "kind"), (source.unit, "unit")):
        _name(value, f"{who}: {what}", empty=True)
    if source.device_clock not in DEVICE_CLOCKS:
        raise MessageFormatError(f"{who}: device clock {source.device_clock!r} is not one of "
                    f"{', '.join(sorted(DEVICE_CLOCKS))}")
    if source.n_channels > MAX_CHANNELS:
        raise MessageFormatError(f"{who}: {source.n_channels} channels, at most {MAX_CHANNELS}")
    for channel in source.channels:
        _name(channel.label, f"{who}: channel label")
        _name(channel.muscle, f"{who}: muscle of {channel.label!r}", empty=True)
    if len(set(source.labels)) != len(source.labels):
        raise MessageFormatError(f"{who}: channel labels repeat")


def check_frame_bounds(frame: SampleFrame, rate_hz: float) -> None:
    """Counters, indices and times of a frame, its end included."""
    who = f"frame of {frame.source_id!r}"
    _count(frame.seq, f"{who}: seq")
    _count(frame.first_index, f"{who}: first index", high=MAX_INT64 - frame.n_samples)
    _time(frame.t_ns, f"{who}: t_ns")
    if frame.device_t_ns is not None:
        _count(frame.device_t_ns, f"{who}: device_t_ns", low=-MAX_INT64)
    # The end time is where the next frame starts; it must stay an int64 too.
    span_ns = frame.n_samples * 1e9 / rate_hz
    if frame.t_ns + span_ns >= MAX_INT64:
        raise MessageFormatError(f"{who}: its samples run past {MAX_INT64} ns")


def check_gap_bounds(gap: Gap) -> None:
    """A gap's size is counted (0 to :data:`MAX_GAP_SAMPLES`) or unknown (-1); its times and
    indices stay int64."""
    who = f"gap of {gap.source_id!r}"
    _count(gap.n_missing, f"{who}: missing samples (-1 if unknown)", -1, MAX_GAP_SAMPLES)
    _count(gap.first_index, f"{who}: first index", high=MAX_INT64 - MAX_GAP_SAMPLES)
    _time(gap.t_ns, f"{who}: t_ns")
    _count(gap.duration_ns, f"{who}: duration_ns", high=MAX_INT64 - gap.t_ns)
    _name(gap.reason, f"{who}: reason", empty=True)


def check_calibration(value: object, what: str) -> Calibration:
    """A calibration as plain data: every setting a finite number of the right type, then the
    calibration's own checks (:meth:`Calibration.from_plain`)."""
    if not isinstance(value, dict):
        raise MessageFormatError(f"{what} must be a map, got {type(value).__name__}")
    channels = value.get("channels")
    if not isinstance(channels, list) or len(channels) > MAX_CHANNELS:
        raise MessageFormatError(
            f"{what}: channels must be a list of at most {MAX_CHANNELS} labels"
        )
    for label in channels:
        _name(label, f"{what}: channel label")
    for key in ("baseline_uv", "noise_sd_uv", "reference_uv"):
        values = value.get(key)
        if not isinstance(values, list) or len(values) != len(channels):
            raise MessageFormatError(f"{what}: {key} must be a list of one number per channel")
        for number in values:
            _finite(number, f"{what}: {key}", 0.0, MAX_CALIBRATION_VALUE)
    _finite(value.get("reference_pct_mvc"), f"{what}: reference_pct_mvc", 0.0, 100.0)
    for key in ("window_s", "plateau_s"):
        if key in value or key == "window_s":
            _finite(value.get(key), f"{what}: {key}", 0.0, MAX_CALIBRATION_PHASE_S)
    _time(value.get("t_ns"), f"{what}: t_ns")
    _name(value.get("kind"), f"{what}: kind")
    if not isinstance(value.get("pipeline"), dict):
        raise MessageFormatError(f"{what}: pipeline must be a map")
    try:
        return Calibration.from_plain(value)
    except MyoplayError as error:
        raise MessageFormatError(f"{what}: {error.message}") from None


def _check_calibration_protocol(value: object, what: str) -> None:
    """The calibration procedure's settings: bounded efforts and phase lengths."""
    if not isinstance(value, dict):
        raise MessageFormatError(f"{what} must be a map, got {type(value).__name__}")
    for key, setting in value.items():
        if key == "efforts":
            _count(setting, f"{what}: efforts", 1, MAX_CALIBRATION_EFFORTS)
        elif key == "kind":
            _name(setting, f"{what}: kind")
        elif key == "reference_pct_mvc":
            _finite(setting, f"{what}: {key}", 0.0, 100.0)
        else:
            _finite(setting, f"{what}: {key}", 0.0, MAX_CALIBRATION_PHASE_S)


def _check_protocol(value: object, what: str) -> None:
    """A protocol as a built-in id or a map whose id and name are names.

    Only its shape: whether the protocol makes a sensible exercise is the protocol's own check
    (:func:`engine.protocol.protocol_from_plain`), which the replay runs when it applies it and
    which may grow stricter than the release that recorded it; reading and exporting a file
    must not depend on that.
    """
    if isinstance(value, str):
        _name(value, what)
        return
    if not isinstance(value, dict):
        raise MessageFormatError(f"{what} must be a protocol id or map, got {type(value).__name__}")
    for key in ("id", "name"):
        if key in value:
            _name(value[key], f"{what}: {key}")
    check_plain(value, what)


def check_header_config(config: Mapping[str, PlainValue]) -> None:
    """The settings in the header that replay and export act on: mains and training."""
    check_plain(dict(config), "the header's config")
    mains = config.get("mains_hz")
    if mains is not None and not (is_number(mains) and float(mains) in MAINS_HZ):
        raise MessageFormatError(f"the header's mains_hz is {mains!r}, not 50, 60 or nil")
    training = config.get("training")
    if training is None:
        return
    if not isinstance(training, dict):
        raise MessageFormatError(f"the header's training settings must be a map, got "
                    f"{type(training).__name__}")
    what = "the header's training"
    if training.get("calibration") is not None:
        check_calibration(training["calibration"], f"{what}.calibration")
    # Each part is checked where present: export reads only the calibration, and the replay
    # says, naming record 0, when a part it needs is missing (TrainingConfig.from_plain).
    if "calibration_protocol" in training:
        _check_calibration_protocol(training["calibration_protocol"],
                                    f"{what}.calibration_protocol")
    if "protocol" in training:
        _check_protocol(training["protocol"], f"{what}.protocol")
    if "seed" in training:
        _count(training["seed"], f"{what}.seed", 0, MAX_INT64)


def _check_config(change: ConfigChange) -> None:
    _name(change.key, "config key")
    check_plain(change.value, f"config {change.key!r}")
    if change.key == CALIBRATION_KEY and change.value is not None:
        check_calibration(change.value, f"config {change.key!r}")
    elif change.key == PROTOCOL_KEY:
        _check_protocol(change.value, f"config {change.key!r}")


def check_record_bounds(record: Record, sources: Mapping[str, SourceInfo]) -> None:
    """Check one message's content (its source, when it has one, is already known)."""
    if isinstance(record, SampleFrame):
        check_frame_bounds(record, sources[record.source_id].rate_hz)
    elif isinstance(record, SourceInfo):
        check_source_bounds(record)
    elif isinstance(record, Gap):
        check_gap_bounds(record)
    elif isinstance(record, UserInput):
        _time(record.t_ns, "input t_ns")
        _name(record.kind, "input kind")
        check_plain(record.value, f"input {record.kind!r}")
    elif isinstance(record, ConfigChange):
        _time(record.t_ns, "config t_ns")
        _check_config(record)
    elif isinstance(record, FrameTick):
        _time(record.t_ns, "tick t_ns")
        _count(record.frame_index, "tick frame index")
    elif isinstance(record, RuleEvent):
        _time(record.t_ns, "event t_ns")
        _name(record.kind, "event kind")
        _name(record.subject, "event subject", empty=True)
        check_plain(record.data, f"event {record.kind!r}")
    elif isinstance(record, ErrorReport):
        _time(record.t_ns, "error t_ns")
        _name(record.actor, "error actor")
        _text(record.message, "error message")


def check_header_bounds(engine_version: str, seed: int | None,
                        config: Mapping[str, Any]) -> None:
    """The header's texts, seed and settings."""
    _name(engine_version, "the header's engine version")
    if seed is not None:
        _count(seed, "the header's seed", 0, 2**64 - 1)
    check_header_config(config)
