"""Remote changes from clinic dashboards (``myoplay play --publish --allow-remote``).

:class:`ControlListener` is the network side, used from one worker thread at a time: it keeps
resolving control streams (LSL type ``MyoplayControl``) in the background, since dashboards
come and go, opens an inlet on each new one, drops those that vanished, and pulls their rows.
:class:`RemoteControlActor` is the thin shell: it waits for rows in a worker thread, so
resolving and pulling never hold up the event loop (sensing, judging, recording), and hands
each to the pure :class:`~actors.station_control.ControlDesk`, which answers with the inputs
to send (``remote.by`` naming who, then the setting) or refuses the row in one line on stderr.
The inputs go into the session's inputs channel like a clinician's keys: the rules actor stamps
them on the session clock and records them, so a replay gives the same events.

Without ``--allow-remote`` neither exists: no inlet is ever opened.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import pylsl  # type: ignore[import-untyped]
import trio

from actors.actor_messages import ViewUpdate
from actors.input_sink import InputSink
from actors.station_control import CONTROL_TYPE, ControlDesk, ControlRefused
from engine.printable import escape_controls
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue

log = logging.getLogger(__name__)

#: A dashboard not heard of by the resolver for this long is forgotten, seconds.
FORGET_AFTER_S = 5.0
#: How often the inlets are matched with what the resolver knows, seconds.
RESOLVE_EVERY_S = 0.25
#: How long one poll waits for rows before handing back to the actor, seconds (also how long
#: the session's shutdown may wait for it).
POLL_S = 0.2
#: How often a poll looks at its inlets while waiting, seconds (a change's delay, at most).
PULL_EVERY_S = 0.02
#: How long opening a new dashboard's inlet may take before it is tried again later, seconds.
OPEN_TIMEOUT_S = 1.0
#: How long to wait after a failed poll before listening again, seconds.
RETRY_S = 1.0
#: Refused rows told on stderr per dashboard; the rest are only counted (in the desk).
TOLD_PER_DASHBOARD = 20
#: Rows one inlet keeps for a station that is slow to read them (liblsl's buffer, seconds).
CONTROL_BUFFER_S = 30


@dataclass(frozen=True, slots=True)
class ControlMessage:
    """One row as received: the dashboard's source id, its stream's uid, the row's text."""

    dashboard: str
    uid: str
    text: str


class ControlListener:
    """Every dashboard's control stream this station hears, and their rows."""

    def __init__(self) -> None:
        self._resolver = pylsl.ContinuousResolver(prop="type", value=CONTROL_TYPE,
                                                  forget_after=FORGET_AFTER_S)
        self._inlets: dict[str, tuple[str, pylsl.StreamInlet]] = {}
        self._resolved_at = -RESOLVE_EVERY_S

    @property
    def dashboards(self) -> list[str]:
        """The source ids of the control streams connected now."""
        return sorted(source_id for source_id, _ in self._inlets.values())

    def poll(self, wait_s: float = POLL_S) -> list[ControlMessage]:
        """The rows that arrived, waiting up to ``wait_s`` for one (call it in a thread)."""
        deadline = time.monotonic() + wait_s
        while True:
            if time.monotonic() - self._resolved_at >= RESOLVE_EVERY_S:
                self._resolve()
            rows = self._pull()
            if rows or time.monotonic() >= deadline:
                return rows
            time.sleep(min(PULL_EVERY_S, max(0.0, deadline - time.monotonic())))

    def _resolve(self) -> None:
        self._resolved_at = time.monotonic()
        found = {info.uid(): info for info in self._resolver.results()}
        for uid in set(self._inlets) - set(found):
            source_id, _ = self._inlets.pop(uid)
            log.info("dashboard %s gone", source_id)
        for uid, info in found.items():
            if uid in self._inlets:
                continue
            inlet = pylsl.StreamInlet(info, max_buflen=CONTROL_BUFFER_S, recover=True)
            try:
                inlet.open_stream(OPEN_TIMEOUT_S)
            except RuntimeError as error:  # pylsl's TimeoutError and LostError are RuntimeErrors
                log.warning("dashboard %s: could not connect (%s), trying again", info.source_id(),
                            error)
                continue
            self._inlets[uid] = (info.source_id(), inlet)
            log.info("dashboard %s connected", info.source_id())

    def _pull(self) -> list[ControlMessage]:
        rows: list[ControlMessage] = []
        for uid, (source_id, inlet) in list(self._inlets.items()):
            try:
                samples, _ = inlet.pull_chunk(timeout=0.0)
            except RuntimeError as error:
                log.info("dashboard %s lost (%s)", source_id, error)
                self._inlets.pop(uid, None)
                continue
            rows.extend(ControlMessage(source_id, uid, str(sample[0])) for sample in samples)
        return rows

    def close(self) -> None:
        self._inlets.clear()


def tell(line: str) -> None:
    """One line on stderr, for the person at the station."""
    print(line, file=sys.stderr, flush=True)


class RemoteControlActor(Actor):
    """Applies dashboards' control rows addressed to this station as session inputs.

    The desk (which rows were applied) belongs to the session, so a restarted actor applies
    none twice; the listener is made afresh by ``listen`` on each start.
    """

    def __init__(self, desk: ControlDesk, views: LatestValue[ViewUpdate], inputs: InputSink,
                 *, listen: Callable[[], ControlListener] = ControlListener,
                 report: Callable[[str], None] = tell) -> None:
        super().__init__("remote")
        self.desk = desk
        self.views = views
        self.inputs = inputs
        self.listen = listen
        self.report = report
        self.listener: ControlListener | None = None
        self.failed = 0
        self._told: dict[str, int] = {}
        """Refusals told per dashboard (a dashboard sending garbage must not flood the
        terminal: after :data:`TOLD_PER_DASHBOARD` they are only counted)."""
        """Polls that failed (logged once, then retried every :data:`RETRY_S`)."""

    async def setup(self) -> None:
        self.listener = self.listen()

    async def loop(self) -> None:
        listener = self.listener
        assert listener is not None
        while True:
            # Not abandoned on cancel: the poll returns within POLL_S, and the listener must
            # not be closed under a thread still using it.
            try:
                messages = await trio.to_thread.run_sync(listener.poll, POLL_S)
            except Exception:  # the network's trouble must not restart the session's actors
                self.failed += 1
                if self.failed == 1:
                    log.exception("remote control: listening failed (later failures counted)")
                await trio.sleep(RETRY_S)
                continue
            for message in messages:
                await self._take(message)

    async def teardown(self) -> None:
        if self.listener is not None:
            self.listener.close()

    async def _take(self, message: ControlMessage) -> None:
        update = self.views.get()
        try:
            changes = self.desk.take(message.dashboard, message.text,
                                     update.view if update is not None else None,
                                     stream_uid=message.uid)
        except ControlRefused as refused:
            told = self._told.get(message.dashboard, 0) + 1
            self._told[message.dashboard] = told
            if told <= TOLD_PER_DASHBOARD:
                self.report(escape_controls(
                    f"myoplay: remote change from {message.dashboard} refused: {refused}"))
            if told == TOLD_PER_DASHBOARD:
                self.report(escape_controls(
                    f"myoplay: further refused changes from {message.dashboard} are counted, "
                    "not shown"))
            return
        for change in changes:
            await self.inputs.send(change)
