"""Errors met while acting on a file's records, made to name the file and the record.

The reader names the record of everything it refuses. What it hands out can still be refused
further on, by the engine's own checks (a recorded setting that does not fit, a calibration for
another pipeline, frames out of order); such an error knows nothing of files, so the command's
caller wraps the work on each record in :func:`naming_records`, or, where the engine judges
several records at once, asks :class:`InputOrigins` which record the error came from.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable, Iterator

from engine.clock import sample_offset_ns
from engine.errors import MyoplayError, ReplayError, SignalError
from engine.messages import Gap, SampleFrame


@contextlib.contextmanager
def naming_records(name: str, where: str) -> Iterator[None]:
    """Re-raise a :class:`MyoplayError` from the block as a :class:`ReplayError` that starts
    with the file ``name`` and ``where`` (e.g. "record 13"), unless it already names the file."""
    try:
        yield
    except MyoplayError as error:
        raise named(error, name, where) from None


def named(error: MyoplayError, name: str, where: str) -> MyoplayError:
    """``error`` as a :class:`ReplayError` starting with the file ``name`` and ``where``, or
    as it is if it already names the file."""
    if error.message.startswith(name):
        return error
    return ReplayError(f"{name}: {where}: {error.message}", hint=error.hint)


class InputOrigins:
    """The file records of the inputs an engine was given, in the order it applies them.

    The engine applies an input while it judges the samples its stamp falls among, so an error
    applying it surfaces while stepping a frame. :meth:`where` names the input's record then
    (the inputs due in that step), and the frame's for an error in the samples themselves.
    """

    def __init__(self) -> None:
        self._inputs: list[tuple[int, int]] = []  # (t_ns, index in the file), by t_ns, stable

    def expect(self, inputs: Iterable[tuple[int, int]]) -> None:
        """The inputs given all at once (as ``OfflineEngine.expect``), as (t_ns, index)."""
        self._inputs = sorted(inputs, key=lambda pair: pair[0])

    def add(self, t_ns: int, index: int) -> None:
        """One more input (as ``OfflineEngine.add``: after those of the same stamp)."""
        bisect.insort_right(self._inputs, (t_ns, index), key=lambda pair: pair[0])

    def where(self, error: MyoplayError, item: SampleFrame | Gap, item_index: int,
              from_ns: int, rate_hz: float) -> str:
        """Which record an error came from, raised stepping ``item`` (of record ``item_index``)
        when the samples up to ``from_ns`` had been judged."""
        if isinstance(error, SignalError):
            return f"record {item_index}"
        start = bisect.bisect_left(self._inputs, from_ns, key=lambda pair: pair[0])
        stop = bisect.bisect_left(self._inputs, item_end_ns(item, rate_hz),
                                  key=lambda pair: pair[0])
        due = [index for _, index in self._inputs[start:stop]]
        if not due:
            return f"record {item_index}"
        if len(due) == 1:
            return f"record {due[0]}"
        listed = ", ".join(str(index) for index in due)
        return f"records {listed} (the inputs applied while judging record {item_index})"


def item_end_ns(item: SampleFrame | Gap, rate_hz: float) -> int:
    """Session time just after a frame's last sample, or at a gap's end."""
    if isinstance(item, Gap):
        return item.t_ns + item.duration_ns
    return item.t_ns + sample_offset_ns(item.n_samples, rate_hz)
