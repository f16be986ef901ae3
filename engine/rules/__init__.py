"""The rules: %MVC envelopes in, exercise judgements out (see :mod:`engine.rules.engine`)."""

from engine.rules.engine import Phase, RulesEngine
from engine.rules.summary import RepResult, SessionSummary, SetResult
from engine.rules.symmetry import limb_symmetry_index_pct, robinson_index_pct, symmetry_angle_pct

__all__ = [
    "Phase",
    "RepResult",
    "RulesEngine",
    "SessionSummary",
    "SetResult",
    "limb_symmetry_index_pct",
    "robinson_index_pct",
    "symmetry_angle_pct",
]
