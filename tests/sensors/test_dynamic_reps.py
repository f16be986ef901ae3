"""The virtual patient's dynamic reps and comparison clients: known time course, rep-to-rep
variation, onset lags and true activations per variation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.messages import ChannelInfo, Side
from sensors.virtual_patient import PatientConfig, RepPattern, VirtualPatient
from sensors.virtual_patient import script as s
from sensors.virtual_patient.comparison_client import GLUTE_CLIENT, VIRTUAL_CLIENT, cue_client

RATE_HZ = 1000.0
CHANNELS = (
    ChannelInfo("L-glute", "gluteus_maximus", Side.LEFT),
    ChannelInfo("L-ham", "hamstrings", Side.LEFT),
)
PATTERN = RepPattern(up_s=0.4, top_s=1.6, down_s=0.4, pause_s=1.6, rep_cv=0.1,
                     onset_lag_s={"gluteus_maximus": 0.08})


def patient(script: s.Script, pattern: RepPattern = PATTERN, seed: int = 4) -> VirtualPatient:
    config = PatientConfig(rate_hz=RATE_HZ, channels=CHANNELS, reps=pattern)
    return VirtualPatient(config, script, seed=seed)


def onsets(active: np.ndarray) -> np.ndarray:
    return np.flatnonzero(active[1:] & ~active[:-1]) + 1


def test_a_sub_maximal_effort_is_performed_as_reps_with_the_onset_lag_between_muscles() -> None:
    vp = patient(s.rest(1.0) + s.hold(0.5, 40.0, ("gluteus_maximus", "hamstrings"), ramp_s=0.0))
    truth = vp.true_activation(0, round(41.0 * RATE_HZ))
    glute, ham = (onsets(truth[:, c] > 0) for c in range(2))
    assert len(glute) == len(ham) == 10  # a 4 s period in 40 s
    assert np.all(glute - ham == round(0.08 * RATE_HZ))
    assert np.all(np.diff(ham) == round(PATTERN.period_s * RATE_HZ))
    # Each rep's top level varies around the commanded level by rep_cv.
    tops = np.array([truth[o : o + 2000, 1].max() for o in ham])
    assert 0.04 < tops.std() / 0.5 < 0.2
    assert tops.mean() == pytest.approx(0.5, abs=0.05)


def test_maximal_efforts_are_held_not_repeated() -> None:
    vp = patient(s.rest(1.0) + s.mvc_trials(1, effort_s=5.0, ramp_s=0.5,
                                            muscles=("gluteus_maximus",)))
    glute = vp.true_activation(0, round(6.0 * RATE_HZ))[:, 0]
    assert np.all(glute[round(1.6 * RATE_HZ):] == 1.0)


def test_live_reps_come_out_the_same_in_any_chunking() -> None:
    def run(chunk: int) -> np.ndarray:
        vp = patient(s.Script(), seed=9)
        out = []
        for first in range(0, 12_000, chunk):
            if first == 2_000:
                vp.set_activation("gluteus_maximus", 0.6, at_index=2_000)
                vp.set_activation("hamstrings", 0.3, at_index=2_000)
            if first == 9_000:
                vp.set_activation("gluteus_maximus", 0.0, at_index=9_000)
            out.append(vp.render(first, chunk).counts)
        return np.concatenate(out)

    assert np.array_equal(run(100), run(500))


@pytest.mark.parametrize("variation", ["hip_thrust", "bulgarian_split_squat"])
def test_the_commanded_activation_makes_the_variations_true_mean(variation: str) -> None:
    """Over the working phase (the rep at or above half its peak), the true activation's mean
    is the client's truth for the variation (averaged over reps: each varies by rep_cv)."""
    commanded = GLUTE_CLIENT.commanded(variation, CHANNELS)
    vp = patient(s.Script(), GLUTE_CLIENT.pattern, seed=2)
    for label, level in commanded.items():
        vp.set_activation(label, level, at_index=0)
    glute = vp.true_activation(0, round(200 * RATE_HZ))[:, 0]
    means = []
    for onset in onsets(glute > 0):
        rep = glute[onset : onset + round(GLUTE_CLIENT.pattern.working_s * RATE_HZ)]
        means.append(rep[rep >= 0.5 * rep.max()].mean() * 100)
    truth = GLUTE_CLIENT.true_mean_pct(variation, "gluteus_maximus")
    assert np.mean(means) == pytest.approx(truth, abs=1.0)


def test_the_clients_know_the_built_in_variations_and_a_cue_adds_its_effect() -> None:
    assert VIRTUAL_CLIENT.true_mean_pct("bulgarian_split_squat", "gluteus_maximus") == 70.0
    assert VIRTUAL_CLIENT.true_mean_pct("wall_squat", "quadriceps") == 60.0
    cue = cue_client(effect_pct=8.0)
    assert (cue.true_mean_pct("with_cue", "gluteus_maximus")
            - cue.true_mean_pct("no_cue", "gluteus_maximus")) == 8.0
    # A variation nobody scripted: every variation the same (an honest test finds no winner).
    assert (VIRTUAL_CLIENT.true_mean_pct("my_own_a", "gluteus_maximus")
            == VIRTUAL_CLIENT.true_mean_pct("my_own_b", "gluteus_maximus"))


def test_a_rep_pattern_refuses_impossible_timing() -> None:
    with pytest.raises(ValueError, match="onset lags"):
        RepPattern(pause_s=0.5, onset_lag_s={"hamstrings": 0.6})
