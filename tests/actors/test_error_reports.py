"""Supervision events recorded as error records, in sample time, even when the channel is full."""

from __future__ import annotations

from actors.error_reports import ErrorRecording, error_report
from actors.record_backlog import RecordBacklog
from engine.messages import ErrorReport, Record
from engine.runtime.channels import LosslessChannel
from engine.runtime.events import SupervisionEvent


def event(kind: str, reason: str = "") -> SupervisionEvent:
    return SupervisionEvent(12.5, "session", "dsp", kind, reason)  # type: ignore[arg-type]


def test_faults_become_one_line_records_and_normal_life_does_not():
    report = error_report(event("crashed", "ValueError: bad\nframe"), 4_000)
    assert report == ErrorReport(4_000, "dsp", "crashed under session: ValueError: bad frame")
    assert error_report(event("restarted"), 1) == ErrorReport(1, "dsp", "restarted under session")
    for kind in ("started", "stopped", "exited"):
        assert error_report(event(kind), 1) is None


def test_a_full_channel_sends_the_record_to_the_backlog(tmp_path):
    records: LosslessChannel[Record] = LosslessChannel("→recorder", 1)
    backlog = RecordBacklog(None, records)  # type: ignore[arg-type]  # never writes here
    recording = ErrorRecording(records, backlog, lambda: 7)
    recording(event("crashed", "a"))
    recording(event("crashed", "b"))
    recording(event("started"))
    assert records.receive_nowait() == ErrorReport(7, "dsp", "crashed under session: a")
    assert (records.qsize, backlog.pending) == (0, 1)
