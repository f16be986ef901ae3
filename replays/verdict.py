"""How a replay's outputs compare with those recorded live, and where they first differ.

Three outcomes, over the two lists of outputs (rule events and finished calibrations, see
:func:`engine.offline.is_output`) in their plain :meth:`~engine.messages.Record.to_list` form:

- identical: every value equal, floats bit for bit (any NaN equals any NaN: a NaN's payload
  bits carry no meaning, and libraries differ in the ones they produce);
- rounding: the same events, whose numbers differ by at most :data:`ROUNDING_TOLERANCE`
  relative, as when another numpy or scipy rounds the last bits of a filter differently;
- different: another count of outputs, another type, kind, subject, sample time or any other
  value, or a number further off than rounding explains.

Pure logic with no I/O: ``myoplay replay`` prints :meth:`ReplayVerdict.describe` and decides,
from the versions that made the recording, whether a difference is a bug.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.clock import ns_to_s
from engine.messages import ConfigChange, PlainValue, Record, RuleEvent
from engine.offline import output_fields

#: Largest relative difference between two numbers that still counts as rounding. Another
#: library version moves the last bits of a float64 (about 1e-16 relative), which the filters
#: and sums downstream carry along and can grow; a change of behaviour moves a number by far
#: more than 1e-9.
ROUNDING_TOLERANCE = 1e-9

Outcome = Literal["identical", "rounding", "different"]


@dataclass(frozen=True, slots=True)
class FieldDifference:
    """One field that differs between two outputs.

    ``path`` names it inside the output (``t_ns``, ``data.mean_pct``,
    ``value.reference_uv[2]``); ``relative`` is how far apart two numbers are relative to the
    larger, and infinite for any other difference.
    """

    path: str
    recorded: PlainValue
    replayed: PlainValue
    relative: float


@dataclass(frozen=True, slots=True)
class OutputDifference:
    """The first output that differs, by its index in both lists.

    ``recorded`` or ``replayed`` is None when that side has no output at ``index`` (the replay
    misses one, or gives an extra one); otherwise ``field`` is the first field that differs.
    """

    index: int
    recorded: Record | None
    replayed: Record | None
    field: FieldDifference | None = None

    def describe(self) -> str:
        where = f"output {self.index}"
        if self.recorded is not None and self.field is not None:
            return (
                f"{where} ({_name(self.recorded)}): {self.field.path} is "
                f"{self.field.recorded!r} live, {self.field.replayed!r} in the replay"
            )
        if self.recorded is not None:
            return f"{where} ({_name(self.recorded)}) was recorded live, the replay lacks it"
        assert self.replayed is not None, "a difference has an output on one side at least"
        return f"{where} ({_name(self.replayed)}) is the replay's only, not recorded live"


@dataclass(frozen=True, slots=True)
class ReplayVerdict:
    """The outcome, and the first difference (None when identical).

    ``largest_relative`` is, for a rounding outcome, the largest relative difference between
    two numbers over all the outputs; 0 otherwise.
    """

    outcome: Outcome
    first: OutputDifference | None = None
    largest_relative: float = 0.0

    def describe(self) -> str:
        """One line for ``myoplay replay``."""
        if self.first is None:
            return "identical to the events recorded live"
        if self.outcome == "rounding":
            return (
                f"the same events as recorded live, their numbers within "
                f"{self.largest_relative:.2g} relative; the first to differ: "
                f"{self.first.describe()}"
            )
        return f"the events differ from the ones recorded live: {self.first.describe()}"


def compare_outputs(recorded: Sequence[Record], replayed: Sequence[Record]) -> ReplayVerdict:
    """The verdict on ``replayed`` against ``recorded``, both outputs in the order produced."""
    largest = 0.0
    first_rounding: OutputDifference | None = None
    for index in range(max(len(recorded), len(replayed))):
        if index >= len(recorded) or index >= len(replayed):
            missing_or_extra = OutputDifference(
                index,
                recorded[index] if index < len(recorded) else None,
                replayed[index] if index < len(replayed) else None,
            )
            return ReplayVerdict("different", missing_or_extra)
        live, here = recorded[index], replayed[index]
        for field in _output_differences(live, here):
            difference = OutputDifference(index, live, here, field)
            if field.relative > ROUNDING_TOLERANCE:
                return ReplayVerdict("different", difference)
            largest = max(largest, field.relative)
            if first_rounding is None:
                first_rounding = difference
    if first_rounding is None:
        return ReplayVerdict("identical")
    return ReplayVerdict("rounding", first_rounding, largest)


def _output_differences(live: Record, here: Record) -> Iterator[FieldDifference]:
    """Every field that differs, in field order (nested mappings by key, lists by index)."""
    ours, theirs = output_fields(live), output_fields(here)
    if ours["type"] != theirs["type"]:
        # Outputs of two types have different fields: their type is the difference.
        yield FieldDifference("type", ours["type"], theirs["type"], math.inf)
        return
    for name, value in ours.items():
        yield from _differences(name, value, theirs[name])


def _differences(path: str, live: PlainValue, here: PlainValue) -> Iterator[FieldDifference]:
    if isinstance(live, float) and isinstance(here, float):
        if not _same_float(live, here):
            yield FieldDifference(path, live, here, _relative(live, here))
    elif type(live) is not type(here):  # an int is no float and a bool no int, here
        yield FieldDifference(path, live, here, math.inf)
    elif isinstance(live, dict) and isinstance(here, dict) and live.keys() == here.keys():
        for key, value in live.items():
            yield from _differences(f"{path}.{key}", value, here[key])
    elif isinstance(live, list) and isinstance(here, list) and len(live) == len(here):
        for index, (ours, theirs) in enumerate(zip(live, here, strict=True)):
            yield from _differences(f"{path}[{index}]", ours, theirs)
    elif live != here:  # any other value, or mappings or lists of another shape
        yield FieldDifference(path, live, here, math.inf)


def _same_float(a: float, b: float) -> bool:
    """Bit for bit (so 0.0 is not -0.0), except that any NaN equals any NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _relative(a: float, b: float) -> float:
    """|a − b| relative to the larger of the two; infinite when either is not finite."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    if a == b:  # 0.0 and -0.0
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def _name(output: Record) -> str:
    """An output as the verdict names it: "event hold_started on quadriceps:left at 21.640 s"."""
    if isinstance(output, RuleEvent):
        subject = f" on {output.subject}" if output.subject else ""
        return f"event {output.kind}{subject} at {ns_to_s(output.t_ns):.3f} s"
    if isinstance(output, ConfigChange):
        return f"config {output.key} at {ns_to_s(output.t_ns):.3f} s"
    raise ValueError(f"a {output.TAG!r} record is not an output")
