"""Read a C3D file's analog EMG channels and events as a recording to import.

The file is parsed by :mod:`replays.c3d_worker` in a child process with a time limit: ezc3d is
native code that segfaults on some files, and a crash there must end with one line naming the
file, not take the command down. The analog channels in a voltage unit (all of them when no
channel states a unit, as µV) become the EMG channels, converted to µV; events become markers
(``{"event": LABEL, "context": …, "description": …}``), except what myoplay's own export
wrote about the samples (gaps become gaps again, its padding is dropped).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from engine.errors import ReplayError
from engine.messages import Side
from replays.imported_recording import (
    ForeignNote,
    ForeignRecording,
    apply_notes,
    display_name,
    unique_labels,
    volts_factor_uv,
)

#: How long the worker may take (s): reading a C3D of EMG takes well under a second.
PARSE_TIMEOUT_S = 60.0
_DESCRIPTION = re.compile(r"^(.+), (left|right|none)$")
#: The project's root, so the worker finds the ``replays`` package whatever the current folder.
_ROOT = Path(__file__).resolve().parents[1]


def read_c3d_recording(path: Path, *, timeout_s: float = PARSE_TIMEOUT_S
                       ) -> tuple[ForeignRecording, list[str]]:
    """The EMG channels and events of the C3D file ``path``, and a line for each channel left
    out."""
    name = display_name(path)
    with tempfile.TemporaryDirectory(prefix="myoplay-c3d-") as folder:
        out = Path(folder) / "parsed.npz"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "replays.c3d_worker", str(path), str(out)],
                capture_output=True, timeout=timeout_s, env=env, check=False, text=True,
                errors="replace",
            )
        except subprocess.TimeoutExpired:
            raise ReplayError(f"{name}: the C3D reader did not finish within {timeout_s:g} s",
                              hint="the file is damaged or far larger than a recording of EMG"
                              ) from None
        if done.returncode < 0:
            try:
                what = signal.Signals(-done.returncode).name
            except ValueError:
                what = f"signal {-done.returncode}"
            raise ReplayError(f"{name}: the C3D reader crashed ({what}) on this file",
                              hint="the file is damaged or of a C3D variant ezc3d cannot read")
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise ReplayError(f"{name}: not a readable C3D file ({reason[:200]})",
                              hint="check that it is a complete C3D file")
        with np.load(out, allow_pickle=False) as parsed:
            fields = {key: parsed[key] for key in parsed.files}
    return _recording(name, fields)


def _recording(name: str, fields: dict[str, np.ndarray]) -> tuple[ForeignRecording, list[str]]:
    analogs = fields["analogs"]
    labels = [str(v) for v in fields["labels"]]
    if analogs.ndim != 3 or analogs.shape[1] == 0 or analogs.shape[2] == 0:
        raise ReplayError(f"{name}: the C3D file holds no analog samples",
                          hint="only analog (EMG) channels are imported, not marker points")
    rates = fields["rate_hz"]
    if rates.size == 0 or not np.isfinite(rates[0]) or rates[0] <= 0:
        raise ReplayError(f"{name}: ANALOG:RATE is missing or not a positive number")
    n_channels = analogs.shape[1]
    labels = (labels + [f"ch{i + 1}" for i in range(len(labels), n_channels)])[:n_channels]
    units = [str(v) for v in fields["units"]]
    units += [""] * (n_channels - len(units))
    stated = [u for u in units if u.strip()]
    notes: list[str] = []
    columns: list[int] = []
    factors: list[float] = []
    for index, unit in enumerate(units):
        factor = volts_factor_uv(unit) if stated else 1.0
        if factor is None:
            notes.append(f"left out: {labels[index]}: in {unit!r}, not a voltage")
            continue
        columns.append(index)
        factors.append(factor)
    if not columns:
        raise ReplayError(f"{name}: no analog channel in a voltage unit (uV, mV, V)",
                          hint="; ".join(notes))
    if not stated:
        notes.append("warning: the channels state no unit: read as uV")
    read, declared = int(fields["frames_read"][0]), int(fields["frames_declared"][0])
    if 0 <= read < declared:
        notes.append(f"warning: {name}: cut off: its header declares {declared} frames, the "
                     f"file holds {read}; imported those")
    samples = analogs[0, columns, :].T * np.asarray(factors)
    rate = float(rates[0])
    out_labels = unique_labels([labels[i] for i in columns])
    descriptions = [str(v) for v in fields["descriptions"]]
    muscles = {}
    for label, index in zip(out_labels, columns, strict=True):
        found = _DESCRIPTION.match(descriptions[index]) if index < len(descriptions) else None
        if found:
            muscles[label] = (found.group(1), Side(found.group(2)))
    kept, markers, gaps = apply_notes(samples, _events(fields, rate))
    recording = ForeignRecording(
        file_format="c3d", name=name, labels=out_labels, rate_hz=rate, unit="uV",
        samples=kept, markers=markers, gaps=gaps, muscles=muscles,
    )
    return recording, notes


def _events(fields: dict[str, np.ndarray], rate_hz: float) -> list[ForeignNote]:
    """The events, at their sample index; a description is what myoplay's export wrote."""
    times = fields["event_times"]
    labels = [str(v) for v in fields["event_labels"]]
    contexts = [str(v) for v in fields["event_contexts"]]
    descriptions = [str(v) for v in fields["event_descriptions"]]
    # EVENT:TIMES is (2, events): minutes, then seconds.
    if times.ndim != 2 or times.shape[0] != 2:
        return []
    notes = []
    for i in range(min(times.shape[1], len(labels))):
        seconds = float(times[0, i]) * 60 + float(times[1, i])
        if not np.isfinite(seconds):
            continue
        description = descriptions[i] if i < len(descriptions) else ""
        value = {"event": labels[i], "context": contexts[i] if i < len(contexts) else "",
                 "description": description}
        notes.append(ForeignNote(round(seconds * rate_hz), description, value))
    return notes
