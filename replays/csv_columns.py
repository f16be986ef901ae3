"""What each column of an imported CSV file is: a channel, the time, the sample index, a marker.

Column names carry more than a label in lab files: a unit (``left (µV)``, ``RF_mv``, ``Time [s]``)
and a role (``time``, ``label``, ``class``). Names are read here, once, so that a time column is
checked rather than taken for a channel, a class column becomes markers rather than a µV trace,
and the unit a header states is not contradicted by ``--units`` unnoticed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import ConfigError
from replays.csv_dialect import looks_numeric
from replays.csv_export import INDEX_COLUMN, UNIT_SUFFIXES
from replays.sample_timing import TIME_UNITS_NS

#: Sample units an import accepts, by how they are written (``--units`` and column names).
UNIT_SPELLINGS = {"v": "V", "mv": "mV", "uv": "uV", "µv": "uV", "μv": "uV", "counts": "counts"}
#: Names (case-blind, unit removed) of a time column.
TIME_NAMES = frozenset({"t", "time", "times", "timestamp", "timestamps", "seconds", "sec",
                        "elapsed", "elapsed_time", "time_stamp",
                        # Spanish, German, French, Italian, Portuguese lab software.
                        "tiempo", "zeit", "temps", "tempo"})
#: Names (case-blind) of a column of labels: each change of value becomes a marker.
MARKER_NAMES = frozenset({"label", "labels", "class", "classes", "marker", "markers", "event",
                          "events", "annotation", "annotations", "trigger", "phase", "stimulus",
                          "condition", "task", "gesture"})

#: How spreadsheets and statistics tools write a missing or non-finite value.
_MISSING = frozenset({"nan", "inf", "infinity", "na", "n/a", "null", "none", "#n/a"})
_UNIT_IN_NAME = re.compile(r"^(?P<base>.*?)[\s_]*(?:[(\[](?P<bracketed>[^()\[\]]*)[)\]])?\s*$")
_TIME_SUFFIX = re.compile(r"^(?P<base>.*?)_(?P<unit>s|ms|us|ns)$")


class ColumnRole(enum.StrEnum):
    CHANNEL = "channel"
    TIME = "time"
    INDEX = "index"
    MARKER = "marker"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its position, its name as written, its role, and what the name says."""

    position: int
    name: str
    role: ColumnRole
    label: str = ""
    """A channel's label (the name without its unit)."""
    unit: str | None = None
    """A channel's sample unit stated by its name, or None."""
    time_unit_ns: float = 1e9
    """A time column's unit, in nanoseconds."""


def split_unit(name: str) -> tuple[str, str | None]:
    """``left (µV)`` → ``("left", "uV")``; ``RF_mv`` → ``("RF", "mV")``; else the name as is."""
    match = _UNIT_IN_NAME.match(name.strip())
    if match and match["bracketed"] is not None:
        unit = UNIT_SPELLINGS.get(match["bracketed"].strip().lower())
        if unit is not None and match["base"]:
            return match["base"], unit
    lower = name.strip().lower()
    for unit, suffix in UNIT_SUFFIXES.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return name.strip()[: -len(suffix)], unit
    return name.strip(), None


def _time_unit(name: str) -> tuple[bool, float | None]:
    """Whether ``name`` names a time column (``t_ns``, ``time (ms)``, ``Zeit``), and its unit
    in nanoseconds (None for a unit not in :data:`TIME_UNITS_NS`, such as minutes)."""
    lower = name.strip().lower()
    match = _UNIT_IN_NAME.match(lower)
    if match and match["bracketed"] is not None and match["base"] in TIME_NAMES:
        return True, TIME_UNITS_NS.get(match["bracketed"].strip())
    suffixed = _TIME_SUFFIX.match(lower)
    if suffixed and suffixed["base"] in TIME_NAMES:
        return True, TIME_UNITS_NS[suffixed["unit"]]
    return (True, TIME_UNITS_NS["s"]) if lower in TIME_NAMES else (False, None)


def classify(
    header: Sequence[str] | None,
    width: int,
    *,
    time_column: str | None,
    time_unit_ns: float | None,
    markers: Collection[str],
    skipped: Collection[str],
    name: str,
    first_row: Sequence[str] | None = None,
) -> list[Column]:
    """The role of each of the ``width`` columns (names from ``header``, or ``ch1``… without
    one); ``time_column``, ``markers`` and ``skipped`` name columns chosen on the command line
    and must exist. A column whose cell in the ``first_row`` of data is text (letters, not a
    badly written number) holds labels: a marker column, whatever its name."""
    names = [cell.strip() for cell in header] if header is not None else [""] * width

    def resolve(wanted: str) -> str:
        """A column name, or a column's number (from 1) for a file without a header row."""
        if wanted in names and wanted:
            return wanted
        if wanted.isdigit() and 1 <= int(wanted) <= width:
            position = int(wanted) - 1
            names[position] = names[position] or f"column {wanted}"
            return names[position]
        known = ", ".join(repr(n) for n in names if n) or "none (the file has no header row)"
        raise ConfigError(f"{name} has no column {wanted!r}; its columns: {known}",
                          hint="name a column as its header does, or by its number from 1")

    time_column = resolve(time_column) if time_column else None
    markers = [resolve(m) for m in markers]
    skipped = [resolve(s) for s in skipped]
    columns: list[Column] = []
    channels = 0
    for position, column in enumerate(names):
        lower = column.lower()
        is_time, unit_ns = _time_unit(column)
        if column in skipped:
            columns.append(Column(position, column, ColumnRole.SKIPPED))
        elif column == time_column or is_time:
            unit_ns = time_unit_ns if time_unit_ns is not None else (
                unit_ns if is_time else TIME_UNITS_NS["s"])
            if unit_ns is None:
                raise ConfigError(f"{name}: the time column {column!r} is in a unit not read",
                                  hint=f"give its unit with --time-unit "
                                       f"({', '.join(TIME_UNITS_NS)})")
            columns.append(Column(position, column, ColumnRole.TIME, time_unit_ns=unit_ns))
        elif column == INDEX_COLUMN:
            columns.append(Column(position, column, ColumnRole.INDEX))
        elif column in markers or lower in MARKER_NAMES or (
                first_row is not None and position < len(first_row)
                and _is_text(first_row[position])):
            column = column or f"column {position + 1}"
            columns.append(Column(position, column, ColumnRole.MARKER))
        else:
            channels += 1
            label, unit = split_unit(column)
            columns.append(Column(position, column, ColumnRole.CHANNEL,
                                  label=label or f"ch{channels}", unit=unit))
    times = [c.name for c in columns if c.role is ColumnRole.TIME]
    if len(times) > 1:
        raise ConfigError(f"{name} has {len(times)} time columns ({', '.join(times)})",
                          hint="choose one with --time-column and --skip the others")
    return columns


def _is_text(cell: str) -> bool:
    """Letters that are not a missing or non-finite value (those are refused as numbers)."""
    text = cell.strip()
    return bool(text) and not looks_numeric(text) and text.lower().lstrip("+-") not in _MISSING


def sample_unit(columns: Sequence[Column], given: str | None, name: str) -> str:
    """The unit of the channels: ``given`` (``--units``), or the one every channel's name states,
    or µV; a name stating another unit than ``given`` is refused (one of them is wrong)."""
    stated = {c.unit for c in columns if c.role is ColumnRole.CHANNEL and c.unit is not None}
    if given is not None:
        unit = UNIT_SPELLINGS.get(given.lower())
        if unit is None:
            raise ConfigError(f"--units {given!r} is not a unit of samples",
                              hint="use V, mV, uV or counts")
        contradicted = stated - {unit}
        if contradicted:
            raise ConfigError(f"--units {given} contradicts the column names of {name}, which "
                              f"say {', '.join(sorted(contradicted))}",
                              hint="check the file's header and the --units option")
        return unit
    if len(stated) > 1:
        raise ConfigError(f"the channels of {name} are in different units "
                          f"({', '.join(sorted(stated))})",
                          hint="import them separately (--skip), or convert first")
    return stated.pop() if stated else "uV"


def relabel(columns: list[Column], labels: Sequence[str] | None, name: str) -> list[Column]:
    """Channels renamed by ``labels`` (``--labels``), one per channel column; labels unique."""
    channels = [c for c in columns if c.role is ColumnRole.CHANNEL]
    if labels is not None:
        if len(labels) != len(channels):
            raise ConfigError(
                f"{len(labels)} labels given for the {len(channels)} channel columns of {name}"
            )
        renamed: Mapping[int, str] = {c.position: label for c, label in zip(
            channels, labels, strict=True)}
        columns = [Column(c.position, c.name, c.role, renamed[c.position], c.unit, c.time_unit_ns)
                   if c.position in renamed else c for c in columns]
        channels = [c for c in columns if c.role is ColumnRole.CHANNEL]
    if not channels:
        raise ConfigError(f"{name} has no channel columns")
    shown = [c.label for c in channels]
    if len(set(shown)) != len(shown):
        raise ConfigError(f"channel labels repeat in {name}: {', '.join(shown)}",
                          hint="give distinct names with --labels")
    return columns
