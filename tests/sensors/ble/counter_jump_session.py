"""A live session on a virtual DIY EMG device whose sample counter leaps by about 2³¹, run as a
program so that its peak memory is its own: ``python -m tests.sensors.ble.counter_jump_session
RECORDING`` prints one JSON line (peak resident memory, outcome, the recorded gaps).

The whole path a real sensor takes: bumble peripheral → bleak → bridge thread → BleSource →
the supervised session (sensor, dsp, rules, recorder actors) → the recording.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import trio

from actors.session import SessionPlan, run_session
from engine.calibration_procedure import CalibrationProtocol
from engine.messages import ChannelInfo, Gap, Side, SourceInfo
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from replays.reader import ReplayReader
from sensors.ble.ble_source import BleSource, Reconnect
from sensors.ble.bridge import BleLoop
from sensors.ble.devices import open_ble_source
from sensors.source import SourceItem
from tests.sensors.ble.bumble_backend import VirtualAir, make_backend
from tests.sensors.ble.peripherals import DiyPeripheral

#: The counter's leap: the largest forward jump the 32-bit counter can express, less a packet,
#: so that the tracker reads it as samples lost (the issue's 2,147,483,638).
JUMP_SAMPLES = (1 << 31) - 20
JUMP_AT_NOTIFICATION = 30
SESSION_S = 5.0


class _OnTheQuads:
    """The DIY source with its two channels placed on the left and right quadriceps (what a
    protocol needs to know; the DIY profile carries labels only)."""

    def __init__(self, source: BleSource) -> None:
        self.ble = source
        info = source.info
        placed = (ChannelInfo(info.channels[0].label, "quadriceps", Side.LEFT),
                  ChannelInfo(info.channels[1].label, "quadriceps", Side.RIGHT))
        self._info = dataclasses.replace(info, channels=placed)

    @property
    def info(self) -> SourceInfo:
        return self._info

    def stream(self) -> AsyncIterator[SourceItem]:
        return self.ble.stream()

    async def aclose(self) -> None:
        await self.ble.aclose()


async def _session(record_path: Path, ble: BleLoop) -> tuple[str, int]:
    air = VirtualAir()
    peripheral = DiyPeripheral(air, speed=1.0, counter_jumps={JUMP_AT_NOTIFICATION: JUMP_SAMPLES})
    await ble.run(peripheral.power_on)
    source = await open_ble_source("diy", backend=make_backend(air), loop=ble,
                                   scan_timeout_s=5.0, reconnect=Reconnect(0.02, 0.2))
    try:
        training = TrainingConfig(
            builtin_protocol("quad_set"), involved_side=Side.LEFT,
            calibration_protocol=CalibrationProtocol(rest_s=1.0, efforts=1, effort_s=1.0,
                                                     recover_s=1.0),
        )
        plan = SessionPlan(source=_OnTheQuads(source), training=training,
                           record_path=record_path, render=False, sound=False,
                           duration_s=SESSION_S, linger_s=0.0)
        outcome = await run_session(plan)
        return outcome.reason, source.stats.discontinuities
    finally:
        await source.aclose()
        await trio.sleep(0.2)  # let the peripheral see the disconnection before it powers off
        await ble.run(peripheral.power_off)


def _peak_rss_kb() -> int:
    """This process image's peak resident memory, in kB. Not ``getrusage``: Linux carries the
    forking parent's peak (a whole test run's) into ``ru_maxrss`` across exec; ``VmHWM`` starts
    afresh with the new image."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("this platform does not report VmHWM")


def main(record_path: Path) -> None:
    ble = BleLoop("counter-jump")
    try:
        reason, discontinuities = trio.run(_session, record_path, ble)
    finally:
        ble.close()
    with ReplayReader(record_path) as reader:
        gaps = [r.to_list() for r in reader if isinstance(r, Gap)]
    peak_kb = _peak_rss_kb()
    print(json.dumps({"peak_mb": peak_kb / 1024, "reason": reason, "gaps": gaps,
                      "source_discontinuities": discontinuities}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
