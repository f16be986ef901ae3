"""SIGTERM and Ctrl-C ask the session to stop (its reason names the signal) instead of killing the
process, and the previous handler comes back afterwards."""

from __future__ import annotations

import os
import signal

import pytest
import trio

from actors.stop_request import StopRequest
from myoplay.stop_signals import stop_on_signals


@pytest.fixture(autouse=True)
def sigint_as_in_a_terminal():
    """Python's own Ctrl-C handler, as in a terminal, even when the test run was started as a
    background job (which starts with SIGINT ignored, and stays so: see the last test)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


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


def test_ctrl_c_asks_the_session_to_stop_instead_of_interrupting_it(capsys):
    before = signal.getsignal(signal.SIGINT)
    request = StopRequest()

    async def main() -> str:
        with stop_on_signals(request):
            os.kill(os.getpid(), signal.SIGINT)
            with trio.fail_after(10):
                reason = await request.wait()
            await trio.sleep(0.05)  # a KeyboardInterrupt, if one were coming, arrives by now
            return reason

    assert trio.run(main) == "stopped with Ctrl-C"
    assert "Ctrl-C again to quit at once" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_interrupts_a_stop_that_hangs():
    request = StopRequest()

    async def main() -> None:
        with stop_on_signals(request):
            os.kill(os.getpid(), signal.SIGINT)
            with trio.fail_after(10):
                await request.wait()
            os.kill(os.getpid(), signal.SIGINT)
            await trio.sleep(10)  # a stop that never finishes

    with pytest.raises(KeyboardInterrupt):
        trio.run(main)
    assert request.reason == "stopped with Ctrl-C"


def test_a_signal_ignored_from_the_start_stays_ignored():
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as under nohup
    try:
        request = StopRequest()

        async def main() -> None:
            with stop_on_signals(request):
                assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
                os.kill(os.getpid(), signal.SIGINT)
                await trio.sleep(0.05)

        trio.run(main)
        assert request.reason is None
    finally:
        signal.signal(signal.SIGINT, before)
