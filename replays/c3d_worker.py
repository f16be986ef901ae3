"""Parse a C3D file with ezc3d in a process of its own: ``python -m replays.c3d_worker IN OUT``.

ezc3d is a native library that crashes (segfaults) on some files, the pure-Python ``c3d``
package's among them; run here, a crash ends this process only and :mod:`replays.c3d_import`
reports it in one line. The worker caps its own memory (:data:`MEMORY_LIMIT_BYTES`) so a file
declaring absurd sizes cannot exhaust the machine, and writes what it read to OUT as an
``.npz`` of plain arrays (no pickles). Exit status 0 on success; 3 with the reason on stderr
when the library refused the file.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from typing import Any, Literal

import ezc3d  # type: ignore[import-untyped]  # ships no type information
import numpy as np

#: Address space the worker may use: a C3D of EMG is far smaller.
MEMORY_LIMIT_BYTES = 4 << 30
#: Processor type of a big-endian (MIPS) file, in the parameter section's fourth byte.
_MIPS = 86
#: Exit status when the library raised an error (a refusal, not a crash).
EXIT_REFUSED = 3


def _strings(group: dict[str, Any], name: str) -> list[str]:
    entry = group.get(name)
    if not isinstance(entry, dict):
        return []
    return [str(v) for v in np.asarray(entry.get("value", [])).ravel()]


def _numbers(group: dict[str, Any], name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    entry = group.get(name)
    if not isinstance(entry, dict):
        return np.zeros(0)
    return np.asarray(entry.get("value", []), dtype=np.float64)


def parse(path: str, out: str) -> None:
    """Read ``path`` with ezc3d and save its analog channels and events to ``out``."""
    c3d = ezc3d.c3d(path)
    parameters = c3d["parameters"]
    header = c3d["header"]["points"]
    analog = parameters.get("ANALOG", {})
    events = parameters.get("EVENT", {})
    np.savez(
        out,
        analogs=np.asarray(c3d["data"]["analogs"], dtype=np.float64),
        rate_hz=_numbers(analog, "RATE"),
        labels=np.array(_strings(analog, "LABELS"), dtype=str),
        units=np.array(_strings(analog, "UNITS"), dtype=str),
        descriptions=np.array(_strings(analog, "DESCRIPTIONS"), dtype=str),
        event_times=_numbers(events, "TIMES"),
        event_labels=np.array(_strings(events, "LABELS"), dtype=str),
        event_contexts=np.array(_strings(events, "CONTEXTS"), dtype=str),
        event_descriptions=np.array(_strings(events, "DESCRIPTIONS"), dtype=str),
        frames_read=np.array([int(header["last_frame"]) - int(header["first_frame"]) + 1]),
        frames_declared=np.array([declared_frames(path)]),
    )


def declared_frames(path: str) -> int:
    """The frame count the file's own header states, before ezc3d adjusts it to what it could
    read (so a cut-off file shows); -1 when the header cannot say (65 535 frames or more)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
        parameter_block = head[0] if head else 0
        handle.seek(max(0, parameter_block - 1) * 512)
        parameters = handle.read(4)
    order: Literal["big", "little"] = (
        "big" if len(parameters) == 4 and parameters[3] == _MIPS else "little")
    first = int.from_bytes(head[6:8], order)
    last = int.from_bytes(head[8:10], order)
    return -1 if last >= 0xFFFF or last < first else last - first + 1


def main(argv: list[str]) -> int:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    try:
        parse(argv[0], argv[1])
    except MemoryError:
        print("it declares more data than a C3D of EMG holds", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # the library's refusal of a bad file, whatever its kind
        print(f"{type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
        return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
