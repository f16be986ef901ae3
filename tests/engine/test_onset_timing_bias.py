"""Activation timing's known bias (docs/comparisons.md, "Activation timing"): a threshold
detector finds a rising muscle when it crosses a level set by the resting noise, so of two
muscles rising alike the less active one is found later. The order is still right; the lead
reads true only when both work alike."""

from __future__ import annotations

import numpy as np
import pytest

from engine.rep_cutting import MuscleRole, cut_reps
from tests.engine.comparison_patient import VariationTruth, record_comparison

LEAD_MS = 80.0


def hamstring_leads_ms(glute: float, hamstrings: float) -> list[float]:
    """The hamstrings' measured lead over the glutes per rep, 80 ms true, at 20 dB SNR."""
    rec = record_comparison(
        [VariationTruth("a", glute, hamstring_level=hamstrings, reps=8,
                        hamstring_lead_s=LEAD_MS / 1000)],
        seed=3, snr_db=20.0, work_s=1.5, rest_s=2.5)
    reps = cut_reps(rec.band_uv, rec.envelope_uv, rec.pct_mvc, rec.quality, rec.rate_hz,
                    rec.channels, ("gluteus_maximus",), ("hamstrings",))
    return [-m.onset_ms for rep in reps for m in rep.muscles
            if m.role is MuscleRole.COMPENSATOR and m.onset_ms is not None]


@pytest.mark.parametrize(("glute", "hamstrings", "low_ms", "high_ms"), [
    (0.5, 0.5, 70.0, 90.0),    # alike: the lead reads true
    (0.77, 0.38, 55.0, 72.0),  # hamstrings half as active: found ~15 ms late
    (0.4, 0.8, 82.0, 100.0),   # hamstrings twice as active: found early, the lead reads long
])
def test_the_lead_reads_true_only_when_both_muscles_work_alike(
        glute: float, hamstrings: float, low_ms: float, high_ms: float) -> None:
    leads = hamstring_leads_ms(glute, hamstrings)
    assert len(leads) >= 15
    assert all(lead > 0 for lead in leads)  # the order is right in every rep
    assert low_ms <= float(np.median(leads)) <= high_ms
