"""Scripts for the virtual patient: what each muscle does, when, and what goes wrong.

A :class:`Script` is a list of :class:`Segment` s played back to back, plus artefacts and packet
losses at given times. A segment sets target activations (0 = rest, 1 = that muscle's maximal
voluntary contraction) by channel label ("L-quad") or by muscle name ("quadriceps", meaning
every side); channels it does not name rest. Each segment ramps linearly from the previous
levels over ``ramp_s`` and then holds.

Scripting a session::

    from sensors.virtual_patient import script as s

    session = (
        s.rest(5.0)                                              # baseline
        + s.mvc_trials(efforts=3, muscles=("quadriceps",))      # calibration efforts
        + s.quad_sets(reps=10, level=0.4, hold_s=5.0, rest_s=5.0)
        + s.Script.of(s.Segment(3.0, {"L-quad": 0.3, "R-quad": 0.5}, ramp_s=0.3))
    ).with_artefacts(s.Artefact("lift_off", start_s=42.0, duration_s=1.0, channels=("L-quad",)))

Ready-made scenarios for rule tests are at the bottom (:func:`compliant_quad_sets`, ...); the
patient-side conditions they need (a weaker side, co-activation) are set on
:class:`~sensors.virtual_patient.patient.PatientConfig`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

ArtefactKind = Literal["movement", "lift_off", "saturation", "mains"]
ARTEFACT_KINDS: tuple[ArtefactKind, ...] = ("movement", "lift_off", "saturation", "mains")

QUADS = ("quadriceps",)
HAMSTRINGS = ("hamstrings",)


@dataclass(frozen=True, slots=True)
class Segment:
    """``duration_s`` of activity: ramp over ``ramp_s`` to ``levels``, then hold them.

    ``maximal`` marks a maximal effort (MVC trial): a patient's task deficit (see
    ``PatientConfig.deficit``) does not apply, every named muscle reaches its level.
    """

    duration_s: float
    levels: Mapping[str, float] = field(default_factory=dict)
    ramp_s: float = 0.0
    maximal: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not self.duration_s > 0 or not 0 <= self.ramp_s <= self.duration_s:
            raise ValueError(f"segment {self.name!r}: need duration > 0 and 0 <= ramp <= duration")
        if any(not 0 <= v <= 1.5 for v in self.levels.values()):
            raise ValueError(f"segment {self.name!r}: activation levels must be in [0, 1.5]")


@dataclass(frozen=True, slots=True)
class Artefact:
    """Something going wrong on some channels (``()`` = all) for a while.

    - ``movement``: a smooth low-frequency bump of ``amplitude_uv`` (default 1000 µV), as from
      cable or skin movement;
    - ``lift_off``: the electrode loses contact: the EMG is gone, the offset jumps by several mV
      and broadband noise and mains pickup take over;
    - ``saturation``: the input is driven past the converter's range (it rails);
    - ``mains``: mains pickup rises to ``amplitude_uv`` (default 400 µV), as from a loose reference.
    """

    kind: ArtefactKind
    start_s: float
    duration_s: float
    channels: tuple[str, ...] = ()
    amplitude_uv: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ARTEFACT_KINDS:
            raise ValueError(f"unknown artefact {self.kind!r}; one of {ARTEFACT_KINDS}")
        if self.start_s < 0 or not self.duration_s > 0:
            raise ValueError("an artefact needs start >= 0 and a positive duration")


@dataclass(frozen=True, slots=True)
class PacketLoss:
    """Frames lost between ``start_s`` and ``start_s + duration_s`` (reported as a Gap)."""

    start_s: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class Script:
    """Segments back to back, with artefacts and packet losses at absolute times."""

    segments: tuple[Segment, ...] = ()
    artefacts: tuple[Artefact, ...] = ()
    losses: tuple[PacketLoss, ...] = ()

    @classmethod
    def of(cls, *segments: Segment) -> Script:
        return cls(tuple(segments))

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    def __add__(self, other: Script) -> Script:
        """Play ``other`` after this; its artefact and loss times shift by this duration."""
        shift = self.duration_s
        return Script(
            self.segments + other.segments,
            self.artefacts
            + tuple(
                Artefact(a.kind, a.start_s + shift, a.duration_s, a.channels, a.amplitude_uv)
                for a in other.artefacts
            ),
            self.losses
            + tuple(PacketLoss(p.start_s + shift, p.duration_s) for p in other.losses),
        )

    def with_artefacts(self, *artefacts: Artefact) -> Script:
        return Script(self.segments, self.artefacts + artefacts, self.losses)

    def with_losses(self, *losses: PacketLoss) -> Script:
        return Script(self.segments, self.artefacts, self.losses + losses)


def rest(duration_s: float) -> Script:
    """Every muscle relaxed."""
    return Script.of(Segment(duration_s, name="rest"))


def hold(
    level: float,
    duration_s: float,
    muscles: Sequence[str] = QUADS,
    *,
    ramp_s: float = 0.2,
    maximal: bool = False,
    name: str = "hold",
) -> Script:
    """``muscles`` ramp to ``level`` over ``ramp_s`` and hold it; the rest relax."""
    return Script.of(Segment(duration_s, dict.fromkeys(muscles, level), ramp_s, maximal, name))


def quad_sets(
    reps: int = 10,
    *,
    level: float = 0.4,
    hold_s: float = 5.0,
    rest_s: float = 5.0,
    ramp_s: float = 0.2,
    muscles: Sequence[str] = QUADS,
) -> Script:
    """Isometric quadriceps sets: ``reps`` × (ramp, hold at ``level``, relax for ``rest_s``)."""
    script = Script()
    for rep in range(reps):
        script = script + hold(level, hold_s, muscles, ramp_s=ramp_s, name=f"rep {rep + 1}")
        script = script + rest(rest_s)
    return script


def mvc_trials(
    efforts: int = 3,
    *,
    effort_s: float = 5.0,
    recover_s: float = 5.0,
    ramp_s: float = 1.0,
    muscles: Sequence[str] = QUADS,
    level: float = 1.0,
) -> Script:
    """Maximal efforts as the calibration screen asks for them (ramp up over ``ramp_s``,
    hold to the end of ``effort_s``, recover)."""
    script = Script()
    for effort in range(efforts):
        script = script + hold(
            level, effort_s, muscles, ramp_s=ramp_s, maximal=True, name=f"effort {effort + 1}"
        )
        script = script + rest(recover_s)
    return script


def ramp(
    peak: float, up_s: float, down_s: float, muscles: Sequence[str] = QUADS
) -> Script:
    """A slow linear ramp up to ``peak`` and back down to rest."""
    levels = dict.fromkeys(muscles, peak)
    return Script.of(
        Segment(up_s, levels, ramp_s=up_s, name="ramp up"),
        Segment(down_s, {}, ramp_s=down_s, name="ramp down"),
    )


# Scenarios for rule tests ---------------------------------------------------------------------


def compliant_quad_sets(reps: int = 5, level: float = 0.4) -> Script:
    """2 s rest, then quad sets held at ``level`` for 5 s with 5 s rest (both legs)."""
    return rest(2.0) + quad_sets(reps, level=level)


def bilateral_squats(reps: int = 5, level: float = 0.5) -> Script:
    """Both quadriceps working together; pair with ``PatientConfig(deficit={"L-quad": 0.4})``
    for a left quadriceps 40 % weaker (LSI ≈ 60 %)."""
    return rest(2.0) + quad_sets(reps, level=level, hold_s=4.0, rest_s=4.0)


def bridge(reps: int = 5, level: float = 0.3, hold_s: float = 5.0, rest_s: float = 5.0) -> Script:
    """Bridges held with the hamstrings; pair with ``PatientConfig(coactivation=...)`` for
    compensation."""
    sets = quad_sets(reps, level=level, hold_s=hold_s, rest_s=rest_s, muscles=HAMSTRINGS)
    return rest(2.0) + sets


def lift_off_during_hold(channel: str = "L-quad", at_s: float = 5.0) -> Script:
    """A 10 s quadriceps hold at 40 % whose ``channel`` electrode lifts off for 1 s at ``at_s``."""
    return (rest(2.0) + hold(0.4, 10.0) + rest(3.0)).with_artefacts(
        Artefact("lift_off", start_s=at_s, duration_s=1.0, channels=(channel,))
    )
