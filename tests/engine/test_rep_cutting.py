"""Reps cut from the signal on the virtual patient: found, timed, measured honestly, and the
same however the samples arrive."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.comparison_plan import ComparisonMetric
from engine.errors import SignalError
from engine.messages import ChannelInfo, ProcessedBlock, QualityFlag, Side
from engine.rep_cutting import MuscleRole, RepCutConfig, RepCutter, cut_reps
from tests.engine.comparison_patient import (
    RATE_HZ,
    ComparisonRecording,
    VariationTruth,
    record_comparison,
)

TARGETS = ("gluteus_maximus",)
COMPENSATORS = ("hamstrings",)
REST_S = 2.5


@pytest.fixture(scope="module")
def noisy() -> ComparisonRecording:
    """20 reps at 20 dB SNR, the hamstrings switching on 80 ms before the glutes."""
    return record_comparison(
        [VariationTruth("a", 0.6, hamstring_level=0.45, reps=10, hamstring_lead_s=0.08),
         VariationTruth("b", 0.4, hamstring_level=0.35, reps=10, hamstring_lead_s=0.08)],
        seed=3, snr_db=20.0, work_s=1.5, rest_s=REST_S)


@pytest.fixture(scope="module")
def noisy_reps(noisy):
    return cut(noisy)


def cut(rec: ComparisonRecording, pct: np.ndarray | None = None, quality: np.ndarray | None = None):
    return cut_reps(rec.band_uv, rec.envelope_uv, rec.pct_mvc if pct is None else pct,
                    rec.quality if quality is None else quality, rec.rate_hz, rec.channels,
                    TARGETS, COMPENSATORS)


def test_reps_are_found_with_few_false_ones_and_accurate_onsets_at_20_db(noisy, noisy_reps) -> None:
    reps = noisy_reps
    truth = noisy.rep_onsets
    tolerance = round(0.15 * RATE_HZ)
    matched = {t: next((r for r in reps if abs(r.onset_index - t) <= tolerance), None)
               for t in truth}
    found = [r for r in matched.values() if r is not None]
    assert len(found) >= 0.95 * len(truth)
    false_reps = len(reps) - len(found)
    rest_minutes = len(truth) * REST_S / 60
    assert false_reps <= max(1.0, rest_minutes)
    errors_ms = [abs(r.onset_index - t) / RATE_HZ * 1000 for t, r in matched.items()
                 if r is not None]
    assert float(np.mean(errors_ms)) <= 30.0
    assert all(r.judged and r.closed for r in found)
    assert all(r.onset_index < r.work_start_index < r.work_end_index <= r.offset_index
               for r in found)


def test_which_muscle_switches_on_first_is_recovered_in_nearly_every_rep(noisy, noisy_reps) -> None:
    reps = noisy_reps
    hamstring_leads = []
    for rep in reps:
        hamstrings = [m.onset_ms for m in rep.muscles if m.role is MuscleRole.COMPENSATOR]
        hamstring_leads += [-ms for ms in hamstrings if ms is not None]
    right = [lead for lead in hamstring_leads if lead > 0]
    assert len(right) >= 0.95 * 2 * len(noisy.rep_onsets)
    assert float(np.median(hamstring_leads)) == pytest.approx(80, abs=30)


def test_measures_cover_the_working_phase_share_and_symmetry(noisy, noisy_reps) -> None:
    reps = noisy_reps
    first = reps[:10]
    assert np.mean([r.target_mean_pct for r in first]) == pytest.approx(60, abs=4)
    assert all(r.target_peak_pct > r.target_mean_pct for r in first)
    # Glutes 60 %MVC, hamstrings 45 %MVC: a share of 60 / 105.
    assert np.mean([r.target_share_pct for r in first]) == pytest.approx(57, abs=3)
    assert all(abs(r.symmetry_angle_pct) < 3 for r in first)
    assert first[0].metric_value(ComparisonMetric.MEAN_PCT) == first[0].target_mean_pct
    assert first[0].metric_value(ComparisonMetric.SYMMETRY) == abs(first[0].symmetry_angle_pct)


def test_chunking_never_changes_the_reps(noisy, noisy_reps) -> None:
    whole = noisy_reps
    for chunk in (37,):
        cutter = RepCutter(RATE_HZ, noisy.channels, TARGETS, COMPENSATORS)
        reps = []
        for i in range(0, noisy.band_uv.shape[0], chunk):
            part = slice(i, i + chunk)
            reps += cutter.feed(ProcessedBlock(
                "sim", i, 0, RATE_HZ, noisy.envelope_uv[part], noisy.pct_mvc[part],
                noisy.quality[part], noisy.band_uv[part]))
            assert cutter.ready or i < RATE_HZ
        reps += cutter.finish()
        assert reps == whole
        assert cutter.reps_cut == len(whole)


def test_a_rep_flagged_anywhere_is_not_judged_and_flagged_samples_never_count(
        noisy, noisy_reps) -> None:
    whole = noisy_reps
    rep = whole[2]
    quality = noisy.quality.copy()
    pct = noisy.pct_mvc.copy()
    work = slice(rep.work_start_index, rep.work_end_index)
    length = rep.work_end_index - rep.work_start_index
    quality[work.start:work.start + int(0.7 * length), 0] = QualityFlag.LIFT_OFF
    pct[work.start:work.start + int(0.7 * length), 0] = 1e6
    spoiled = next(r for r in cut(noisy, pct, quality) if r.number == rep.number)
    assert not spoiled.judged
    assert spoiled.target_mean_pct is None
    assert spoiled.target_share_pct is None
    # A flagged stretch outside the rep: judged, as before.
    quality = noisy.quality.copy()
    quality[rep.offset_index + 300:rep.offset_index + 350, 1] = QualityFlag.MAINS
    kept = next(r for r in cut(noisy, None, quality) if r.number == rep.number)
    assert kept.judged
    assert kept.target_mean_pct == pytest.approx(rep.target_mean_pct)


def test_an_artefacts_edge_outside_the_working_phase_spoils_the_rep(noisy, noisy_reps) -> None:
    # An electrode lifting off at the end of a rep: the jump before the flag is not flagged
    # yet and, as the rep's peak, makes the working phase; the flag lies outside it. Live
    # and offline alike, such a rep is never scored.
    rep = noisy_reps[2]
    quality = noisy.quality.copy()
    pct = noisy.pct_mvc.copy()
    jump = rep.work_end_index + 20
    pct[jump:jump + 30, 0] = 179.0
    quality[jump + 30:rep.offset_index, 0] = QualityFlag.LIFT_OFF
    edged = next(r for r in cut(noisy, pct, quality)
                 if abs(r.onset_index - rep.onset_index) < 50)
    assert not edged.judged
    assert edged.target_peak_pct is None
    assert edged.muscles[0].flagged_fraction > 0
    # A flag on a compensator during the rep spoils it too: the share reads it.
    quality = noisy.quality.copy()
    quality[rep.work_start_index:rep.work_start_index + 10, 2] = QualityFlag.SATURATED
    assert not next(r for r in cut(noisy, None, quality) if r.number == rep.number).judged


def test_without_calibration_only_the_envelope_is_measured(noisy, noisy_reps) -> None:
    reps = cut(noisy, pct=np.full(noisy.pct_mvc.shape, np.nan))
    assert len(reps) == len(noisy_reps)
    assert all(r.target_mean_pct is None and r.target_mean_uv is not None for r in reps)
    assert all(r.target_share_pct is None and r.symmetry_angle_pct is None for r in reps)


def test_a_rep_still_open_at_the_end_is_cut_there(noisy) -> None:
    end = noisy.rep_onsets[0] + round(0.8 * RATE_HZ)
    reps = cut_reps(noisy.band_uv[:end], noisy.envelope_uv[:end], noisy.pct_mvc[:end],
                    noisy.quality[:end], RATE_HZ, noisy.channels, TARGETS, COMPENSATORS)
    assert len(reps) == 1
    assert not reps[0].closed
    assert reps[0].offset_index == end


def test_a_burst_longer_than_a_rep_is_dropped_however_the_samples_arrive(noisy) -> None:
    # The reps last 1.5 s: with 1 s at most, the two whole ones are dropped and only the third,
    # cut by the end of the samples after 0.8 s, is kept.
    end = noisy.rep_onsets[2] + round(0.8 * RATE_HZ)
    arrays = (noisy.band_uv[:end], noisy.envelope_uv[:end], noisy.pct_mvc[:end],
              noisy.quality[:end])
    config = RepCutConfig(max_rep_s=1.0)
    whole = cut_reps(*arrays, RATE_HZ, noisy.channels, TARGETS, COMPENSATORS, config)
    assert len(whole) == 1
    assert not whole[0].closed
    assert abs(whole[0].onset_index - noisy.rep_onsets[2]) < 0.05 * RATE_HZ
    cutter = RepCutter(RATE_HZ, noisy.channels, TARGETS, COMPENSATORS, config)
    parts = []
    for i in range(0, end, 250):
        parts += cutter.process(*(a[i:i + 250] for a in arrays), i)
    assert parts + cutter.finish() == whole


def test_a_recording_without_the_target_muscle_is_refused_in_one_line() -> None:
    channels = [ChannelInfo("a", "quadriceps", Side.LEFT)]
    with pytest.raises(SignalError, match="no channel records the target muscle") as caught:
        RepCutter(RATE_HZ, channels, TARGETS)
    assert "\n" not in str(caught.value)


def test_the_cutter_refuses_samples_out_of_order(noisy) -> None:
    cutter = RepCutter(RATE_HZ, noisy.channels, TARGETS)
    block = ProcessedBlock("sim", 0, 0, RATE_HZ, noisy.envelope_uv[:10], None,
                           noisy.quality[:10], noisy.band_uv[:10])
    cutter.feed(block)
    with pytest.raises(SignalError, match="expected sample 10"):
        cutter.feed(dataclasses.replace(block, first_index=20))


def test_a_minute_of_rest_cuts_at_most_one_rep() -> None:
    rest = record_comparison([], seed=9, snr_db=20.0, lead_in_s=60.0)
    assert len(cut(rest)) <= 1


def held_gap(first_index: int, n: int, channels: int) -> ProcessedBlock:
    """A gap's block as the pipeline makes it: one held row broadcast over ``n`` samples."""
    shape = (n, channels)
    return ProcessedBlock("sim", first_index, 0, RATE_HZ, np.broadcast_to(np.ones(channels), shape),
                          np.broadcast_to(np.full(channels, 50.0), shape),
                          np.broadcast_to(np.uint8(QualityFlag.GAP), shape))


def test_a_gap_ends_the_rep_under_way_unjudged_whatever_its_length(noisy, noisy_reps) -> None:
    rep = noisy_reps[3]
    g = rep.onset_index + round(0.5 * RATE_HZ)
    arrays = (noisy.band_uv, noisy.envelope_uv, noisy.pct_mvc, noisy.quality)
    cutter = RepCutter(RATE_HZ, noisy.channels, TARGETS, COMPENSATORS)
    live = cutter.process(*(a[:g] for a in arrays), 0)
    # A device counter that jumped: the gap declares 10^12 samples (no memory for them).
    huge = 10**12
    cut_by_gap = cutter.feed(held_gap(g, huge, len(noisy.channels)))
    assert [(r.onset_index, r.offset_index, r.judged, r.closed) for r in cut_by_gap] == [
        (rep.onset_index, g, False, False)]
    assert not cutter.in_rep
    assert not cutter.ready  # the baseline is learnt again
    after = cutter.process(*(a[g:] for a in arrays), g + huge) + cutter.finish()
    assert len(after) >= len(noisy_reps) - 5
    assert [r.number for r in after] == list(range(5, 5 + len(after)))
    assert all(r.judged for r in after)
    assert live == noisy_reps[:3]


def test_a_gap_is_handled_alike_live_and_in_a_recording(noisy) -> None:
    """A recording holds a gap as filled rows; ``cut_reps`` hands them to the same step."""
    g, n = noisy.rep_onsets[3] + 400, 700
    band, envelope = noisy.band_uv.copy(), noisy.envelope_uv.copy()
    band[g:g + n] = 0.0
    envelope[g:g + n] = envelope[g - 1]
    quality = noisy.quality.copy()
    quality[g:g + n] = QualityFlag.GAP
    offline = cut_reps(band, envelope, noisy.pct_mvc, quality, RATE_HZ, noisy.channels,
                       TARGETS, COMPENSATORS, gaps=[(g, n)])
    cutter = RepCutter(RATE_HZ, noisy.channels, TARGETS, COMPENSATORS)
    arrays = (band, envelope, noisy.pct_mvc, quality)
    live = cutter.process(*(a[:g] for a in arrays), 0)
    live += cutter.feed(held_gap(g, n, len(noisy.channels)))
    live += cutter.process(*(a[g + n:] for a in arrays), g + n) + cutter.finish()
    assert live == offline
    assert [r.judged for r in offline if r.onset_index < g < r.offset_index + 1] == [False]
