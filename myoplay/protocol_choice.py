"""The ``--protocol NAME|FILE`` option of ``play`` and ``replay``: a built-in protocol by id or
a TOML file.

The built-in ids come from :func:`engine.protocol.builtin_protocol_names` (the protocol files
shipped in ``engine/builtin_protocols/``), the same list the start menu offers.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from engine.comparison_plan import MIN_COMPARISON_REPS
from engine.errors import ConfigError
from engine.protocol import (
    MAX_TOTAL_REPS,
    Protocol,
    builtin_protocol,
    builtin_protocol_names,
    load_protocol,
)


def protocol_help(what: str) -> str:
    """``--protocol`` help: ``what`` the option does, then the built-in ids to choose from."""
    return f"{what}: a built-in protocol ({', '.join(builtin_protocol_names())}) or a TOML file"


def check_mode_suits(protocol: Protocol, mode: str) -> str:
    """``mode`` when the protocol declares that it suits it (``modes`` in its file), else a
    :class:`ConfigError` naming the modes it allows: a one-leg quad set on the seesaw would tell
    the patient to push with the other leg."""
    if mode not in protocol.modes:
        raise ConfigError(
            f"--mode {mode} does not suit protocol {protocol.id!r}; "
            f"allowed: {', '.join(protocol.modes)}",
            hint="leave --mode out for the protocol's usual mode",
        )
    return mode


def resolve_protocol(spec: str, reps: int | None) -> Protocol:
    """A built-in protocol by id or a TOML file, optionally cut to ``reps`` reps in one set."""
    if spec.endswith(".toml") or os.sep in spec or Path(spec).is_file():
        protocol = load_protocol(spec)
    elif spec in builtin_protocol_names():
        protocol = builtin_protocol(spec)
    else:
        raise ConfigError(
            f"unknown protocol {spec!r}",
            hint=f"use one of {', '.join(builtin_protocol_names())}, or a .toml file",
        )
    if reps is not None:
        if not 1 <= reps <= MAX_TOTAL_REPS:
            raise ConfigError(f"--reps must be 1 to {MAX_TOTAL_REPS}, got {reps}")
        timing = dataclasses.replace(protocol.timing, reps=reps, sets=1)
        protocol = dataclasses.replace(protocol, timing=timing)
        if protocol.comparison is not None:
            protocol = _comparison_reps(protocol, reps)
    return protocol


def _comparison_reps(protocol: Protocol, reps: int) -> Protocol:
    """A comparison with ``reps`` reps of every variation (at least two: one rep says nothing
    about how much a variation varies, so no interval could be given)."""
    plan = protocol.comparison
    assert plan is not None
    if reps < MIN_COMPARISON_REPS:
        raise ConfigError(
            f"--reps {reps} is too few for a comparison",
            hint=f"give each variation at least {MIN_COMPARISON_REPS} reps: the ranking needs "
                 "the rep-to-rep variation",
        )
    variations = tuple(dataclasses.replace(v, reps=reps) for v in plan.variations)
    return dataclasses.replace(protocol, comparison=dataclasses.replace(plan,
                                                                       variations=variations))
