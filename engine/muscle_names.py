"""The muscles a protocol may name, and how a written muscle name is normalised.

A protocol's muscles must match channel labels to be trained at all, so a typo ("quadricep")
would only surface when a session starts. Checking names against a fixed vocabulary catches it
when the file is loaded, with the list of what is allowed. The vocabulary is the surface-EMG
sites of the SENIAM recommendations and the clinical groups physiotherapists name (quadriceps,
hamstrings, forearm flexors), for the lower limb, trunk and upper limb; add a muscle here.
"""

from __future__ import annotations

KNOWN_MUSCLES = frozenset({
    # Lower limb: groups, then the single muscles electrodes are placed over.
    "quadriceps", "hamstrings", "adductors", "calf",
    "rectus_femoris", "vastus_medialis", "vastus_medialis_obliquus", "vastus_lateralis",
    "biceps_femoris", "semitendinosus", "semimembranosus",
    "gluteus_maximus", "gluteus_medius", "tensor_fasciae_latae", "adductor_longus",
    "gastrocnemius", "gastrocnemius_medialis", "gastrocnemius_lateralis", "soleus",
    "tibialis_anterior", "peroneus_longus",
    # Trunk and shoulder girdle.
    "rectus_abdominis", "external_oblique", "internal_oblique", "erector_spinae", "multifidus",
    "latissimus_dorsi", "trapezius", "upper_trapezius", "middle_trapezius", "lower_trapezius",
    "serratus_anterior", "pectoralis_major", "infraspinatus", "supraspinatus",
    # Upper limb (an armband such as the Myo sits over the forearm groups).
    "deltoid", "anterior_deltoid", "middle_deltoid", "posterior_deltoid",
    "biceps_brachii", "triceps_brachii", "brachioradialis", "forearm_flexors",
    "forearm_extensors", "flexor_carpi_radialis", "flexor_carpi_ulnaris",
    "extensor_carpi_radialis", "extensor_carpi_ulnaris", "flexor_digitorum_superficialis",
    "extensor_digitorum",
})
"""Normalised names (see :func:`normalise_muscle`)."""

MAX_MUSCLE_NAME_CHARS = max(len(name) for name in KNOWN_MUSCLES) + 8
"""Longest muscle name read at all (room for spaces and case variants of the longest known)."""


def normalise_muscle(name: str) -> str:
    """Muscle names compare case-blind with spaces and hyphens as underscores."""
    return "_".join(name.strip().lower().replace("-", " ").split())
