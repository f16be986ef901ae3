"""Export a recording as C3D, the motion labs' format (GHOSTLY+ keeps its sessions in it).

The EMG channels are C3D analog channels at the source's rate, in its unit, as float32 (what
C3D stores: about 7 significant digits); their descriptions name the muscle and side. The file
has no markers (points): its point rate is the analog rate over :func:`analog_per_frame`, and
the last frame is completed with the last sample's values, named by a ``myoplay padding`` event.
Events and inputs become C3D events (label: their kind; description: the whole note; context:
Left, Right or General by the subject's side), at most :data:`MAX_EVENTS` of them (the EVENT
group's parameters hold 255 entries).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ReplayError
from engine.messages import Side
from replays.recording_arrays import PADDING_NOTE, SourceArrays, TimedNote

#: Entries a C3D parameter array holds (its dimensions are single bytes).
MAX_EVENTS = 255
#: Characters kept in a C3D text parameter (label, description).
MAX_TEXT = 255
#: The point rate aimed at (Hz): C3D counts frames in points, analog samples per frame.
POINT_RATE_HZ = 100.0


@dataclass(frozen=True, slots=True)
class C3dExportResult:
    """What was written: channels, samples per channel, events written and left out."""

    source_id: str
    channels: int
    samples: int
    events: int
    events_left_out: int
    other_sources: tuple[str, ...]


def analog_per_frame(rate_hz: float) -> int:
    """Analog samples per C3D frame: the rate over :data:`POINT_RATE_HZ`, at least 1."""
    return max(1, round(rate_hz / POINT_RATE_HZ))


def channel_description(muscle: str, side: Side) -> str:
    """An analog channel's description: "MUSCLE, SIDE" (read back by the import)."""
    return f"{muscle}, {side.value}" if muscle else ""


def c3d_bytes(arrays: SourceArrays) -> tuple[bytes, C3dExportResult]:
    """The C3D file of ``arrays`` (see the module's docstring)."""
    # Imported here, not with the module: every myoplay command imports this module, and
    # loading ezc3d would cost each of them its time and address space.
    import ezc3d  # type: ignore[import-untyped]  # ships no type information

    source = arrays.source
    per_frame = analog_per_frame(source.rate_hz)
    n = arrays.n_samples
    padded = -n % per_frame
    samples = arrays.samples
    if padded:
        samples = np.concatenate([samples, np.repeat(samples[-1:], padded, axis=0)])
    frames = samples.shape[0] // per_frame
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [source.rate_hz / per_frame]
    analog = c3d["parameters"]["ANALOG"]
    analog["RATE"]["value"] = [source.rate_hz]
    analog["LABELS"]["value"] = [_text(label) for label in source.labels]
    analog["UNITS"]["value"] = [_text(source.unit)] * source.n_channels
    analog["DESCRIPTIONS"]["value"] = [_text(channel_description(c.muscle, c.side))
                                       for c in source.channels]
    c3d["data"]["analogs"] = np.ascontiguousarray(samples.T.reshape(1, source.n_channels, -1))
    c3d["data"]["points"] = np.zeros((4, 0, frames))
    notes = list(arrays.notes)
    if padded:
        notes.append(TimedNote(n / source.rate_hz, padded / source.rate_hz, PADDING_NOTE))
    written = notes[:MAX_EVENTS]
    sides = {c.label: c.side for c in source.channels}
    for note in written:
        words = note.text.split(" ")
        label = words[1] if len(words) > 1 and words[0] in ("event", "input") else note.text
        subject = words[2] if len(words) > 2 and words[0] == "event" else ""
        context = {Side.LEFT: "Left", Side.RIGHT: "Right"}.get(sides.get(subject, Side.NONE),
                                                               "General")
        c3d.add_event([0, note.onset_s], context=context, label=_text(label),
                      description=_text(note.text))
    with tempfile.TemporaryDirectory(prefix="myoplay-c3d-") as folder:
        path = Path(folder) / "export.c3d"
        try:
            c3d.write(str(path))
            data = path.read_bytes()
        except (OSError, RuntimeError, ValueError) as error:
            raise ReplayError(f"cannot write C3D: {error}") from None
    return data, C3dExportResult(source.source_id, source.n_channels, n, len(written),
                                 len(notes) - len(written), arrays.other_sources)


def _text(text: str) -> str:
    """Printable ASCII of at most :data:`MAX_TEXT` characters (C3D text is bytes)."""
    plain = text.replace("µ", "u").replace("μ", "u")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in plain)[:MAX_TEXT]
