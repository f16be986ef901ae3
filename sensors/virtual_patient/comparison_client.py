"""Virtual clients for exercise comparisons: known true activations per variation and muscle.

A :class:`ComparisonClient` says how hard each muscle works in each variation of a comparison
protocol, as the *true mean %MVC over a rep's working phase* (the measure
``metric = "mean_pct"`` ranks by), and how the reps go (a :class:`RepPattern`: their time
course, rep-to-rep variation and the onset lag between muscles). The virtual patient performs
the variation with :meth:`ComparisonClient.commanded` activations under
:meth:`ComparisonClient.patient_config`; what it then produces is known exactly, so a test can
check that a comparison recovers the ranking and that each interval covers the truth.

The built-in clients match the built-in comparison protocols:

- :data:`GLUTE_CLIENT` (``compare_gluteus_maximus``): the client from the trainers' guide whose
  glutes work hardest in the Bulgarian split squat, not the hip thrust group studies rank
  first: 62 / 55 / 48 / 70 %MVC (hip thrust, glute bridge, cable pull-through, Bulgarian split
  squat), with the hamstrings doing more where the glutes do less; the hamstrings switch on
  80 ms before the glutes (a hip extension led by the hamstrings);
- :data:`QUADRICEPS_CLIENT` (``compare_quadriceps``);
- :func:`cue_client` (``cue_ab_glute_squeeze``): the cue adds ``effect_pct`` to the glutes and
  takes a little off the hamstrings (Lewis & Sahrmann 2009).

Variations a client does not know (a clinician's own protocol) get its ``default_pct``: every
variation equal, so an honest comparison finds no clear winner. :data:`VIRTUAL_CLIENT` knows
every built-in variation: it is who ``myoplay play`` simulates in a comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from engine.messages import ChannelInfo
from engine.muscle_names import normalise_muscle
from engine.rep_cutting import RepCutConfig
from sensors.virtual_patient.dynamic_reps import RepPattern
from sensors.virtual_patient.patient import PatientConfig

#: Reps of the built-in clients: a short concentric and eccentric phase around a 1.6 s squeeze,
#: 2.4 s at the bottom; ±6 % of the top level from rep to rep; hamstrings 80 ms ahead.
COMPARISON_REPS = RepPattern(up_s=0.4, top_s=1.6, down_s=0.4, pause_s=2.4, rep_cv=0.06,
                             onset_lag_s={"gluteus_maximus": 0.08})


@dataclass(frozen=True, slots=True)
class ComparisonClient:
    """A client's true activations per variation (by id) and muscle, in mean %MVC over a rep's
    working phase, and how its reps go."""

    truths: Mapping[str, Mapping[str, float]]
    """Variation id → muscle → true mean %MVC over a rep's working phase."""
    default_pct: Mapping[str, float] = field(default_factory=dict)
    """Muscle → true mean %MVC in a variation the client has no truth for."""
    pattern: RepPattern = COMPARISON_REPS

    def true_mean_pct(self, variation_id: str, muscle: str) -> float:
        """How hard ``muscle`` truly works in the variation, mean %MVC over the working phase
        (0 for a muscle the client does not use in it)."""
        levels = self.truths.get(variation_id, self.default_pct)
        return float(levels.get(normalise_muscle(muscle), 0.0))

    def commanded(self, variation_id: str,
                  channels: Sequence[ChannelInfo]) -> dict[str, float]:
        """The activation (top of each rep, 1 = MVC) per channel label that makes the
        variation's truth: the working phase's mean is a known fraction of the top level."""
        fraction = self.pattern.working_mean_fraction(RepCutConfig().working_fraction)
        return {
            c.label: round(min(self.true_mean_pct(variation_id, c.muscle) / 100 / fraction,
                               0.99), 4)
            for c in channels
        }

    def patient_config(self, base: PatientConfig) -> PatientConfig:
        """``base`` (the electrodes, the recording's quality) performing efforts as this
        client's reps."""
        return dataclasses.replace(base, reps=self.pattern)


GLUTE_CLIENT = ComparisonClient(
    truths={
        "hip_thrust": {"gluteus_maximus": 62.0, "hamstrings": 30.0},
        "glute_bridge": {"gluteus_maximus": 55.0, "hamstrings": 36.0},
        "cable_pull_through": {"gluteus_maximus": 48.0, "hamstrings": 42.0},
        "bulgarian_split_squat": {"gluteus_maximus": 70.0, "hamstrings": 25.0},
    },
    default_pct={"gluteus_maximus": 50.0, "hamstrings": 30.0},
)

QUADRICEPS_CLIENT = ComparisonClient(
    truths={
        "straight_leg_raise": {"quadriceps": 34.0, "hamstrings": 8.0},
        "quad_set": {"quadriceps": 45.0, "hamstrings": 10.0},
        "terminal_knee_extension": {"quadriceps": 52.0, "hamstrings": 12.0},
        "wall_squat": {"quadriceps": 60.0, "hamstrings": 20.0},
    },
    default_pct={"quadriceps": 45.0, "hamstrings": 10.0},
)


def cue_client(effect_pct: float = 8.0, base_pct: float = 50.0) -> ComparisonClient:
    """The cue test's client: the bridge at ``base_pct`` without the cue, ``effect_pct`` more
    with it (and the hamstrings 6 %MVC less)."""
    return ComparisonClient(
        truths={
            "no_cue": {"gluteus_maximus": base_pct, "hamstrings": 34.0},
            "with_cue": {"gluteus_maximus": base_pct + effect_pct, "hamstrings": 28.0},
        },
        default_pct={"gluteus_maximus": base_pct, "hamstrings": 34.0},
    )


EQUAL_CLIENT = ComparisonClient(truths={},
                                default_pct={"gluteus_maximus": 50.0, "quadriceps": 45.0,
                                             "hamstrings": 25.0})
"""Every variation the same: an honest comparison of it finds no clear winner."""

VIRTUAL_CLIENT = ComparisonClient(
    truths={**GLUTE_CLIENT.truths, **QUADRICEPS_CLIENT.truths, **cue_client().truths},
    default_pct=EQUAL_CLIENT.default_pct,
)
"""The virtual patient of ``myoplay play`` in a comparison: every built-in protocol's
variations (by id) as above; a protocol of the clinician's own gets every variation equal."""
