"""Dynamic reps: how the virtual patient performs a sub-maximal effort as a set of repetitions.

A hip thrust or a wall squat is not a hold: the target muscle ramps up through the concentric
phase, peaks at the top, ramps down through the eccentric phase and rests briefly at the
bottom. With a :class:`RepPattern` on its :class:`~sensors.virtual_patient.PatientConfig`,
the virtual patient performs every sub-maximal effort (a script segment or a live command
below full activation) as such reps, back to back from the moment the effort starts;
maximal efforts (MVC trials) stay holds.

Each rep's top level is the commanded level times ``1 + rep_cv · z`` (z standard normal,
drawn per rep and muscle from the patient's seed): the rep-to-rep variation an honest
comparison must see through. Each muscle's reps start ``onset_lag_s`` after the effort's start
(its own entry, by channel label or muscle name), so the order and delay of activation between
muscles is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RepPattern:
    """The time course of one rep (s) and how reps vary; see the module docstring."""

    up_s: float = 0.6
    """Concentric ramp from rest to the rep's top level."""
    top_s: float = 1.2
    """Time at the top level (the squeeze)."""
    down_s: float = 0.6
    """Eccentric ramp back to rest."""
    pause_s: float = 1.4
    """Rest at the bottom before the next rep (the muscle is off)."""
    rep_cv: float = 0.06
    """Rep-to-rep variation of the top level, as a fraction of it (standard deviation)."""
    onset_lag_s: Mapping[str, float] = field(default_factory=dict)
    """Delay of a muscle's (or channel's) reps after the effort starts, s (default 0)."""

    def __post_init__(self) -> None:
        if min(self.up_s, self.down_s) < 0 or self.top_s <= 0 or self.pause_s <= 0:
            raise ValueError("a rep needs ramps >= 0 s, a top and a pause > 0 s")
        if not 0 <= self.rep_cv <= 0.5:
            raise ValueError("rep_cv must be in [0, 0.5]")
        if any(not 0 <= lag < self.pause_s for lag in self.onset_lag_s.values()):
            raise ValueError("onset lags must be >= 0 s and shorter than the pause")

    @property
    def period_s(self) -> float:
        """One rep and the pause after it."""
        return self.up_s + self.top_s + self.down_s + self.pause_s

    @property
    def working_s(self) -> float:
        """The part of a rep in which the muscle is on (ramps and top)."""
        return self.up_s + self.top_s + self.down_s

    def working_mean_fraction(self, threshold: float) -> float:
        """The mean activation over the part of a rep at or above ``threshold`` × its top
        level (a rep's working phase, see :class:`engine.rep_cutting.RepCutConfig`), as a
        fraction of the top level: a rep's true mean over its working phase per unit of top.
        On a linear ramp the time above ``threshold`` is ``1 − threshold`` of it, at a mean of
        ``(1 + threshold) / 2``."""
        ramps_s = (self.up_s + self.down_s) * (1 - threshold)
        return (self.top_s + ramps_s * (1 + threshold) / 2) / (self.top_s + ramps_s)

    def shape(self, since_start_s: FloatArray) -> FloatArray:
        """The activation (fraction of the top level) ``since_start_s`` into a rep's period."""
        t = since_start_s
        up = np.clip(t / self.up_s, 0.0, 1.0) if self.up_s > 0 else (t >= 0).astype(float)
        fall_start = self.up_s + self.top_s
        down = (np.clip((self.working_s - t) / self.down_s, 0.0, 1.0) if self.down_s > 0
                else (t < self.working_s).astype(float))
        return np.where(t < fall_start, up, down) * (t >= 0)
