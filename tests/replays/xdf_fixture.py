"""Write small XDF files chunk by chunk, following the XDF 1.0 specification
(https://github.com/sccn/xdf/wiki/Specifications), as LabRecorder writes them: a file header,
stream headers, sample chunks with time stamps, clock offsets, stream footers."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

_FORMATS = {"float32": "<f", "double64": "<d", "int16": "<h", "int32": "<i"}


@dataclass
class XdfStream:
    """One stream: numeric samples (rows × channels) or text markers (one string per row)."""

    stream_id: int
    name: str
    kind: str
    rate_hz: float
    channel_format: str
    timestamps: Sequence[float]
    rows: Sequence[Sequence[float]] | Sequence[str]
    labels: Sequence[str] = ()
    units: Sequence[str] = ()
    muscles: Sequence[tuple[str, str]] = ()
    """(muscle, side) per channel, as myoplay's LSL outlets describe them."""

    @property
    def channel_count(self) -> int:
        if self.channel_format == "string":
            return 1
        return len(self.rows[0]) if len(self.rows) else len(self.labels)


def _varlen(n: int) -> bytes:
    if n < 256:
        return bytes([1, n])
    if n < 2**32:
        return bytes([4]) + struct.pack("<I", n)
    return bytes([8]) + struct.pack("<Q", n)


def chunk(tag: int, content: bytes) -> bytes:
    """One chunk: its length (tag and content) as a variable-length integer, the tag, content."""
    return _varlen(len(content) + 2) + struct.pack("<H", tag) + content


def _header_xml(stream: XdfStream) -> bytes:
    channels = "".join(
        f"<channel><label>{escape(label)}</label>"
        + (f"<unit>{escape(stream.units[i])}</unit>" if i < len(stream.units) else "")
        + (f"<muscle>{escape(stream.muscles[i][0])}</muscle><side>{stream.muscles[i][1]}</side>"
           if i < len(stream.muscles) else "")
        + "<type>EMG</type></channel>"
        for i, label in enumerate(stream.labels))
    desc = f"<desc><channels>{channels}</channels></desc>" if channels else "<desc/>"
    return (f'<?xml version="1.0"?><info><name>{escape(stream.name)}</name>'
            f"<type>{escape(stream.kind)}</type><channel_count>{stream.channel_count}"
            f"</channel_count><nominal_srate>{stream.rate_hz}</nominal_srate>"
            f"<channel_format>{stream.channel_format}</channel_format>"
            f"<source_id>fixture{stream.stream_id}</source_id><version>1.1</version>"
            f"<created_at>1000.0</created_at><uid>{stream.stream_id}</uid>"
            f"<session_id>default</session_id><hostname>test</hostname>"
            f"{desc}</info>").encode()


def _samples(stream: XdfStream, start: int, stop: int) -> bytes:
    out = bytearray(struct.pack("<I", stream.stream_id))
    out += _varlen(stop - start)
    for i in range(start, stop):
        out += bytes([8]) + struct.pack("<d", stream.timestamps[i])
        row = stream.rows[i]
        if stream.channel_format == "string":
            text = str(row).encode()
            out += _varlen(len(text)) + text
        else:
            out += np.asarray(row, dtype=_FORMATS[stream.channel_format]).tobytes()
    return bytes(out)


def xdf_bytes(streams: Sequence[XdfStream], *, samples_per_chunk: int = 100) -> bytes:
    """A whole XDF file holding ``streams`` (samples in chunks, interleaved by stream)."""
    out = bytearray(b"XDF:")
    out += chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    for stream in streams:
        out += chunk(2, struct.pack("<I", stream.stream_id) + _header_xml(stream))
    longest = max(len(s.rows) for s in streams)
    for start in range(0, longest, samples_per_chunk):
        for stream in streams:
            stop = min(start + samples_per_chunk, len(stream.rows))
            if start < stop:
                out += chunk(3, _samples(stream, start, stop))
    for stream in streams:
        for t in (0.0, 10.0):  # clock offsets: the same clock (offset 0)
            out += chunk(4, struct.pack("<Idd", stream.stream_id, t, 0.0))
        first = stream.timestamps[0] if len(stream.timestamps) else 0.0
        last = stream.timestamps[-1] if len(stream.timestamps) else 0.0
        footer = (f'<?xml version="1.0"?><info><first_timestamp>{first}</first_timestamp>'
                  f"<last_timestamp>{last}</last_timestamp><sample_count>{len(stream.rows)}"
                  f"</sample_count></info>").encode()
        out += chunk(6, struct.pack("<I", stream.stream_id) + footer)
    return bytes(out)
