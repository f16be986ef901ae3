"""Export a recording as EDF+ (16-bit) or BDF+ (24-bit), the exchange formats of biosignals.

One signal per channel, in the source's unit (``uV``, ``mV``, ``V`` or ``counts``). The physical
range is the converter's rails for a source of integer samples (its sample type's limits ×
scale, so a clipped sample sits at the edge of the range, as in the device), else the data's own
range; the digital range is the format's whole range (EDF ±32767, BDF ±8388607), so the
resolution is (range) / 65535 or / 16777215. Events and inputs become annotations
(:mod:`replays.recording_arrays` writes their text), gaps annotations with their length.
With ``processed`` each channel also gets its envelope, %MVC (0 where flagged or uncalibrated)
and quality-flag signals.

EDF holds whole data records: a record lasts the shortest whole number of seconds that holds a
whole number of samples, and the last one is completed with the last sample's values, named by a
``myoplay padding`` annotation so an import drops them again.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import ReplayError
from engine.messages import ChannelInfo
from replays.recording_arrays import PADDING_NOTE, FloatArray, SourceArrays, TimedNote

if TYPE_CHECKING:
    import edfio

#: Longest data record tried, seconds (a rate with no whole count of samples in it is refused).
MAX_RECORD_S = 1000
#: EDF header fields: label 16 characters, physical dimension 8, numbers 8.
LABEL_CHARS = 16
NUMBER_CHARS = 8
#: The transducer field of a channel with a known muscle: "EMG electrode: MUSCLE, SIDE" (80
#: ASCII characters).
TRANSDUCER_PREFIX = "EMG electrode: "
TRANSDUCER = re.compile(rf"^{re.escape(TRANSDUCER_PREFIX)}(.+), (left|right|none)$")
TRANSDUCER_CHARS = 80
#: Prefiltering field of a derived (processed) signal: an import leaves such signals out.
DERIVED_PREFILTERING = "myoplay derived"
#: Annotation text kept per note (a TAL holds any length, but readers show one line).
MAX_NOTE_CHARS = 200


class ExchangeFormat(enum.StrEnum):
    """The two variants: 16-bit EDF+ and 24-bit BDF+."""

    EDF = "edf"
    BDF = "bdf"

    @property
    def digital_range(self) -> tuple[int, int]:
        bits = 16 if self is ExchangeFormat.EDF else 24
        return -(1 << (bits - 1)) + 1, (1 << (bits - 1)) - 1


@dataclass(frozen=True, slots=True)
class EdfExportResult:
    """What was written: signals, samples per signal, annotations, record length."""

    source_id: str
    signals: int
    samples: int
    annotations: int
    record_s: int
    other_sources: tuple[str, ...]


def record_length(rate_hz: float) -> tuple[int, int]:
    """(seconds, samples) of the shortest data record of whole seconds holding a whole number
    of samples at ``rate_hz``."""
    for seconds in range(1, MAX_RECORD_S + 1):
        samples = rate_hz * seconds
        if abs(samples - round(samples)) < 1e-6 and round(samples) > 0:
            return seconds, round(samples)
    raise ReplayError(f"a sampling rate of {rate_hz!r} Hz has no whole number of samples in "
                      f"any data record up to {MAX_RECORD_S} s, which EDF needs")


def edf_bytes(arrays: SourceArrays, fmt: ExchangeFormat) -> tuple[bytes, EdfExportResult]:
    """The EDF+ or BDF+ file of ``arrays`` (see the module's docstring)."""
    # Imported here, not with the module: every myoplay command imports this module, and
    # loading edfio would cost each of them its time and address space.
    import edfio

    source = arrays.source
    record_s, per_record = record_length(source.rate_hz)
    n = arrays.n_samples
    padded = -n % per_record
    labels = _edf_labels(source.labels)
    unit = _ascii(source.unit, NUMBER_CHARS)
    signals: list[edfio.EdfSignal | edfio.BdfSignal] = []
    integer = np.dtype(source.dtype).kind in "iu"
    rails = _rails(source.dtype, source.scale) if integer else None
    for column, label in enumerate(labels):
        signals.append(_signal(arrays.samples[:, column], padded, source.rate_hz, label, unit,
                               fmt, rails, "", transducer(source.channels[column])))
    processed = arrays.processed
    if processed is not None:
        for column, label in enumerate(labels):
            short = label[: LABEL_CHARS - 4]
            signals.append(_signal(processed.envelope[:, column], padded, source.rate_hz,
                                   f"{short} env", unit, fmt, None, DERIVED_PREFILTERING, ""))
            # EDF has no "missing": 0 where there is no %MVC, which the quality signal explains.
            pct = np.nan_to_num(processed.pct_mvc[:, column], nan=0.0)
            signals.append(_signal(pct, padded, source.rate_hz, f"{short} mvc", "%MVC", fmt,
                                   None, DERIVED_PREFILTERING, ""))
            signals.append(_signal(processed.quality[:, column].astype(np.float64), padded,
                                   source.rate_hz, f"{short} qual", "flags", fmt, (0.0, 255.0),
                                   DERIVED_PREFILTERING, ""))
    notes = list(arrays.notes)
    if padded:
        notes.append(TimedNote(n / source.rate_hz, padded / source.rate_hz, PADDING_NOTE))
    annotations = [
        edfio.EdfAnnotation(round(note.onset_s, 7),
                            None if note.duration_s is None else round(note.duration_s, 7),
                            _annotation_text(note.text))
        for note in notes
    ]
    try:
        if fmt is ExchangeFormat.EDF:
            edf: edfio.Edf | edfio.Bdf = edfio.Edf(
                [s for s in signals if isinstance(s, edfio.EdfSignal)],
                data_record_duration=float(record_s), annotations=annotations)
        else:
            edf = edfio.Bdf([s for s in signals if isinstance(s, edfio.BdfSignal)],
                            data_record_duration=float(record_s), annotations=annotations)
        data = edf.to_bytes()
    except (ValueError, UnicodeError) as error:
        raise ReplayError(f"cannot write {fmt.value.upper()}+: {error}") from None
    return data, EdfExportResult(source.source_id, len(signals), n, len(annotations), record_s,
                                 arrays.other_sources)


def _signal(values: FloatArray, padded: int, rate_hz: float, label: str, unit: str,
            fmt: ExchangeFormat, physical: tuple[float, float] | None, prefiltering: str,
            transducer_type: str) -> edfio.EdfSignal | edfio.BdfSignal:
    if padded:
        last = values[-1:] if len(values) else np.zeros(1)
        values = np.concatenate([values, np.repeat(last, padded)])
    if physical is None:
        physical = _data_range(values)
    import edfio  # see edf_bytes

    kind = edfio.EdfSignal if fmt is ExchangeFormat.EDF else edfio.BdfSignal
    return kind(np.ascontiguousarray(values, dtype=np.float64), rate_hz, label=label,
                transducer_type=transducer_type, physical_dimension=unit,
                physical_range=physical, digital_range=fmt.digital_range,
                prefiltering=prefiltering)


def transducer(channel: ChannelInfo) -> str:
    """The transducer field of a channel's signal: the muscle and side under the electrode, so
    an import gets them back (:data:`TRANSDUCER`)."""
    text = f"{TRANSDUCER_PREFIX}{channel.muscle}, {channel.side.value}"
    return _ascii(text, TRANSDUCER_CHARS) if channel.muscle else "EMG electrode"


def _rails(dtype: str, scale: float) -> tuple[float, float]:
    info = np.iinfo(np.dtype(dtype))
    ends = sorted((info.min * scale, info.max * scale))
    return _outward(ends[0], down=True), _outward(ends[1], down=False)


def _data_range(values: FloatArray) -> tuple[float, float]:
    """The data's range, widened outward to numbers of 8 characters (never empty)."""
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
        low, high = low - 1.0, high + 1.0
    return _outward(low, down=True), _outward(high, down=False)


def _outward(value: float, *, down: bool) -> float:
    """``value`` rounded away from the data (down for a minimum) to a number whose text fits
    EDF's 8 characters."""
    if value == 0:
        return 0.0
    digits = len(str(int(abs(value)))) + (value < 0)
    if digits > NUMBER_CHARS:
        raise ReplayError(f"a sample of {value:g} does not fit EDF's 8-character range fields",
                          hint="export in a larger unit")
    decimals = max(0, NUMBER_CHARS - digits - 1)
    step = 10.0 ** -decimals
    rounded = (math.floor if down else math.ceil)(value / step) * step
    text = f"{rounded:.{decimals}f}"
    return float(text[:NUMBER_CHARS].rstrip("."))


def _ascii(text: str, width: int) -> str:
    """``text`` as printable ASCII of at most ``width`` characters (µ as u)."""
    plain = text.replace("µ", "u").replace("μ", "u")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in plain)[:width]


def _edf_labels(labels: Sequence[str]) -> list[str]:
    """The channel labels as EDF's 16 ASCII characters; two that become equal are refused."""
    out = [_ascii(label, LABEL_CHARS).strip() or f"ch{i + 1}" for i, label in enumerate(labels)]
    if len(set(out)) != len(out):
        raise ReplayError(f"channel labels {', '.join(map(repr, labels))} are not distinct "
                          f"within EDF's {LABEL_CHARS} ASCII characters")
    return out


def _annotation_text(text: str) -> str:
    # A TAL's text ends at the bytes 0x14/0x15/0x00; UTF-8 is allowed, control characters not.
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean[:MAX_NOTE_CHARS]
