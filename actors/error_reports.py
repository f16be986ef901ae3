"""Supervision events written into the recording as error records, in session time.

Every crash, restart, give-up, stop overrun and skipped poison input is part of what happened
in a session, so the recording keeps it next to the samples: a reader of the file sees why a
gap is there or why the session stopped. The supervisor stamps its events with Trio time, which
means nothing in a replay; the record is stamped instead with the session's sample time when it
happened (the time the rules' inputs are stamped with), so it sits in the recording's own
timeline.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from actors.record_backlog import RecordBacklog
from engine.errors import ChannelOverflowError
from engine.messages import ErrorReport, Record
from engine.runtime.channels import LosslessChannel
from engine.runtime.events import EventKind, SupervisionEvent

#: The supervision events that are faults. Starts and ordered stops are the normal life of a
#: session and are left out.
RECORDED_KINDS: frozenset[EventKind] = frozenset(
    {"crashed", "restarted", "gave_up", "stop_timeout", "poisoned"}
)


def error_report(event: SupervisionEvent, t_ns: int) -> ErrorReport | None:
    """The error record for ``event`` at session time ``t_ns``, or None for a normal event.

    The record's actor is the child the event is about; its message says what happened and why,
    on one line, like the supervision log.
    """
    if event.kind not in RECORDED_KINDS:
        return None
    what = f"{event.kind} under {event.supervisor_id}"
    message = f"{what}: {event.reason}" if event.reason else what
    return ErrorReport(t_ns, event.child_id, " ".join(message.split()))


class ErrorRecording:
    """A :class:`~engine.runtime.events.SupervisionLog` subscriber that records the faults.

    Records go through the recorder's channel, in order with everything else. If that channel
    is full or closed (the recorder has fallen behind: the fault being reported, perhaps), the
    record joins the backlog directly, since a subscriber runs inside the supervisor and must
    not raise.
    """

    def __init__(
        self,
        records: LosslessChannel[Record],
        backlog: RecordBacklog,
        session_t_ns: Callable[[], int],
    ) -> None:
        self.records = records
        self.backlog = backlog
        self.session_t_ns = session_t_ns

    def __call__(self, event: SupervisionEvent) -> None:
        report = error_report(event, self.session_t_ns())
        if report is None:
            return
        try:
            self.records.send_nowait(report)
        except (ChannelOverflowError, trio.ClosedResourceError):
            self.backlog.add(report)
