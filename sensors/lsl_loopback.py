"""Keeping Lab Streaming Layer on this machine: a liblsl configuration for loopback only.

liblsl reads its configuration file (named by ``LSLAPICFG``) once, when it is first used (not
when pylsl is imported). :func:`use_loopback` points it at a file that keeps discovery on
127.0.0.1 without IPv6, so tests and benchmarks never reach a real network and never see
streams of other machines. It imports nothing of pylsl.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

LOOPBACK_CONFIG = """\
[ports]
IPv6 = disable

[multicast]
ResolveScope = machine
MachineAddresses = {127.0.0.1}
KnownPeers = {127.0.0.1}
"""


def use_loopback() -> Path:
    """Make liblsl (once it starts) stay on loopback; returns the configuration file. An
    ``LSLAPICFG`` already set is kept (the caller chose another configuration)."""
    chosen = os.environ.get("LSLAPICFG")
    if chosen:
        return Path(chosen)
    path = Path(tempfile.mkdtemp(prefix="myoplay-lsl-")) / "lsl_api.cfg"
    path.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    os.environ["LSLAPICFG"] = str(path)
    return path
