"""Signals as a terminal leaves them, for tests of Ctrl-C.

A shell starts a background job with SIGINT ignored, and a process that starts with a signal
ignored keeps it ignored (myoplay honours that, as under ``nohup``). Tests of Ctrl-C must not
depend on how the test run itself was started.
"""

from __future__ import annotations

import signal


def sigint_as_from_a_terminal() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child starts with SIGINT's default action."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
