"""What an exercise comparison tests: the variations a client performs in turn, the muscle they
are meant to work, the muscles that may take over, and the measure that ranks them.

Group studies rank exercises for a muscle (the barbell hip thrust first for the gluteus
maximus), but a given client may activate more in another variation, and a cue ("squeeze your
glutes at the top") may or may not change what a client does: a comparison protocol
(``kind = "compare"``) lets the clinician test that on this client. A cue A/B test is the same
mechanism with two variations, the same exercise without and with the cue.

In a protocol file (see ``docs/protocols.md``)::

    [comparison]      metric = "mean_pct" | "peak_pct" | "target_share" | "symmetry",
                      targets = [target.muscle], compensators = [], confidence_pct = 95
    [[variation]]     id, name, instruction (required); reps = timing.reps,
                      rest_s = timing.rest_s, cue = no cue

:func:`comparison_from_tables` reads and checks those tables (one
:class:`~engine.errors.ProtocolFileError` line naming the field, like every protocol field).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.muscle_names import KNOWN_MUSCLES, MAX_MUSCLE_NAME_CHARS, normalise_muscle
from engine.protocol_fields import MAX_LIST_ITEMS, FieldReader, echo, echo_typed

MIN_VARIATIONS = 2
"""A comparison needs at least two things to compare."""
MAX_VARIATIONS = 8
"""More variations than fit in one sitting without fatigue deciding the ranking."""
MIN_COMPARISON_REPS = 2
"""Fewest reps of one variation: rep-to-rep variation needs two reps to be estimated at all."""
MAX_COMPARISON_REPS = 30
MAX_INSTRUCTION_CHARS = 200
MAX_CUE_CHARS = 120
MAX_VARIATION_ID_CHARS = 40
MIN_CONFIDENCE_PCT = 50.0
MAX_CONFIDENCE_PCT = 99.9
DEFAULT_CONFIDENCE_PCT = 95.0


class ComparisonMetric(enum.StrEnum):
    """What ranks the variations, per rep over its working phase."""

    MEAN_PCT = "mean_pct"
    """Mean %MVC of the target muscle(s)."""
    PEAK_PCT = "peak_pct"
    """Peak %MVC of the target muscle(s)."""
    TARGET_SHARE = "target_share"
    """The target's share of target plus compensators, in % (the "40 % glute, 60 % hamstring"
    of a hip extension): higher means the target does more of the work."""
    SYMMETRY = "symmetry"
    """The absolute symmetry angle of the target's left and right sides, in % (0 symmetric):
    lower is better."""

    @property
    def higher_is_better(self) -> bool:
        return self is not ComparisonMetric.SYMMETRY

    @property
    def unit(self) -> str:
        return "%MVC" if self in (ComparisonMetric.MEAN_PCT, ComparisonMetric.PEAK_PCT) else "%"

    @property
    def label(self) -> str:
        """How a table or chart names it."""
        return {
            ComparisonMetric.MEAN_PCT: "mean activation",
            ComparisonMetric.PEAK_PCT: "peak activation",
            ComparisonMetric.TARGET_SHARE: "target share",
            ComparisonMetric.SYMMETRY: "asymmetry (|symmetry angle|)",
        }[self]


@dataclass(frozen=True, slots=True)
class Variation:
    """One exercise variation (or one arm of a cue test) and how it is performed."""

    id: str
    name: str
    instruction: str
    reps: int
    rest_s: float
    """Rest between two of its reps, s."""
    cue: str | None = None
    """The cue given while it is performed (a cue test's "with" arm)."""


@dataclass(frozen=True, slots=True)
class ComparisonPlan:
    """The variations in the order performed, the muscles and the ranking measure."""

    variations: tuple[Variation, ...]
    targets: tuple[str, ...]
    """Target muscles (normalised names); the first is the protocol's ``target.muscle``."""
    compensators: tuple[str, ...]
    metric: ComparisonMetric
    confidence: float = DEFAULT_CONFIDENCE_PCT / 100
    """Confidence level of every interval, as a fraction."""

    @property
    def total_reps(self) -> int:
        return sum(v.reps for v in self.variations)

    @property
    def is_cue_test(self) -> bool:
        """Two variations of which exactly one gives a cue: its result is the cue's effect."""
        return len(self.variations) == 2 and sum(v.cue is not None for v in self.variations) == 1

    def variation(self, variation_id: str) -> Variation:
        for variation in self.variations:
            if variation.id == variation_id:
                return variation
        raise KeyError(variation_id)

    def find(self, text: str) -> Variation | None:
        """The variation a marker's text names, by id or name, blind to case, spaces,
        hyphens and underscores (an EDF annotation "Hip thrust", a CSV marker "hip-thrust")."""
        key = _marker_key(text)
        for variation in self.variations:
            if key in (_marker_key(variation.id), _marker_key(variation.name)):
                return variation
        return None

    def to_plain(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The ``[comparison]`` table and the ``[[variation]]`` list, as in a file."""
        table: dict[str, Any] = {
            "metric": self.metric.value,
            "targets": list(self.targets),
            "compensators": list(self.compensators),
            "confidence_pct": self.confidence * 100,
        }
        variations = []
        for v in self.variations:
            plain: dict[str, Any] = {"id": v.id, "name": v.name, "instruction": v.instruction,
                                     "reps": v.reps, "rest_s": v.rest_s}
            if v.cue is not None:
                plain["cue"] = v.cue
            variations.append(plain)
        return table, variations


def _marker_key(text: str) -> str:
    return "".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def _muscles(table: FieldReader, key: str, default: Sequence[str]) -> tuple[str, ...]:
    allowed = "a list of known muscles, each once (e.g. [\"hamstrings\"])"
    out: list[str] = []
    for item in table.items(key, default, allowed):
        if not isinstance(item, str) or len(item) > MAX_MUSCLE_NAME_CHARS:
            raise table.fail(key, f"contains {echo_typed(item)}", allowed)
        name = normalise_muscle(item)
        if name not in KNOWN_MUSCLES:
            raise table.fail(key, f"contains {echo(name)}, not a known muscle",
                             "known muscles: " + ", ".join(sorted(KNOWN_MUSCLES)))
        if name in out:
            raise table.fail(key, f"names {echo(name)} twice", allowed)
        out.append(name)
    return tuple(out)


def comparison_from_tables(
    table: FieldReader | None,
    variations: object,
    root: FieldReader,
    target_muscle: str,
    default_reps: int,
    default_rest_s: float,
    min_rest_s: float,
    max_rest_s: float,
) -> ComparisonPlan:
    """The plan of a ``kind = "compare"`` protocol from its ``[comparison]`` table (optional)
    and its ``variation`` list (``root`` reads it and names it in errors)."""
    if table is None:
        table = FieldReader({}, "comparison", root.source)
    table.expect("metric", "targets", "compensators", "confidence_pct")
    metric = ComparisonMetric(table.choice("metric", ComparisonMetric.MEAN_PCT.value,
                                           [m.value for m in ComparisonMetric]))
    targets = _muscles(table, "targets", (target_muscle,))
    if not targets:
        raise table.fail("targets", "is empty", "at least the target muscle")
    if targets[0] != target_muscle:
        raise table.fail("targets", f"starts with {echo(targets[0])}",
                         f"a list starting with target.muscle ({target_muscle!r})")
    compensators = _muscles(table, "compensators", ())
    both = sorted(set(targets) & set(compensators))
    if both:
        raise table.fail("compensators", f"names the target {echo(both[0])}",
                         "muscles other than the targets")
    if metric is ComparisonMetric.TARGET_SHARE and not compensators:
        raise table.fail("compensators", "is empty", "at least one muscle for metric "
                         "'target_share' (the share is of target plus compensators)")
    confidence = table.number("confidence_pct", DEFAULT_CONFIDENCE_PCT, MIN_CONFIDENCE_PCT,
                              MAX_CONFIDENCE_PCT)
    allowed = (f"{MIN_VARIATIONS} to {MAX_VARIATIONS} [[variation]] tables, each with id, "
               "name and instruction")
    if variations is None:
        raise root.fail("variation", "is missing", allowed)
    if not isinstance(variations, list):
        raise root.fail("variation", f"is {echo_typed(variations)}", allowed)
    if not MIN_VARIATIONS <= len(variations) <= min(MAX_VARIATIONS, MAX_LIST_ITEMS):
        raise root.fail("variation", f"has {len(variations)} variations", allowed)
    read: list[Variation] = []
    for i, item in enumerate(variations):
        if not isinstance(item, dict):
            raise root.fail(f"variation[{i}]", f"is {echo_typed(item)}", "a table")
        read.append(_variation(FieldReader(item, f"variation[{i}]", root.source),
                               default_reps, default_rest_s, min_rest_s, max_rest_s))
    for i, variation in enumerate(read):
        for other in read[:i]:
            if _marker_key(variation.id) in (_marker_key(other.id), _marker_key(other.name)) \
                    or _marker_key(variation.name) in (_marker_key(other.id),
                                                       _marker_key(other.name)):
                raise root.fail(f"variation[{i}].id", f"is {echo(variation.id)}, named like "
                                f"the variation {echo(other.id)}",
                                "ids and names that tell the variations apart (a marker "
                                "names one by id or name)")
    return ComparisonPlan(tuple(read), targets, compensators, metric, confidence / 100)


def _variation(table: FieldReader, default_reps: int, default_rest_s: float, min_rest_s: float,
               max_rest_s: float) -> Variation:
    table.expect("id", "name", "instruction", "reps", "rest_s", "cue")
    variation_id = table.text("id", max_chars=MAX_VARIATION_ID_CHARS)
    if not all(c.isalnum() or c in "_-" for c in variation_id):
        raise table.fail("id", f"is {echo(variation_id)}",
                         "letters, digits, '_' and '-' (it names the variation in files)")
    return Variation(
        id=variation_id,
        name=table.text("name", max_chars=MAX_VARIATION_ID_CHARS * 2),
        instruction=table.text("instruction", max_chars=MAX_INSTRUCTION_CHARS),
        reps=table.integer("reps", min(max(default_reps, MIN_COMPARISON_REPS),
                                       MAX_COMPARISON_REPS),
                           MIN_COMPARISON_REPS, MAX_COMPARISON_REPS),
        rest_s=table.number("rest_s", default_rest_s, min_rest_s, max_rest_s),
        cue=table.text("cue", max_chars=MAX_CUE_CHARS) if table.has("cue") else None,
    )
