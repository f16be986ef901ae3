"""Reps cut from the signal: where each repetition of a dynamic exercise began and ended on the
target muscle, its working phase, and what every muscle did in it.

A rep is a burst of the target muscle(s): it opens at the first target channel's onset and
closes when every target channel is off again, found by :class:`~engine.activity_segments.
AdaptiveOnsetDetector` (the causal double-threshold detector of :mod:`engine.onset` with a noise
floor that follows the quietest clean second, so a noisy start cannot keep a channel "on").
Bursts shorter than :attr:`RepCutConfig.min_rep_s` are twitches, not reps.

The *working phase* is the part of the rep where the target works: from the first to the last
sample at which the target's level (mean %MVC of the target channels active in the rep, or
their envelope when there is no calibration) reaches :attr:`RepCutConfig.working_fraction` of
the rep's peak. It leaves out the ramps at either end, which onset and offset thresholds set
near the noise floor would otherwise average in. Every measure of the rep is over its working
phase, on clean samples only: a flagged sample never contributes. A rep is *not judged* (its
measures are None, it is never scored) when a channel its measures read (every target and
compensator channel) is flagged anywhere from its onset to its offset, not only in its working
phase: an artefact's edge (the jump before a lift-off is flagged, an envelope still decaying
after it) can be what sets the working phase, and a rep measured on it would be a lie. A gap
(samples that never arrived) ends a rep under way as not judged and restarts the detector
(:meth:`RepCutter.gap`). This is the one rule: the exercise lab live and ``myoplay compare``
offline both take a rep's ``judged`` from here.

Per rep and muscle: mean and peak %MVC (and envelope µV), and the muscle's onset relative to
the rep's (ms; negative when it switched on first, as hamstrings do before the glutes in a
poorly cued hip extension). Per rep: the target's share against the compensators
(:func:`engine.cocontraction.target_share_pct`) and the target's left/right symmetry angle
(:func:`engine.symmetry.symmetry_angle`).

:class:`RepCutter` is fed block by block (live, or a recording in chunks); :func:`cut_reps` is the
same cutter fed a whole recording at once. Chunking never changes the result.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from engine.activity_segments import AdaptiveOnsetDetector
from engine.cocontraction import target_share_pct
from engine.comparison_plan import ComparisonMetric
from engine.dsp.filters import FloatArray
from engine.errors import SignalError
from engine.held_blocks import is_held
from engine.messages import ChannelInfo, ProcessedBlock, Side
from engine.muscle_names import normalise_muscle
from engine.onset import OnsetConfig, Transition
from engine.symmetry import symmetry_angle

#: History kept while no rep is open (s): the longest an onset is decided after it happened,
#: with room to spare.
_LOOKBACK_S = 2.0


@dataclass(frozen=True, slots=True)
class RepCutConfig:
    """How reps are cut and measured."""

    onset: OnsetConfig = field(default_factory=lambda: OnsetConfig(on_sd=3.0, min_on_s=0.05))
    """The detector's settings. A rep is confirmed only after :attr:`min_rep_s` anyway, so the
    on-threshold sits lower than the detector's default (3 resting SD rather than 5) with a
    longer hold (50 ms rather than 25): a rep's rise crosses it earlier (on the virtual patient
    at 20 dB SNR with 0.1 s rises: about 19 ms mean onset error rather than 27) while noise
    alone still does not hold above it for 50 ms."""
    min_rep_s: float = 0.3
    """Shorter bursts of the target are twitches, not reps."""
    max_rep_s: float = 120.0
    """Longer bursts are sustained activity (a channel that never relaxes, a cramp), not reps:
    they are dropped, and their samples not kept beyond this."""
    working_fraction: float = 0.5
    """The working phase is where the target reaches this fraction of the rep's peak."""
    timing_window_s: float = 1.0
    """Another muscle's onset counts for activation timing within this of the rep's onset; one
    that was already on longer before is sustained activity, not timing."""


class MuscleRole(enum.StrEnum):
    """What a channel's muscle is in a comparison."""

    TARGET = "target"
    COMPENSATOR = "compensator"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MuscleInRep:
    """One channel over a rep's working phase (clean samples only)."""

    channel: int
    label: str
    muscle: str
    side: str
    role: MuscleRole
    mean_pct: float | None
    """Mean %MVC (None: not judged, uncalibrated, or no clean sample)."""
    peak_pct: float | None
    mean_uv: float | None
    """Mean envelope in the source's unit (µV but for a device in converter counts)."""
    peak_uv: float | None
    flagged_fraction: float
    """Share of the rep's samples, onset to offset, that were flagged on this channel."""
    onset_ms: float | None
    """This channel's onset minus the rep's onset, ms (negative: it switched on first; None:
    no onset within the timing window)."""


@dataclass(frozen=True, slots=True)
class Rep:
    """One rep: samples ``onset_index`` to ``offset_index`` (exclusive), absolute indices."""

    number: int
    onset_index: int
    offset_index: int
    onset_s: float
    offset_s: float
    work_start_index: int
    work_end_index: int
    detected_index: int
    """The sample at which the rep was known complete (the offset's decision)."""
    closed: bool
    """False when the recording ended, or a gap began, with the target still on."""
    judged: bool
    """False when a channel it is measured on was flagged during it, or a gap cut it: never
    scored."""
    muscles: tuple[MuscleInRep, ...]
    target_mean_pct: float | None
    """Mean over the target channels active in the rep of their mean %MVC."""
    target_peak_pct: float | None
    target_mean_uv: float | None
    target_peak_uv: float | None
    target_share_pct: float | None
    symmetry_angle_pct: float | None
    """The target's left against right side (0 symmetric, positive when the right is higher)."""

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def metric_value(self, metric: ComparisonMetric) -> float | None:
        """The rep's value of a comparison measure (None when it has none)."""
        if metric is ComparisonMetric.MEAN_PCT:
            return self.target_mean_pct
        if metric is ComparisonMetric.PEAK_PCT:
            return self.target_peak_pct
        if metric is ComparisonMetric.TARGET_SHARE:
            return self.target_share_pct
        return None if self.symmetry_angle_pct is None else abs(self.symmetry_angle_pct)


def _mean(values: FloatArray) -> float | None:
    """Exact mean (math.fsum: the same bits however the array was assembled)."""
    return math.fsum(values.tolist()) / values.size if values.size else None


def _peak(values: FloatArray) -> float | None:
    return float(values.max()) if values.size else None


@dataclass(slots=True)
class _OpenRep:
    onset_index: int
    active: set[int]
    """Target channels on now."""
    used: set[int]
    """Target channels that were on at some point of the rep."""


class RepCutter:
    """Cuts reps from consecutive blocks of one source (see the module's docstring).

    ``targets`` and ``compensators`` are muscle names; channels are matched by their muscle.
    """

    def __init__(self, rate_hz: float, channels: Sequence[ChannelInfo], targets: Sequence[str],
                 compensators: Sequence[str] = (), config: RepCutConfig | None = None) -> None:
        self.rate_hz = rate_hz
        self.channels = tuple(channels)
        self.config = config or RepCutConfig()
        target_names = {normalise_muscle(m) for m in targets}
        compensator_names = {normalise_muscle(m) for m in compensators}
        self.roles = tuple(
            MuscleRole.TARGET if normalise_muscle(c.muscle) in target_names
            else MuscleRole.COMPENSATOR if normalise_muscle(c.muscle) in compensator_names
            else MuscleRole.OTHER for c in self.channels)
        self._targets = [i for i, r in enumerate(self.roles) if r is MuscleRole.TARGET]
        self._measured = [i for i, r in enumerate(self.roles) if r is not MuscleRole.OTHER]
        """The channels a rep's measures read: a flag on any of them during it spoils it."""
        if not self._targets:
            raise SignalError(
                "no channel records the target muscle (" + ", ".join(sorted(target_names))
                + "); channels: " + ", ".join(f"{c.label} ({c.muscle or 'no muscle'})"
                                              for c in self.channels),
                hint="name the channels' muscles (import --map) or choose another protocol")
        self._symmetry_pair = self._left_right(targets[0] if targets else "")
        self._detector = AdaptiveOnsetDetector(rate_hz, len(self.channels), self.config.onset)
        self._min_rep = max(1, round(self.config.min_rep_s * rate_hz))
        self._max_rep = round(self.config.max_rep_s * rate_hz)
        self._window = round(self.config.timing_window_s * rate_hz)
        self._lookback = round(_LOOKBACK_S * rate_hz) + self._window
        # Rows kept for measuring: envelope, %MVC (NaN: none), flagged, from _kept_from.
        self._envelope: deque[FloatArray] = deque()
        self._pct: deque[FloatArray] = deque()
        self._flagged: deque[npt.NDArray[np.bool_]] = deque()
        self._kept_from = 0
        self._next_index: int | None = None
        self._onsets: deque[tuple[int, int]] = deque()
        """(onset index, channel) of recent onsets of every channel."""
        self._open: _OpenRep | None = None
        self._reps_cut = 0

    def _left_right(self, muscle: str) -> tuple[int, int] | None:
        """The (left, right) channels of the first target muscle, when there is one of each."""
        name = normalise_muscle(muscle)
        left = [i for i, c in enumerate(self.channels)
                if normalise_muscle(c.muscle) == name and c.side is Side.LEFT]
        right = [i for i, c in enumerate(self.channels)
                 if normalise_muscle(c.muscle) == name and c.side is Side.RIGHT]
        return (left[0], right[0]) if len(left) == 1 and len(right) == 1 else None

    @property
    def in_rep(self) -> bool:
        """Whether the target is on now (a rep is under way)."""
        return self._open is not None

    @property
    def reps_cut(self) -> int:
        return self._reps_cut

    @property
    def ready(self) -> bool:
        """Whether a clean second of baseline has been seen on every target channel (before
        that nothing can switch on)."""
        return all(self._detector.noise_floor[c] is not None for c in self._targets)

    def feed(self, block: ProcessedBlock) -> list[Rep]:
        """Reps completed in this block. A gap's block (held values, no band signal) goes to
        :meth:`gap` by its length alone: it may declare any number of samples."""
        if block.band_uv is None or is_held(block):
            return self.gap(block.first_index, block.n_samples)
        return self.process(np.asarray(block.band_uv, dtype=np.float64),
                            np.asarray(block.envelope_uv, dtype=np.float64),
                            block.pct_mvc, np.asarray(block.quality), block.first_index)

    def gap(self, first_index: int, n_samples: int) -> list[Rep]:
        """Samples ``first_index`` … ``first_index + n_samples`` − 1 never arrived: a rep under
        way ends at the gap, not judged (what the muscle did in it is unknown), and the cutter
        starts afresh after it (the detector's filters and on/off state would otherwise run
        across a jump, and nothing can switch on before a clean second of baseline). Time and
        memory do not grow with ``n_samples``."""
        self._check_next(first_index)
        reps = []
        if self._open is not None:
            rep = self._close(first_index, first_index, closed=False, interrupted=True)
            if rep is not None:
                reps.append(rep)
        self._detector = AdaptiveOnsetDetector(self.rate_hz, len(self.channels),
                                               self.config.onset)
        self._envelope.clear()
        self._pct.clear()
        self._flagged.clear()
        self._onsets.clear()
        self._next_index = self._kept_from = first_index + n_samples
        return reps

    def _check_next(self, first_index: int) -> None:
        if self._next_index is not None and first_index != self._next_index:
            raise SignalError(f"rep cutter expected sample {self._next_index}, got {first_index}")

    def process(self, band_uv: FloatArray, envelope_uv: FloatArray, pct_mvc: FloatArray | None,
                quality: npt.NDArray[np.uint8], first_index: int) -> list[Rep]:
        """Reps completed in this chunk of (samples, channels) arrays: band-passed µV, envelope,
        %MVC (None or NaN where there is none) and quality flags."""
        n = band_uv.shape[0]
        self._check_next(first_index)
        if self._next_index is None:
            self._kept_from = first_index
        self._next_index = first_index + n
        flagged = np.asarray(quality) != 0
        pct = (np.full(band_uv.shape, np.nan) if pct_mvc is None
               else np.array(pct_mvc, dtype=np.float64))
        pct[flagged | ~np.isfinite(pct)] = np.nan
        self._envelope.append(np.asarray(envelope_uv, dtype=np.float64))
        self._pct.append(pct)
        self._flagged.append(flagged)
        reps = []
        for transition in self._detector.process(np.ascontiguousarray(band_uv), flagged,
                                                 first_index):
            rep = self._transition(transition)
            if rep is not None:
                reps.append(rep)
        if self._open is not None and (self._next_index - self._open.onset_index
                                       > self._max_rep + self._lookback):
            # Its offset, still to be decided, would come too late: too long to be a rep
            # whenever it ends (so dropping it now changes nothing but the memory kept).
            self._open = None
        self._trim()
        return reps

    def finish(self) -> list[Rep]:
        """The rep still open at the end of the recording, cut at its last sample."""
        if self._open is None or self._next_index is None:
            return []
        end = self._next_index
        rep = self._close(end, end, closed=False)
        return [] if rep is None else [rep]

    def _transition(self, t: Transition) -> Rep | None:
        if t.kind == "onset":
            self._onsets.append((t.index, t.channel))
        if self.roles[t.channel] is not MuscleRole.TARGET:
            return None
        if t.kind == "onset":
            if self._open is None:
                self._open = _OpenRep(max(t.index, self._kept_from), set(), set())
            self._open.active.add(t.channel)
            self._open.used.add(t.channel)
            return None
        if self._open is None:
            return None
        self._open.active.discard(t.channel)
        if self._open.active:
            return None
        return self._close(t.index, t.detected_index, closed=True)

    def _close(self, offset_index: int, detected_index: int, *, closed: bool,
               interrupted: bool = False) -> Rep | None:
        """The open rep, ended at ``offset_index`` (None: too short or too long for a rep);
        ``interrupted``: a gap cut it, so it is not judged."""
        opened = self._open
        assert opened is not None
        self._open = None
        offset_index = max(offset_index, opened.onset_index + 1)
        if not self._min_rep <= offset_index - opened.onset_index <= self._max_rep:
            return None
        self._reps_cut += 1
        return self._measure(opened, offset_index, detected_index, closed, interrupted)

    def _rows(self, start: int, stop: int) -> tuple[FloatArray, FloatArray,
                                                     npt.NDArray[np.bool_]]:
        lo, hi = start - self._kept_from, stop - self._kept_from
        return (np.concatenate(self._envelope)[lo:hi], np.concatenate(self._pct)[lo:hi],
                np.concatenate(self._flagged)[lo:hi])

    def _measure(self, opened: _OpenRep, offset_index: int, detected_index: int,
                 closed: bool, interrupted: bool) -> Rep:
        onset_index = opened.onset_index
        envelope, pct, flagged = self._rows(onset_index, offset_index)
        used = sorted(opened.used)
        calibrated = bool(np.isfinite(pct[:, used]).any())
        level_source = pct if calibrated else np.where(flagged, np.nan, envelope)
        level = level_source[:, used]
        clean_rows = np.isfinite(level).all(axis=1)
        start, stop = 0, envelope.shape[0]
        if clean_rows.any():
            target_level = level[clean_rows].mean(axis=1)
            peak = float(target_level.max())
            above = np.flatnonzero(clean_rows)[target_level >= self.config.working_fraction
                                               * peak]
            start, stop = int(above[0]), int(above[-1]) + 1
        work = slice(start, stop)
        flagged_fraction = flagged.mean(axis=0)
        judged = bool(not interrupted and clean_rows.any()
                      and not flagged[:, self._measured].any())
        rate = self.rate_hz
        muscles = []
        for c, channel in enumerate(self.channels):
            clean = ~flagged[work, c]
            pct_c = pct[work, c][clean & np.isfinite(pct[work, c])] if judged else np.empty(0)
            env_c = envelope[work, c][clean] if judged else np.empty(0)
            onset = self._onset_of(c, onset_index, offset_index)
            muscles.append(MuscleInRep(
                channel=c, label=channel.label, muscle=channel.muscle, side=channel.side.value,
                role=self.roles[c], mean_pct=_mean(pct_c), peak_pct=_peak(pct_c),
                mean_uv=_mean(env_c), peak_uv=_peak(env_c),
                flagged_fraction=float(flagged_fraction[c]),
                onset_ms=None if onset is None else (onset - onset_index) / rate * 1000.0))
        target = [muscles[c] for c in used]
        target_mean = _average([m.mean_pct for m in target])
        target_sides = {self.channels[c].side for c in used}
        compensating = [m.mean_pct for m in muscles if m.role is MuscleRole.COMPENSATOR
                        and (self.channels[m.channel].side in target_sides
                             or self.channels[m.channel].side is Side.NONE)]
        share = None
        if target_mean is not None and compensating and None not in compensating:
            share = target_share_pct(math.fsum(m.mean_pct or 0.0 for m in target),
                                     math.fsum(v or 0.0 for v in compensating))
        angle = None
        if self._symmetry_pair is not None:
            left, right = (muscles[c].mean_pct for c in self._symmetry_pair)
            if left is not None and right is not None:
                angle = symmetry_angle(left, right)
        return Rep(
            number=self._reps_cut, onset_index=onset_index, offset_index=offset_index,
            onset_s=onset_index / rate, offset_s=offset_index / rate,
            work_start_index=onset_index + start, work_end_index=onset_index + stop,
            detected_index=detected_index, closed=closed, judged=judged,
            muscles=tuple(muscles), target_mean_pct=target_mean,
            target_peak_pct=_maximum([m.peak_pct for m in target]),
            target_mean_uv=_average([m.mean_uv for m in target]),
            target_peak_uv=_maximum([m.peak_uv for m in target]),
            target_share_pct=share, symmetry_angle_pct=angle)

    def _onset_of(self, channel: int, onset_index: int, offset_index: int) -> int | None:
        """The channel's onset nearest the rep's, within the timing window and before the rep
        ended."""
        candidates = [i for i, c in self._onsets if c == channel
                      and onset_index - self._window <= i < min(offset_index,
                                                                onset_index + self._window)]
        if not candidates:
            return None
        return min(candidates, key=lambda i: (abs(i - onset_index), i))

    def _trim(self) -> None:
        """Forget rows and onsets no rep can need any more."""
        assert self._next_index is not None
        keep_from = self._next_index - self._lookback
        if self._open is not None:
            keep_from = min(keep_from, self._open.onset_index - self._window)
        while self._onsets and self._onsets[0][0] < keep_from - self._window:
            self._onsets.popleft()
        while len(self._envelope) > 1 and self._kept_from + self._envelope[0].shape[0] \
                <= keep_from:
            self._kept_from += self._envelope.popleft().shape[0]
            self._pct.popleft()
            self._flagged.popleft()


def _average(values: Sequence[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return math.fsum(v for v in values if v is not None) / len(values)


def _maximum(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present and len(present) == len(values) else None


def cut_reps(
    band_uv: FloatArray,
    envelope_uv: FloatArray,
    pct_mvc: FloatArray | None,
    quality: npt.NDArray[np.uint8],
    rate_hz: float,
    channels: Sequence[ChannelInfo],
    targets: Sequence[str],
    compensators: Sequence[str] = (),
    config: RepCutConfig | None = None,
    first_index: int = 0,
    gaps: Sequence[tuple[int, int]] = (),
) -> list[Rep]:
    """Every rep of a whole recording's (samples, channels) arrays: :class:`RepCutter` fed at
    once, the rep still open at the end included. ``gaps`` are the (first row, rows) of the
    arrays that stand for samples that never arrived (a recording's gaps, filled in): they go
    to :meth:`RepCutter.gap`, as a gap's block does live."""
    cutter = RepCutter(rate_hz, channels, targets, compensators, config)
    reps: list[Rep] = []
    at = 0
    n = band_uv.shape[0]
    for start, length in sorted(gaps):
        start, stop = max(start, at), min(start + length, n)
        if stop <= start:
            continue
        if start > at:
            reps += cutter.process(band_uv[at:start], envelope_uv[at:start],
                                   None if pct_mvc is None else pct_mvc[at:start],
                                   quality[at:start], first_index + at)
        reps += cutter.gap(first_index + start, stop - start)
        at = stop
    if at < n:
        reps += cutter.process(band_uv[at:], envelope_uv[at:],
                               None if pct_mvc is None else pct_mvc[at:], quality[at:],
                               first_index + at)
    return reps + cutter.finish()
