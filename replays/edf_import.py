"""Read an EDF+ or BDF+ file (any writer's, myoplay's own included) as a recording to import.

The EMG channels are the signals in a voltage unit (``uV``, ``mV``, ``V``) at the most common
sampling rate among them, converted to µV; other signals (a temperature, an accelerometer, a
different rate, or the derived envelope / %MVC / quality signals of a processed myoplay export)
are left out and named. Annotations become markers at their onset (value ``{"annotation": TEXT,
"duration_s": …}``), except what myoplay's own export writes about the samples: a gap note
becomes a gap again (its zero-filled samples dropped), and the padding of the last data record
is dropped. Any failure to parse the file is one :class:`ReplayError` naming it.
"""

from __future__ import annotations

import collections
import math
import warnings
from pathlib import Path

import numpy as np

from engine.errors import ReplayError
from engine.messages import Side
from replays.edf_export import DERIVED_PREFILTERING, TRANSDUCER
from replays.imported_recording import (
    ForeignNote,
    ForeignRecording,
    apply_notes,
    display_name,
    unique_labels,
    volts_factor_uv,
)


def read_edf_recording(path: Path) -> tuple[ForeignRecording, list[str]]:
    """The EMG signals and annotations of the EDF+/BDF+ file ``path``, and a line for each
    signal left out (why) and each repair of a damaged file (a cut-off last record)."""
    # Imported here, not with the module: every myoplay command imports this module, and
    # loading edfio would cost each of them its time and address space.
    import edfio

    name = display_name(path)
    bdf = path.suffix.lower() == ".bdf"
    try:
        with warnings.catch_warnings(record=True) as repairs:
            warnings.simplefilter("always")
            edf = edfio.read_bdf(path) if bdf else edfio.read_edf(path)
            signals: list[edfio.EdfSignal | edfio.BdfSignal] = list(edf.signals)
            annotations = list(edf.annotations)
    except OSError as error:
        raise ReplayError(f"cannot read {name}: {error.strerror}") from None
    except Exception as error:  # a foreign parser: any failure means a bad file
        kind = "BDF" if bdf else "EDF"
        raise ReplayError(f"{name}: not a readable {kind}+ file "
                          f"({type(error).__name__}: {str(error)[:160]})",
                          hint=f"check that it is a complete {kind} file") from None
    notes = [f"warning: {name}: {w.message}" for w in repairs]
    voltage = []
    derived = 0
    for signal in signals:
        factor = volts_factor_uv(signal.physical_dimension)
        if signal.prefiltering.startswith(DERIVED_PREFILTERING):
            derived += 1
        elif factor is None:
            notes.append(f"left out: {signal.label}: in {signal.physical_dimension!r}, "
                         f"not a voltage")
        else:
            voltage.append((signal, factor))
    if derived:
        notes.append(f"left out: {derived} signals derived by a processed export "
                     f"(envelope, %MVC, quality)")
    if not voltage:
        raise ReplayError(f"{name}: no signal in a voltage unit (uV, mV, V) to import as EMG",
                          hint="; ".join(notes) or "it holds no signals")
    rates = collections.Counter(s.sampling_frequency for s, _ in voltage)
    rate = rates.most_common(1)[0][0]
    chosen = [(s, f) for s, f in voltage if s.sampling_frequency == rate]
    notes.extend(f"left out: {s.label}: at {s.sampling_frequency:g} Hz, not {rate:g} Hz"
                    for s, f in voltage if s.sampling_frequency != rate)
    try:
        columns = [np.asarray(s.data, dtype=np.float64) * f for s, f in chosen]
    except Exception as error:  # lazy data read from a damaged file
        raise ReplayError(f"{name}: its samples cannot be read ({error})") from None
    length = min(len(c) for c in columns)
    samples = np.stack([c[:length] for c in columns], axis=1)
    notes_found = []
    for annotation in annotations:
        if not math.isfinite(annotation.onset):
            continue
        value: dict[str, str | float] = {"annotation": annotation.text}
        if annotation.duration is not None:
            value["duration_s"] = float(annotation.duration)
        notes_found.append(ForeignNote(round(annotation.onset * rate), annotation.text, value))
    kept, markers, gaps = apply_notes(samples, notes_found)
    labels = unique_labels([s.label for s, _ in chosen])
    muscles = {}
    for label, (signal, _) in zip(labels, chosen, strict=True):
        stated = TRANSDUCER.match(signal.transducer_type)
        if stated:
            muscles[label] = (stated.group(1), Side(stated.group(2)))
    recording = ForeignRecording(
        file_format="bdf" if bdf else "edf", name=name, labels=labels, rate_hz=float(rate),
        unit="uV", samples=kept, markers=markers, gaps=gaps,
        muscles=muscles,
    )
    return recording, notes
