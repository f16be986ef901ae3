"""Exercise protocols: declarative TOML files that say what to train and how it is judged.

A protocol names the target muscle and side, the %MVC band (or, for a relaxation drill, the line
to stay below), the hold, rest, rep and set timing, and which rules apply with their parameters
(symmetry, compensation, quality gating, progression, adaptive difficulty, feedback schedule).
Built-in protocols ship in ``engine/builtin_protocols/``; users write their own in the same format.

Every file is checked completely before use, field by field for type and range (the bounds are
the constants below and are listed in ``docs/protocols.md``: minimum holds and rests, a cap on
reps in all however they are given, known muscles, short printable text, a bounded file size and
nesting). A bad file raises :class:`~engine.errors.ProtocolFileError` with one message that names
the file, the field and what is allowed, because a physiotherapist editing a file needs to know
exactly what to fix; a hostile one gets the same single line, never a traceback.

The validated :class:`Protocol` converts to plain data (:meth:`Protocol.to_plain`) and back
(:func:`protocol_from_plain`), so a session log can carry the exact protocol it ran.

File layout (optional keys show their default)::

    id = "<file name>"        name = "..." (required)   kind = "hold" | "relax" | "mvc" |
                                                        "compare"
    description = ""          modes = the training modes that suit it (default: by kind and side)
    [target]       muscle (required), side = "both" | "left" | "right" | "involved",
                   hold: low_pct, high_pct (1 <= low, low + 2 <= high <= 150); relax: line_pct;
                   mvc: effort_pct = 20; hysteresis_pct = 2, dwell_s = 0.2
    [timing]       hold_s (required, 0.5-300), rest_s (required, >= 0.5), reps or set_s (one
                   of them; at most 1000 reps in all, sets included),
                   ready_s = 3, contract_s = hold_s + 5 (time limit of one attempt, ≤ 600),
                   sets = 1, set_rest_s = rest_s, dip_tolerance_s = min(0.5, hold_s / 2)
    [symmetry]     metric = "lsi" | "symmetry_angle" | "robinson", threshold_pct,
                   hysteresis_pct = 3, window_s = 1, min_activation_pct = 10,
                   min_duration_s = 1, muscle = target muscle,
                   hold_success = "each_side" | "mean" (default "each_side" when side = "both")
    [compensation] numerator, denominator (muscles), metric = "ratio" | "cci", limit,
                   hysteresis = 0, window_s = 0.5, min_activation_pct = 10,
                   min_duration_s = 1, cooldown_s = 5, during_alert = "fail" | "count_and_mark"
    [quality]      pause_on = ["saturated", "flat", "mains", "lift_off", "gap", "nonfinite"],
                   resume_after_s = 1
    [progression]  min_peak_pct = 70, min_symmetry_pct (needs [symmetry]), last_reps = 5,
                   across sessions: sessions_needed = 2, of_last = 3,
                   no_compensation_alert_in_last = true; the next step: next = "<protocol id>"
                   or next_band_pct = [low, high] (hold only)
    [adaptive]     window_reps = 3, step_pct = 5, hold_step_s = 0, low_min_pct, low_max_pct,
                   hold_min_s, hold_max_s (bounds default to the starting values),
                   ceiling_pct = low_max_pct + band width (the band's top never passes it),
                   max_rise_per_session_pct = 10 (the band's total rise in one session)
    [feedback]     mode = "concurrent" | "bandwidth" | "faded", bandwidth_pct = 5,
                   fade_stages = [1.0, 0.5, 0.0]
    [comparison], [[variation]]   compare only: see :mod:`engine.comparison_plan`
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from engine.comparison_plan import ComparisonPlan, comparison_from_tables
from engine.errors import ProtocolFileError
from engine.messages import PlainValue, QualityFlag, canonical
from engine.muscle_names import KNOWN_MUSCLES, MAX_MUSCLE_NAME_CHARS, normalise_muscle
from engine.protocol_fields import MAX_NESTING, FieldReader, check_shape, echo, echo_typed

KINDS = ("hold", "relax", "mvc", "compare")
"""``hold``: stay in a %MVC band; ``relax``: stay below a line; ``mvc``: timed maximal efforts;
``compare``: exercise variations (or a cue and no cue) ranked by what the target muscle does
(:mod:`engine.comparison_plan`)."""
TARGET_SIDES = ("left", "right", "both", "involved")
SYMMETRY_METRICS = ("lsi", "symmetry_angle", "robinson")
COMPENSATION_METRICS = ("ratio", "cci")
FEEDBACK_MODES = ("concurrent", "bandwidth", "faded")
BAND_MODE_NAMES = ("hold", "symmetry", "runner", "clinician")
"""The training modes of a protocol with a band or a line (``hold``, ``relax``), in the order
they are offered; also the modes of a :class:`Protocol` built without a file."""
MVC_MODE_NAMES = ("mvc_test", "clinician")
"""The training modes of a maximal test: its own screen (efforts, peaks, the result), then the
clinician's live signals."""
COMPARE_MODE_NAMES = ("exercise_lab",)
"""The training mode of a comparison: the guided exercise lab (variation, rep counter, result)."""
TRAINING_MODE_NAMES = (*BAND_MODE_NAMES, "mvc_test", *COMPARE_MODE_NAMES)
"""Every training mode a protocol may name in ``modes``: the one list the command line, the
start menu and the renderer read (:data:`modes.training_modes.TRAINING_MODES`)."""
HOLD_SUCCESS_RULES = ("each_side", "mean")
"""``each_side``: a symmetry hold counts only while every side is in the band and the symmetry
metric meets its threshold; ``mean``: the mean of both sides in the band is enough."""
DURING_ALERT_POLICIES = ("fail", "count_and_mark")
"""What a rep performed while the compensation alert was up counts as: failed (the target muscle
did not do the work), or counted with the mark so the clinician sees it."""
MAX_BAND_PCT = 150.0
"""Highest %MVC a band may reach: above this a calibration is wrong, not the patient strong."""
MIN_LEVEL_PCT = 1.0
"""Lowest band edge, relax line or effort threshold: below ~1 %MVC resting noise decides."""
MIN_BAND_WIDTH_PCT = 2.0
"""Narrowest hold band: a narrower one is inside the envelope's own ripple, nobody can hold it."""
MIN_HOLD_S = 0.5
"""Shortest hold: clinically a contraction counts once held 0.5 s (20 %MVC for ≥ 0.5 s)."""
MAX_HOLD_S = 300.0
"""Longest hold: the longest hold band in clinical use (120–300 s)."""
MAX_CONTRACT_S = 600.0
"""Longest attempt (time limit of one contract phase)."""
MIN_REST_S = 0.5
"""Shortest rest: the 10 Hz envelope and the zone dwell need that long to show relaxation."""
MAX_DURATION_S = 3600.0
"""Longest rest, set rest or cooldown."""
MAX_SET_S = 4 * MAX_DURATION_S
MAX_SETS = 100
MAX_TOTAL_REPS = 1000
"""Reps in all (per set, however given, times sets): more is no exercise session."""
MIN_WINDOW_S = 0.01
"""Shortest averaging window of a comparison rule: two samples at 200 Hz."""
MAX_WINDOW_S = 60.0
DEFAULT_SESSION_RISE_PCT = 10.0
"""Shaping's default limit on the band's rise in one session, in %MVC."""
MAX_SESSION_RISE_PCT = 50.0
"""Largest rise in one session a protocol may allow, in %MVC."""
MAX_ID_CHARS = 64
MAX_SESSIONS_CONSIDERED = 20
"""The most sessions ``[progression] of_last`` may look back over."""
DEFAULT_SESSIONS_NEEDED = 2
DEFAULT_OF_LAST = 3
"""The criterion across sessions by default: 2 of the last 3 sessions reached the levels."""
MAX_NAME_CHARS = 80
MAX_DESCRIPTION_CHARS = 1000
MAX_FILE_BYTES = 256 * 1024
"""Largest protocol file read: real ones are about 1 kB."""
QUALITY_FLAG_NAMES = {flag.name.lower(): flag for flag in QualityFlag if flag.name is not None}
DEFAULT_PAUSE_ON = ("saturated", "flat", "mains", "lift_off", "gap", "nonfinite")


@dataclass(frozen=True, slots=True)
class Target:
    """The trained muscle and the band it must stay in (or, for ``relax``, below)."""

    muscle: str
    side: str
    low_pct: float
    high_pct: float
    hysteresis_pct: float
    dwell_s: float


@dataclass(frozen=True, slots=True)
class Timing:
    """Phase lengths and counts. A rep is one contract phase; ``contract_s`` is its time limit."""

    ready_s: float
    hold_s: float
    contract_s: float
    rest_s: float
    reps: int
    sets: int
    set_rest_s: float
    dip_tolerance_s: float


@dataclass(frozen=True, slots=True)
class SymmetryRule:
    """Left/right symmetry of one muscle, judged on window means of %MVC.

    ``threshold_pct`` means: for ``lsi`` the lowest acceptable weaker/stronger ratio (alert
    below it); for ``symmetry_angle`` and ``robinson`` the largest acceptable absolute value.
    """

    muscle: str
    metric: str
    threshold_pct: float
    hysteresis_pct: float
    window_s: float
    min_activation_pct: float
    min_duration_s: float
    hold_success: str = "each_side"
    """How a hold of both sides is judged (see :data:`HOLD_SUCCESS_RULES`)."""


@dataclass(frozen=True, slots=True)
class CompensationRule:
    """A compensating muscle taking over: ``metric`` of numerator vs denominator above a limit.

    ``ratio`` is numerator / denominator (dimensionless); ``cci`` is Falconer & Winter's
    co-contraction index 2·N / (N + D) × 100 in %.
    """

    numerator: str
    denominator: str
    metric: str
    limit: float
    hysteresis: float
    window_s: float
    min_activation_pct: float
    min_duration_s: float
    cooldown_s: float
    during_alert: str = "fail"
    """What a rep during the alert counts as (see :data:`DURING_ALERT_POLICIES`)."""


@dataclass(frozen=True, slots=True)
class QualityRule:
    """Which signal-quality flags pause the exercise and how long it must be clean to resume."""

    pause_on: int
    resume_after_s: float


@dataclass(frozen=True, slots=True)
class ProgressionRule:
    """Ready to progress when the last ``last_reps`` reps all succeeded at these levels.

    Across sessions (the client's history): ready for the next step when ``sessions_needed`` of
    the last ``of_last`` sessions reached the levels (and, with
    ``no_compensation_alert_in_last``, the last one raised no compensation alert); the next
    step is the protocol ``next`` or the band ``next_band_pct`` (at most one of them), offered
    to the clinician, never switched to silently."""

    min_peak_pct: float
    min_symmetry_pct: float | None
    last_reps: int
    sessions_needed: int = DEFAULT_SESSIONS_NEEDED
    of_last: int = DEFAULT_OF_LAST
    no_compensation_alert_in_last: bool = True
    next: str | None = None
    """The id of the protocol that comes next (a built-in one, or a file's id)."""
    next_band_pct: tuple[float, float] | None = None
    """The band (low, high %MVC) this protocol is played at next."""


@dataclass(frozen=True, slots=True)
class AdaptiveRule:
    """Shaping: the band and hold follow recent performance inside fixed bounds."""

    window_reps: int
    step_pct: float
    hold_step_s: float
    low_min_pct: float
    low_max_pct: float
    hold_min_s: float
    hold_max_s: float
    ceiling_pct: float
    """The highest %MVC the band's top edge may reach through shaping: what the protocol
    declares safe (a repair, a painful joint), however well the patient does."""
    max_rise_per_session_pct: float
    """How far shaping may raise the band in one session, in %MVC over the band the session
    started with (or the clinician last set): load grows over days, not within one sitting."""


@dataclass(frozen=True, slots=True)
class FeedbackRule:
    """How concurrent feedback is scheduled (always, outside a bandwidth, or faded over reps)."""

    mode: str
    bandwidth_pct: float
    fade_stages: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Protocol:
    """A validated exercise protocol."""

    id: str
    name: str
    kind: str
    description: str
    target: Target
    timing: Timing
    quality: QualityRule
    feedback: FeedbackRule
    symmetry: SymmetryRule | None = None
    compensation: CompensationRule | None = None
    progression: ProgressionRule | None = None
    adaptive: AdaptiveRule | None = None
    modes: tuple[str, ...] = BAND_MODE_NAMES
    """The training modes that suit the protocol, the one to open with first."""
    comparison: ComparisonPlan | None = None
    """The variations and ranking measure of a ``compare`` protocol (None for other kinds)."""

    @property
    def reps_prescribed(self) -> int:
        if self.comparison is not None:
            return self.comparison.total_reps
        return self.timing.reps * self.timing.sets

    def to_plain(self) -> dict[str, PlainValue]:
        """The protocol as plain data in the file's layout; :func:`protocol_from_plain` reverses."""
        t, tm = self.target, self.timing
        target: dict[str, Any] = {
            "muscle": t.muscle,
            "side": t.side,
            "hysteresis_pct": t.hysteresis_pct,
            "dwell_s": t.dwell_s,
        }
        if self.kind == "hold":
            target |= {"low_pct": t.low_pct, "high_pct": t.high_pct}
        elif self.kind == "relax":
            target["line_pct"] = t.high_pct
        elif self.kind == "mvc":
            target["effort_pct"] = t.low_pct
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "modes": list(self.modes),
            "target": target,
            "timing": {
                "ready_s": tm.ready_s,
                "hold_s": tm.hold_s,
                "contract_s": tm.contract_s,
                "rest_s": tm.rest_s,
                "reps": tm.reps,
                "sets": tm.sets,
                "set_rest_s": tm.set_rest_s,
                "dip_tolerance_s": tm.dip_tolerance_s,
            },
            "quality": {
                "pause_on": [
                    name for name, flag in QUALITY_FLAG_NAMES.items()
                    if self.quality.pause_on & flag
                ],
                "resume_after_s": self.quality.resume_after_s,
            },
            "feedback": {
                "mode": self.feedback.mode,
                "bandwidth_pct": self.feedback.bandwidth_pct,
                "fade_stages": list(self.feedback.fade_stages),
            },
        }
        for section in ("symmetry", "compensation", "progression", "adaptive"):
            rule = getattr(self, section)
            if rule is not None:
                out[section] = {
                    name: getattr(rule, name)
                    for name in rule.__dataclass_fields__
                    if getattr(rule, name) is not None
                }
        if self.comparison is not None:
            out["comparison"], out["variation"] = self.comparison.to_plain()
        plain = canonical(out)
        assert isinstance(plain, dict)
        return plain


def _muscle(table: FieldReader, key: str, default: str | None = None) -> str:
    """A muscle from :data:`~engine.muscle_names.KNOWN_MUSCLES`, normalised."""
    name = normalise_muscle(table.text(key, default, max_chars=MAX_MUSCLE_NAME_CHARS))
    if name not in KNOWN_MUSCLES:
        raise table.fail(key, f"is {echo(name)}, not a known muscle",
                         "one of " + ", ".join(sorted(KNOWN_MUSCLES)))
    return name


def _target(table: FieldReader, kind: str) -> Target:
    band = {"hold": ("low_pct", "high_pct"), "relax": ("line_pct",), "mvc": ("effort_pct",),
            "compare": ()}
    table.expect("muscle", "side", "hysteresis_pct", "dwell_s", *band[kind])
    muscle = _muscle(table, "muscle")
    side = table.choice("side", "both", TARGET_SIDES)
    if kind == "hold":
        low = table.number("low_pct", None, MIN_LEVEL_PCT, MAX_BAND_PCT - MIN_BAND_WIDTH_PCT)
        high = table.number(
            "high_pct",
            None,
            low + MIN_BAND_WIDTH_PCT,
            MAX_BAND_PCT,
            allowed=f"a number from target.low_pct + {MIN_BAND_WIDTH_PCT:g} "
            f"({low + MIN_BAND_WIDTH_PCT:g}) up to {MAX_BAND_PCT:g} %MVC",
        )
    elif kind == "relax":
        low = 0.0
        high = table.number("line_pct", None, MIN_LEVEL_PCT, MAX_BAND_PCT)
    elif kind == "compare":  # no band: the variations are measured, not steered
        low, high = 0.0, MAX_BAND_PCT
    else:
        low = table.number("effort_pct", 20.0, MIN_LEVEL_PCT, MAX_BAND_PCT)
        high = MAX_BAND_PCT
    hysteresis_cap = (high - low) / 2 if kind == "hold" else high / 2
    hysteresis = table.number(
        "hysteresis_pct",
        min(2.0, hysteresis_cap),
        0.0,
        hysteresis_cap,
        allowed=f"a number from 0 to half the band ({hysteresis_cap:g} %MVC)",
    )
    dwell = table.number("dwell_s", 0.2, 0.0, 5.0)
    return Target(muscle, side, low, high, hysteresis, dwell)


def _reps_per_set(table: FieldReader, hold: float, rest: float) -> int:
    """``reps``, or as many hold + rest cycles as fit in ``set_s`` (at least one)."""
    if table.has("reps") and table.has("set_s"):
        raise table.fail("set_s", "is given together with timing.reps", "one of reps or set_s")
    if not table.has("set_s"):
        return table.integer("reps", None, 1, MAX_TOTAL_REPS)
    set_s = table.number("set_s", None, 0.0, MAX_SET_S, low_open=True)
    if hold > set_s:
        raise table.fail(
            "hold_s",
            f"is {hold:g} s, longer than the set (timing.set_s = {set_s:g} s)",
            "a hold no longer than the set",
        )
    return max(1, int(set_s // (hold + rest)))


def _timing(table: FieldReader) -> Timing:
    table.expect("ready_s", "hold_s", "contract_s", "rest_s", "reps", "set_s", "sets",
                 "set_rest_s", "dip_tolerance_s")
    ready = table.number("ready_s", 3.0, 0.0, 60.0)
    hold = table.number("hold_s", None, MIN_HOLD_S, MAX_HOLD_S)
    contract = table.number(
        "contract_s",
        min(hold + 5.0, MAX_CONTRACT_S),
        hold,
        MAX_CONTRACT_S,
        allowed=f"a number from timing.hold_s ({hold:g}) to {MAX_CONTRACT_S:g} s",
    )
    rest = table.number("rest_s", None, MIN_REST_S, MAX_DURATION_S)
    reps = _reps_per_set(table, hold, rest)
    sets = table.integer("sets", 1, 1, MAX_SETS)
    if reps * sets > MAX_TOTAL_REPS:
        # Named after what the user can change: the set length or count that tipped it over.
        key = "set_s" if table.has("set_s") else "sets"
        raise table.fail(
            key,
            f"makes {reps} reps × {sets} sets = {reps * sets} reps",
            f"at most {MAX_TOTAL_REPS} reps in all (reps, or set_s ÷ (hold_s + rest_s), "
            "times sets)",
        )
    set_rest = table.number("set_rest_s", rest, MIN_REST_S, MAX_DURATION_S)
    dip = table.number(
        "dip_tolerance_s",
        min(0.5, hold / 2),
        0.0,
        hold,
        allowed=f"a number from 0 to timing.hold_s ({hold:g} s)",
    )
    return Timing(ready, hold, contract, rest, reps, sets, set_rest, dip)


def _symmetry(table: FieldReader, target: Target) -> SymmetryRule:
    table.expect(*SymmetryRule.__dataclass_fields__)
    metric = table.choice("metric", "lsi", SYMMETRY_METRICS)
    high = {"lsi": 100.0, "symmetry_angle": 50.0, "robinson": 200.0}[metric]
    default_threshold = {"lsi": 90.0, "symmetry_angle": 5.0, "robinson": 10.0}[metric]
    rule = SymmetryRule(
        muscle=_muscle(table, "muscle", target.muscle),
        metric=metric,
        threshold_pct=table.number(
            "threshold_pct", default_threshold, 0.0, high, low_open=True,
            allowed=f"for metric {metric!r} a number above 0 up to {high:g} %",
        ),
        hysteresis_pct=table.number("hysteresis_pct", 3.0, 0.0, 50.0),
        window_s=table.number("window_s", 1.0, MIN_WINDOW_S, MAX_WINDOW_S),
        min_activation_pct=table.number("min_activation_pct", 10.0, 0.0, MAX_BAND_PCT),
        min_duration_s=table.number("min_duration_s", 1.0, 0.0, 60.0),
        hold_success=table.choice(
            "hold_success", "each_side" if target.side == "both" else "mean", HOLD_SUCCESS_RULES
        ),
    )
    return rule


def _compensation(table: FieldReader) -> CompensationRule:
    table.expect(*CompensationRule.__dataclass_fields__)
    metric = table.choice("metric", "ratio", COMPENSATION_METRICS)
    high = 100.0 if metric == "ratio" else 200.0
    rule = CompensationRule(
        numerator=_muscle(table, "numerator"),
        denominator=_muscle(table, "denominator"),
        metric=metric,
        limit=table.number(
            "limit", None, 0.0, high, low_open=True,
            allowed=f"for metric {metric!r} a number above 0 up to {high:g}",
        ),
        hysteresis=table.number("hysteresis", 0.0, 0.0, high),
        window_s=table.number("window_s", 0.5, MIN_WINDOW_S, MAX_WINDOW_S),
        min_activation_pct=table.number("min_activation_pct", 10.0, 0.0, MAX_BAND_PCT),
        min_duration_s=table.number("min_duration_s", 1.0, 0.0, 60.0),
        cooldown_s=table.number("cooldown_s", 5.0, 0.0, MAX_DURATION_S),
        during_alert=table.choice("during_alert", "fail", DURING_ALERT_POLICIES),
    )
    if rule.numerator == rule.denominator:
        raise table.fail("denominator", f"is the numerator {rule.numerator!r} too",
                         "a muscle other than compensation.numerator")
    if rule.hysteresis >= rule.limit:
        raise table.fail("hysteresis", f"is {rule.hysteresis:g}",
                         f"a number below compensation.limit ({rule.limit:g})")
    return rule


def _quality(table: FieldReader | None) -> QualityRule:
    if table is None:
        return QualityRule(_flag_mask(DEFAULT_PAUSE_ON), 1.0)
    table.expect("pause_on", "resume_after_s")
    allowed = "a list of " + ", ".join(repr(n) for n in QUALITY_FLAG_NAMES)
    names = table.items("pause_on", DEFAULT_PAUSE_ON, allowed)
    for name in names:
        if not isinstance(name, str) or name not in QUALITY_FLAG_NAMES:
            raise table.fail("pause_on", f"contains {echo_typed(name)}", allowed)
    return QualityRule(_flag_mask(names), table.number("resume_after_s", 1.0, 0.0, 60.0))


def _flag_mask(names: Iterable[str]) -> int:
    mask = 0
    for name in names:
        mask |= QUALITY_FLAG_NAMES[name]
    return mask


def _progression(table: FieldReader, has_symmetry: bool, protocol_id: str, kind: str,
                 target: Target, adaptive: AdaptiveRule | None) -> ProgressionRule:
    table.expect(*ProgressionRule.__dataclass_fields__)
    peak = table.number("min_peak_pct", 70.0, 0.0, MAX_BAND_PCT, low_open=True)
    symmetry: float | None = None
    if table.has("min_symmetry_pct"):
        if not has_symmetry:
            raise table.fail("min_symmetry_pct", "needs a [symmetry] table",
                             "min_symmetry_pct only together with [symmetry]")
        symmetry = table.number("min_symmetry_pct", None, 0.0, 100.0, low_open=True)
    last_reps = table.integer("last_reps", 5, 1, 100)
    of_last = table.integer("of_last", DEFAULT_OF_LAST, 1, MAX_SESSIONS_CONSIDERED)
    needed = table.integer("sessions_needed", min(DEFAULT_SESSIONS_NEEDED, of_last), 1, of_last)
    no_alert = table.flag("no_compensation_alert_in_last", True)
    following = table.text("next", max_chars=MAX_ID_CHARS) if table.has("next") else None
    if following is not None and following == protocol_id:
        raise table.fail("next", f"is {echo(following)}, this protocol itself",
                         "the id of another protocol (or next_band_pct for a harder band)")
    band = _next_band(table, target, kind, adaptive) if table.has("next_band_pct") else None
    if following is not None and band is not None:
        raise table.fail("next_band_pct", "is given with next",
                         "one next step: another protocol (next) or a band (next_band_pct)")
    return ProgressionRule(peak, symmetry, last_reps, needed, of_last, no_alert, following,
                           band)


def _next_band(table: FieldReader, target: Target, kind: str,
               adaptive: AdaptiveRule | None) -> tuple[float, float]:
    """The band a hold protocol steps up to: a valid band, no lower than today's at either
    edge, and never above the ceiling the protocol declares safe (``adaptive.ceiling_pct``)."""
    top = adaptive.ceiling_pct if adaptive is not None else MAX_BAND_PCT
    allowed = (f"[low, high] %MVC with target.low_pct ({target.low_pct:g}) <= low, "
               f"low + {MIN_BAND_WIDTH_PCT:g} <= high, target.high_pct ({target.high_pct:g}) "
               f"<= high <= {top:g}, and not today's band")
    if kind != "hold":
        raise table.fail("next_band_pct", f"is given for a {kind!r} protocol",
                         "next_band_pct only for 'hold'")
    band = table.items("next_band_pct", (), allowed)
    if len(band) != 2 or any(isinstance(v, bool) or not isinstance(v, int | float)
                             for v in band):
        raise table.fail("next_band_pct", f"is {echo(band)}", allowed)
    low, high = float(band[0]), float(band[1])
    if (not target.low_pct <= low or low + MIN_BAND_WIDTH_PCT > high
            or not target.high_pct <= high <= top
            or (low, high) == (target.low_pct, target.high_pct)):
        raise table.fail("next_band_pct", f"is {echo(band)}", allowed)
    return low, high


def _adaptive(table: FieldReader, target: Target, timing: Timing) -> AdaptiveRule:
    table.expect(*AdaptiveRule.__dataclass_fields__)
    low_min = table.number(
        "low_min_pct", target.low_pct, MIN_LEVEL_PCT, target.low_pct,
        allowed=f"a number from {MIN_LEVEL_PCT:g} to target.low_pct ({target.low_pct:g})",
    )
    width = target.high_pct - target.low_pct
    low_max = table.number(
        "low_max_pct", target.low_pct, target.low_pct, MAX_BAND_PCT - width,
        allowed=f"a number from target.low_pct ({target.low_pct:g}) to "
        f"{MAX_BAND_PCT - width:g} (the band may not pass {MAX_BAND_PCT:g} %MVC)",
    )
    hold_min = table.number(
        "hold_min_s", timing.hold_s, MIN_HOLD_S, timing.hold_s,
        allowed=f"a number from {MIN_HOLD_S:g} to timing.hold_s ({timing.hold_s:g})",
    )
    hold_max = table.number(
        "hold_max_s", timing.hold_s, timing.hold_s, timing.contract_s,
        allowed=f"a number from timing.hold_s ({timing.hold_s:g}) to timing.contract_s "
        f"({timing.contract_s:g})",
    )
    ceiling = table.number(
        "ceiling_pct", low_max + width, target.high_pct, MAX_BAND_PCT,
        allowed=f"a number from target.high_pct ({target.high_pct:g}) to {MAX_BAND_PCT:g} %MVC",
    )
    rule = AdaptiveRule(
        window_reps=table.integer("window_reps", 3, 1, 50),
        step_pct=table.number("step_pct", 5.0, 0.0, 50.0),
        hold_step_s=table.number("hold_step_s", 0.0, 0.0, 60.0),
        low_min_pct=low_min,
        low_max_pct=low_max,
        hold_min_s=hold_min,
        hold_max_s=hold_max,
        ceiling_pct=ceiling,
        max_rise_per_session_pct=table.number(
            "max_rise_per_session_pct", DEFAULT_SESSION_RISE_PCT, 0.0, MAX_SESSION_RISE_PCT
        ),
    )
    return rule


def _feedback(table: FieldReader | None) -> FeedbackRule:
    if table is None:
        return FeedbackRule("concurrent", 5.0, (1.0,))
    table.expect("mode", "bandwidth_pct", "fade_stages")
    mode = table.choice("mode", "concurrent", FEEDBACK_MODES)
    bandwidth = table.number("bandwidth_pct", 5.0, 0.0, 50.0)
    allowed = "a non-empty list of fractions from 0 to 1 that never increase"
    stages = table.items("fade_stages", (1.0, 0.5, 0.0), allowed)
    if not stages:
        raise table.fail("fade_stages", "is empty", allowed)
    for value in stages:
        # (not 0 <= value <= 1 also refuses NaN.)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise table.fail("fade_stages", f"contains {echo_typed(value)}", allowed)
    if any(b > a for a, b in itertools.pairwise(stages)):
        raise table.fail("fade_stages", f"is {echo(stages)}", allowed)
    return FeedbackRule(mode, bandwidth, tuple(float(v) for v in stages))


def protocol_from_plain(data: object, source: str, default_id: str = "") -> Protocol:
    """Validate a protocol given as plain data (a parsed TOML file or :meth:`to_plain` output).

    ``source`` names where it came from in error messages (a file name, "config change", ...).
    """
    root = FieldReader(check_shape(data, source), "", source)
    root.expect("id", "name", "kind", "description", "modes", "target", "timing", "symmetry",
                "compensation", "quality", "progression", "adaptive", "feedback", "comparison",
                "variation")
    # The id defaults to the file name, which is checked like a written id: it is shown too.
    if root.has("id") or not default_id:
        protocol_id = root.text("id", max_chars=MAX_ID_CHARS)
    else:
        protocol_id = root.checked_text("id", default_id, max_chars=MAX_ID_CHARS)
    name = root.text("name", max_chars=MAX_NAME_CHARS)
    kind = root.choice("kind", "hold", KINDS)
    description = root.text("description", "", max_chars=MAX_DESCRIPTION_CHARS, blank=True)
    target_table = root.table("target", required=True)
    timing_table = root.table("timing", required=True)
    assert target_table is not None
    assert timing_table is not None
    target = _target(target_table, kind)
    timing = _timing(timing_table)
    symmetry_table = root.table("symmetry")
    symmetry = _symmetry(symmetry_table, target) if symmetry_table else None
    compensation_table = root.table("compensation")
    compensation = _compensation(compensation_table) if compensation_table else None
    quality = _quality(root.table("quality"))
    adaptive_table = root.table("adaptive")
    if adaptive_table is not None and kind != "hold":
        raise root.fail("adaptive", f"is given for a {kind!r} protocol", "adaptive only for 'hold'")
    adaptive = _adaptive(adaptive_table, target, timing) if adaptive_table else None
    progression_table = root.table("progression")
    progression = (
        _progression(progression_table, symmetry is not None, protocol_id, kind, target,
                     adaptive) if progression_table else None
    )
    feedback = _feedback(root.table("feedback"))
    comparison = _comparison(root, kind, target, timing, progression)
    return Protocol(
        id=protocol_id,
        name=name,
        kind=kind,
        description=description,
        target=target,
        timing=timing,
        quality=quality,
        feedback=feedback,
        symmetry=symmetry,
        compensation=compensation,
        progression=progression,
        adaptive=adaptive,
        modes=_modes(root, kind, target),
        comparison=comparison,
    )


def _comparison(root: FieldReader, kind: str, target: Target, timing: Timing,
                progression: ProgressionRule | None) -> ComparisonPlan | None:
    """The plan of a ``compare`` protocol; its tables are refused on any other kind."""
    if kind != "compare":
        for key in ("comparison", "variation"):
            if root.has(key):
                raise root.fail(key, f"is given for a {kind!r} protocol",
                                f"{key} only for 'compare'")
        return None
    if progression is not None:
        raise root.fail("progression", "is given for a 'compare' protocol",
                        "progression only for 'hold', 'relax' and 'mvc' (a comparison "
                        "measures, it has no level to progress)")
    # At most MAX_VARIATIONS × MAX_COMPARISON_REPS reps: well inside MAX_TOTAL_REPS.
    return comparison_from_tables(root.table("comparison"), root.data.get("variation"), root,
                                  target.muscle, timing.reps, timing.rest_s, MIN_REST_S,
                                  MAX_DURATION_S)


def suitable_modes(kind: str, side: str) -> tuple[str, ...]:
    """The training modes a protocol of ``kind`` training ``side`` may offer, in the order it
    offers them when its file names none.

    The seesaw compares left with right, so it needs a protocol that trains both sides (a
    one-leg quad set would be told to push with the other leg); the balloon and the runner draw
    a band or a line, which a maximal test does not have, and the MVC test's screen shows
    maximal efforts, which a band protocol does not ask for; the clinician's view suits all.
    """
    if kind == "mvc":
        return MVC_MODE_NAMES
    if kind == "compare":
        return COMPARE_MODE_NAMES
    if side == "both":
        return BAND_MODE_NAMES
    return tuple(m for m in BAND_MODE_NAMES if m != "symmetry")


def _modes(root: FieldReader, kind: str, target: Target) -> tuple[str, ...]:
    suitable = suitable_modes(kind, target.side)
    allowed = (f"a non-empty list of training modes that suit a {kind!r} protocol on side "
               f"{target.side!r}: " + ", ".join(repr(m) for m in suitable))
    names = root.items("modes", suitable, allowed)
    if not names:
        raise root.fail("modes", "is empty", allowed)
    for name in names:
        if not isinstance(name, str) or name not in suitable:
            raise root.fail("modes", f"contains {echo_typed(name)}", allowed)
    if len(set(names)) != len(names):
        raise root.fail("modes", f"is {echo(names)}, with a mode twice", allowed)
    return tuple(names)


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol file; its id defaults to the file name without ``.toml``.

    At most :data:`MAX_FILE_BYTES` + 1 bytes are read, so a huge file or a device such as
    ``/dev/zero`` is refused in bounded time and memory.
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ProtocolFileError(
            f"{path}: cannot read the protocol file ({exc.strerror or exc})",
            hint="check the path",
        ) from None
    return _parse(raw, str(path), path.stem)


def _parse(raw: bytes, source: str, default_id: str) -> Protocol:
    if len(raw) > MAX_FILE_BYTES:
        raise ProtocolFileError(
            f"{source}: larger than {MAX_FILE_BYTES} bytes; allowed: a protocol file of at most "
            f"{MAX_FILE_BYTES // 1024} kB",
            hint="a protocol is a short TOML file: copy one from engine/builtin_protocols/",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolFileError(f"{source}: not a UTF-8 text file",
                                hint="save the protocol as UTF-8 TOML") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The parser's message quotes no file text (only line and column): safe to show.
        raise ProtocolFileError(f"{source}: not valid TOML ({exc})",
                                hint="fix the syntax and load it again") from None
    except (RecursionError, ValueError):
        # tomllib parses nested arrays and inline tables recursively (deep nesting exhausts the
        # stack) and lets int() refuse numbers of more than 4,300 digits; both are bad files.
        raise ProtocolFileError(
            f"{source}: not a usable TOML file (values nested too deeply or numbers too long); "
            f"allowed: at most {MAX_NESTING} levels of tables and lists, ordinary numbers",
            hint="fix the file and load it again",
        ) from None
    return protocol_from_plain(data, source, default_id)


def builtin_protocol_names() -> tuple[str, ...]:
    """Ids of the protocols shipped with myoplay, sorted."""
    folder = resources.files("engine.builtin_protocols")
    return tuple(sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    ))


def builtin_protocol(name: str) -> Protocol:
    """A protocol shipped with myoplay, by id (see :func:`builtin_protocol_names`)."""
    names = builtin_protocol_names()
    if name not in names:
        raise ProtocolFileError(
            f"no built-in protocol named {echo(name)}",
            hint="choose one of " + ", ".join(names),
        )
    entry = resources.files("engine.builtin_protocols") / f"{name}.toml"
    return _parse(entry.read_bytes(), f"built-in protocol {name}.toml", name)
