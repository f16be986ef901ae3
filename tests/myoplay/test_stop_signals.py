"""SIGTERM asks the session to stop (its reason names the signal) instead of killing the
process, and the previous handler comes back afterwards."""

from __future__ import annotations

import os
import signal

import trio

from actors.stop_request import StopRequest
from myoplay.stop_signals import stop_on_signals


def test_sigterm_asks_the_session_to_stop_and_the_old_handler_returns():
    before = signal.getsignal(signal.SIGTERM)
    request = StopRequest()

    async def main() -> str:
        with stop_on_signals(request):
            os.kill(os.getpid(), signal.SIGTERM)
            with trio.fail_after(10):
                return await request.wait()

    assert trio.run(main) == "terminated by SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before
