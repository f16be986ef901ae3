"""The software versions that decide a session's numbers, and how a recording's compare.

On one machine the engine's outputs are a pure function of the samples and the stamped inputs;
across machines they also depend on the code doing the arithmetic: a numpy or scipy release may
change how a filter or a reduction rounds its last bits (another algorithm, another summation
order). So a recording stores the versions of Python, numpy and scipy that made it (replay
format 1.1), and a replay whose outputs differ from the recorded ones is a bug only when the
versions that decide agree.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy
import scipy

#: The name myoplay's own version is compared under, beside the libraries'.
MYOPLAY = "myoplay"

#: The versions that must agree for a replay to be expected bit for bit. Python counts by its
#: feature release only: machines differ by patch release all the time and those keep the
#: arithmetic, but a feature release may not (3.12's ``sum`` of floats compensates rounding).
DECIDING = (MYOPLAY, "python", "numpy", "scipy")


def _deciding_part(name: str, version: str | None) -> str | None:
    if name == "python" and version is not None:
        return ".".join(version.split(".")[:2])
    return version


def running_versions() -> dict[str, str]:
    """The versions of Python, numpy and scipy in this process, as a recording stores them."""
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": str(scipy.__version__),
    }


@dataclass(frozen=True, slots=True)
class VersionChange:
    """A deciding version a recording was made with (None: it does not say) and the running one."""

    name: str
    recorded: str | None
    running: str


def version_changes(
    recorded: Mapping[str, str], running: Mapping[str, str]
) -> list[VersionChange]:
    """The :data:`DECIDING` versions that differ between the two, or that ``recorded`` lacks.

    Both map names to versions, myoplay's under :data:`MYOPLAY`; ``running`` names them all.
    """
    return [
        VersionChange(name, recorded.get(name), running[name])
        for name in DECIDING
        if _deciding_part(name, recorded.get(name)) != _deciding_part(name, running[name])
    ]


def describe_changes(changes: Sequence[VersionChange]) -> str:
    """One sentence: "recorded with numpy 2.3.1, this is numpy 2.4.6", which the recording does
    not name, or, with no changes, "recorded with the same myoplay, numpy and scipy"."""
    if not changes:
        return f"recorded with the same {_and(DECIDING)}"
    known = [c for c in changes if c.recorded is not None]
    unknown = [c.name for c in changes if c.recorded is None]
    parts = []
    if known:
        parts.append(
            "recorded with " + _and(f"{c.name} {c.recorded}" for c in known)
            + ", this is " + _and(f"{c.name} {c.running}" for c in known)
        )
    if unknown:
        parts.append(f"the recording does not say which {_and(unknown)} made it")
    return "; ".join(parts)


def _and(items: Iterable[str]) -> str:
    """Words joined as a sentence lists them: "a", "a and b", "a, b and c"."""
    words = list(items)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
