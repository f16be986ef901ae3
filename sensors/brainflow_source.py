"""A BrainFlow board as a :class:`~sensors.source.Source` (``--sensor brainflow:BOARD``).

BrainFlow's calls block (a serial read, a BLE scan, a session that takes seconds to prepare),
so nothing of it runs on the Trio thread: preparing and releasing a session run through
``trio.to_thread``, and a reader thread of the board's own polls ``get_board_data`` and hands
each non-empty chunk to Trio with ``TrioToken.run_sync_soon`` into a drop-oldest ring (the
pattern of the BLE bridge, :mod:`sensors.ble.bridge`): the board is never held up by the
session, and a ring that overflows is counted and shows as a gap.

Timeline: the board's package counter, unwrapped with the help of its timestamps
(:mod:`sensors.board_counter`), gives each sample's exact position, so lost packages become
exact gaps; :class:`~sensors.stamped_timeline.StampedTimeline` places the samples at those
positions at the nominal rate (session time 0 at the first sample).

Loss and reconnects: an error from the board, or silence for ``silence_s``, raises
:class:`~engine.errors.LinkLostError` once; calling :meth:`BrainflowSource.stream` again
releases the session and prepares it anew with growing back-off until the board answers, and
the outage is recorded as a gap. A playback board that falls silent has reached the end of its
file: the stream ends there.

Only BrainFlow's acquisition is used, never its filters (they restart their state per call).
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import trio

with warnings.catch_warnings():
    # brainflow finds its native library through pkg_resources on Python 3.11, which warns.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from brainflow.board_shim import (  # type: ignore[import-untyped]
        BoardIds,
        BoardShim,
        BrainFlowError,
        BrainFlowInputParams,
    )

    # Loads the native library now (where that warning is raised), and keeps BrainFlow's own
    # log off the terminal: its failures reach us as exceptions, told in one line.
    BoardShim.disable_board_logger()

from engine.errors import ConfigError, DeviceError, LinkLostError
from engine.messages import ChannelInfo, SourceInfo
from engine.runtime.channels import DropOldestRing
from sensors.board_counter import CounterUnwrapper
from sensors.brainflow_boards import PLAYBACK, BoardChoice
from sensors.named_channels import with_channels
from sensors.source import SourceItem, opened
from sensors.stamped_timeline import StampedTimeline

log = logging.getLogger(__name__)

#: How often the reader thread asks the board for new samples, in seconds.
POLL_S = 0.01
#: Samples BrainFlow keeps for us between polls (its ring; far more than one poll's worth).
BOARD_BUFFER = 450_000
#: Chunks the Trio-side ring holds (about 20 s at one chunk per poll).
RING_CAPACITY = 2048


@dataclass(frozen=True, slots=True)
class BoardChunk:
    """Samples from the reader thread of connection ``link``: rows EMG…, counter, timestamp."""

    link: int
    rows: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BoardDown:
    """The board of connection ``link`` failed (``why``)."""

    link: int
    why: str


@dataclass(frozen=True, slots=True)
class Reconnect:
    """Back-off between attempts to prepare the board again: doubling up to ``max_s``."""

    initial_s: float = 0.5
    max_s: float = 5.0


def _hand_over(token: trio.lowlevel.TrioToken, put: Callable[[Any], None], item: object) -> bool:
    """Schedule ``put(item)`` on the Trio thread; False once that Trio run has finished."""
    try:
        token.run_sync_soon(put, item)
    except trio.RunFinishedError:
        return False
    return True


class _Reader:
    """The thread polling one prepared, streaming board until told to stop or it fails."""

    def __init__(self, board: BoardShim, link: int, rows: list[int],
                 token: trio.lowlevel.TrioToken, put: Callable[[Any], None]) -> None:
        self._board, self._link, self._rows = board, link, rows
        self._token, self._put = token, put
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"myoplay-brainflow-{link}",
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                data = self._board.get_board_data()
            except BrainFlowError as error:
                _hand_over(self._token, self._put, BoardDown(self._link, str(error)))
                return
            if data.shape[1]:
                chunk = BoardChunk(self._link, np.ascontiguousarray(data[self._rows]))
                if not _hand_over(self._token, self._put, chunk):
                    return
            self.stop.wait(POLL_S)


def _board_id(member: str) -> int:
    value: int = getattr(BoardIds, member).value
    return value


class BrainflowSource:
    """A BrainFlow board's EMG channels, with exact gaps and reconnects."""

    def __init__(self, choice: BoardChoice, *, serial_port: str = "", mac_address: str = "",
                 source_id: str = "brainflow", silence_s: float = 2.0,
                 reconnect: Reconnect | None = None) -> None:
        self.choice = choice
        self._params = BrainFlowInputParams()
        self._params.serial_port = serial_port
        self._params.mac_address = mac_address
        self._board_id = _board_id(choice.board_member)
        layout_id = self._board_id
        if choice.file is not None:
            self._params.file = str(choice.file)
            master = choice.master_member
            assert master is not None
            layout_id = self._params.master_board = _board_id(master)
        try:
            emg = list(BoardShim.get_emg_channels(layout_id))
            rate_hz = float(BoardShim.get_sampling_rate(layout_id))
            counter = BoardShim.get_package_num_channel(layout_id)
            stamp = BoardShim.get_timestamp_channel(layout_id)
        except BrainFlowError as error:
            raise ConfigError(f"{choice.describe()} has no EMG channels: {error}") from None
        self._rows = [*emg, counter, stamp]
        self._info = SourceInfo(
            source_id=source_id, name=choice.describe(), kind="brainflow", rate_hz=rate_hz,
            channels=tuple(ChannelInfo(f"emg{i + 1}", "") for i in range(len(emg))),
            dtype="<f8", scale=1.0, unit="uV", device_clock="counter",
        )
        self._silence_s = silence_s
        self._reconnect = reconnect or Reconnect()
        self._board: BoardShim | None = None
        self._reader: _Reader | None = None
        self._ring: DropOldestRing[BoardChunk | BoardDown] = DropOldestRing(
            "brainflow→sensor", RING_CAPACITY)
        self._link = 0
        self._unwrapper = CounterUnwrapper(rate_hz)
        self._timeline = StampedTimeline(source_id, rate_hz)
        self._closed = False
        self.links_lost = 0
        self.ring_dropped = 0

    @property
    def info(self) -> SourceInfo:
        return self._info

    @property
    def samples_lost(self) -> int:
        return self._timeline.samples_lost

    def use_channels(self, channels: tuple[ChannelInfo, ...]) -> None:
        """Name the muscle and side of each channel (``--map``), before streaming."""
        self._info = with_channels(self.info, channels)

    async def open(self) -> None:
        """Prepare the board and start it streaming; :class:`DeviceError` if it cannot."""
        if self._board is not None:
            return
        board = BoardShim(self._board_id, self._params)
        try:
            await trio.to_thread.run_sync(self._start, board)
        except BrainFlowError as error:
            raise DeviceError(f"{self.choice.describe()} did not start: {error}",
                              hint="check it is on, connected and not used by another "
                                   "program (the serial port or address)") from None
        self._board = board
        self._link += 1
        self._reader = _Reader(board, self._link, self._rows,
                               trio.lowlevel.current_trio_token(), self._ring.put_nowait)

    def _start(self, board: BoardShim) -> None:
        board.prepare_session()
        if self.choice.board == PLAYBACK:
            board.config_board("loopback_false")  # the file once, then the stream ends
        board.start_stream(BOARD_BUFFER)

    async def _stop(self) -> None:
        reader, self._reader = self._reader, None
        board, self._board = self._board, None
        if reader is not None:
            reader.stop.set()
            await trio.to_thread.run_sync(reader.thread.join, 5.0)
        if board is not None:
            await trio.to_thread.run_sync(_release, board)

    async def _restart(self) -> None:
        """Prepare the board again, waiting longer after each failed attempt."""
        wait_s = self._reconnect.initial_s
        while not self._closed:
            await self._stop()
            try:
                await self.open()
                return
            except DeviceError as error:
                log.warning("%s: %s; retrying in %.1f s", self._info.source_id, error, wait_s)
            await trio.sleep(wait_s)
            wait_s = min(2 * wait_s, self._reconnect.max_s)

    async def stream(self) -> AsyncIterator[SourceItem]:
        if self._closed:
            raise DeviceError(f"the {self.choice.describe()} source is closed")
        if self._board is None:
            await (self._restart() if self._link else self.open())
        while not self._closed:
            with trio.move_on_after(self._silence_s) as waited:
                item = await self._ring.receive()
            dropped = self._ring.take_dropped()
            if dropped:
                self.ring_dropped += dropped
                log.warning("%s: %d chunks dropped (the session fell behind)",
                            self._info.source_id, dropped)
            if waited.cancelled_caught:
                if self.choice.board == PLAYBACK:
                    return  # the file has been played to its end
                await self._lost(f"no samples from the {self.choice.describe()} for "
                                 f"{self._silence_s:g} s")
            elif isinstance(item, BoardDown):
                if item.link == self._link:
                    await self._lost(f"the {self.choice.describe()} failed: {item.why}")
            elif item.link == self._link:
                for record in self._place(item.rows):
                    yield record

    def _place(self, rows: npt.NDArray[np.float64]) -> list[SourceItem]:
        positions = self._unwrapper.positions(rows[-2], rows[-1])
        keep = positions >= 0
        values = rows[:-2, keep].T
        return list(self._timeline.place(values, positions[keep] / self._info.rate_hz))

    async def _lost(self, why: str) -> None:
        self.links_lost += 1
        # A board prepared again numbers its packages afresh: the outage is timed, not counted.
        self._timeline.link_lost(why, exact=False)
        self._unwrapper.restart()
        with trio.CancelScope(shield=True):
            await self._stop()
        raise LinkLostError(why, hint="reconnecting to the board")

    async def aclose(self) -> None:
        self._closed = True
        with trio.CancelScope(shield=True):
            await self._stop()


def _release(board: BoardShim) -> None:
    """Stop and release ``board``, whatever state it is in."""
    for step in (board.stop_stream, board.release_session):
        try:
            step()
        except BrainFlowError as error:
            log.debug("brainflow: %s", error)


async def open_brainflow_source(choice: BoardChoice, *, serial_port: str = "",
                                mac_address: str = "") -> BrainflowSource:
    """Prepare and start the board ``choice`` names; returns a streaming-ready source."""
    source = BrainflowSource(choice, serial_port=serial_port, mac_address=mac_address)
    return await opened(source)
