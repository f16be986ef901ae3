"""Activity segments of a whole recording, for research: when each muscle switched on and off,
and per burst of activity its amplitude, %MVC, fatigue (median-frequency trend) and left/right
symmetry. The one place these per-segment measures are put together; the formulas live in
:mod:`engine.onset`, :mod:`engine.fatigue` and :mod:`engine.symmetry`.

Onsets need a resting noise floor, and a recording handed in for analysis comes with none
marked. :class:`AdaptiveOnsetDetector` keeps :class:`~engine.onset.OnsetDetector`'s double
threshold but takes its thresholds from the quietest clean second of the last
:data:`BASELINE_HORIZON_S` seconds (minimum statistics, as speech enhancement tracks its noise
floor), updated causally at every second. Until a first clean second has passed nothing can
switch on; a noisy or active start only sets a high floor that the first quieter second lowers,
so a channel never stays "on" because of how the recording began; and a floor that rose for
good (an electrode working loose) is followed once the quieter seconds leave the horizon.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.dsp.filters import FloatArray
from engine.fatigue import fatigue_trend, median_frequency_hz
from engine.messages import ChannelInfo, Side
from engine.onset import OnsetConfig, OnsetDetector, Transition
from engine.symmetry import MIN_ACTIVATION_PCT, symmetry_angle

#: Length of the windows the noise floor is measured on (s); also how often it is updated.
BASELINE_WINDOW_S = 1.0
#: How far back the quietest window is looked for (s).
BASELINE_HORIZON_S = 30.0
#: Median-frequency windows inside a segment (s): length and hop, as engine.fatigue advises.
MDF_WINDOW_S = 1.0
MDF_HOP_S = 0.5


@dataclass(frozen=True, slots=True)
class ActivitySegment:
    """A burst of activity of one channel: samples ``start_index`` to ``end_index`` (exclusive).

    ``detected_index`` is when the onset was known (the decision latency); ``closed`` is False
    when the recording ended with the muscle still on.
    """

    channel: int
    start_index: int
    end_index: int
    detected_index: int
    closed: bool


@dataclass(frozen=True, slots=True)
class SegmentMeasures:
    """What one segment shows. Amplitudes of the envelope in the source's unit (µV but for a
    device in converter counts); None where there is nothing
    honest to report (no calibration for %MVC, too short for a fatigue trend, no partner)."""

    segment: ActivitySegment
    mean_envelope: float
    peak_envelope: float
    flagged_fraction: float
    """Share of the segment's samples with a quality flag (left out of every measure)."""
    mean_pct_mvc: float | None
    mdf_start_hz: float | None
    mdf_slope_pct_per_s: float | None
    mdf_points: int
    partner: int | None
    """The same muscle on the other side, when the recording has it."""
    symmetry_angle_pct: float | None
    """Zifchock's angle of the two sides' mean %MVC over this segment (0 symmetric, positive
    when the right side is higher)."""


@dataclass(frozen=True, slots=True)
class ActivityReport:
    """Every channel's transitions, segments and their measures, and the noise floors used."""

    transitions: tuple[Transition, ...]
    measures: tuple[SegmentMeasures, ...]
    noise_floor: tuple[float | None, ...]
    """Per channel: the mean rectified band-passed signal (in the source's unit) of the last
    floor used (None: never a clean second)."""


class AdaptiveOnsetDetector:
    """:class:`OnsetDetector` with thresholds that follow the quietest clean second of the last
    :data:`BASELINE_HORIZON_S` (see the module's docstring). Feed consecutive chunks with their
    first index and a mask of flagged samples; chunking never changes the result."""

    def __init__(self, rate_hz: float, n_channels: int, config: OnsetConfig | None = None
                 ) -> None:
        self.rate_hz = rate_hz
        self._config = config or OnsetConfig()
        never = np.full(n_channels, np.inf)
        self._detector = OnsetDetector(rate_hz, never.copy(), never.copy(), self._config)
        self._window_n = round(BASELINE_WINDOW_S * rate_hz)
        self._horizon = max(1, round(BASELINE_HORIZON_S / BASELINE_WINDOW_S))
        # Per channel: (window's first index, level, on threshold, off threshold).
        self._candidates: list[deque[tuple[int, float, float, float]]] = [
            deque() for _ in range(n_channels)]
        self._window: list[FloatArray] = []
        self._window_flagged = np.zeros(n_channels, dtype=bool)
        self._window_start = 0
        self._filled = 0
        self.noise_floor: list[float | None] = [None] * n_channels

    def process(self, band_uv: FloatArray, flagged: npt.NDArray[np.bool_], first_index: int
                ) -> list[Transition]:
        """Transitions decided in this chunk of band-passed µV (samples, channels)."""
        found: list[Transition] = []
        position = 0
        n = band_uv.shape[0]
        while position < n:
            take = min(n - position, self._window_n - self._filled)
            part = band_uv[position:position + take]
            found += self._detector.process(part, first_index + position)
            self._window.append(part)
            self._window_flagged |= flagged[position:position + take].any(axis=0)
            self._filled += take
            position += take
            if self._filled == self._window_n:
                self._close_window()
        return found

    def _close_window(self) -> None:
        window = np.concatenate(self._window)
        for c, candidates in enumerate(self._candidates):
            while candidates and candidates[0][0] <= self._window_start - self._horizon * (
                    self._window_n):
                candidates.popleft()
            if not self._window_flagged[c]:
                column = np.ascontiguousarray(window[:, c:c + 1])
                rest = OnsetDetector.from_rest(column, self.rate_hz, self._config)
                level = float(np.add.reduce(np.abs(column[:, 0])) / column.shape[0])
                candidates.append((self._window_start, level, float(rest.on_threshold[0]),
                                   float(rest.off_threshold[0])))
            if candidates:
                _, level, on, off = min(candidates, key=lambda item: item[1])
                self._detector.on_threshold[c] = on
                self._detector.off_threshold[c] = off
                self.noise_floor[c] = level
        self._window_start += self._window_n
        self._window = []
        self._filled = 0
        self._window_flagged[:] = False


def segments_from(transitions: Sequence[Transition], n_samples: int) -> list[ActivitySegment]:
    """Pair each channel's onsets and offsets into segments (one still on at the end runs to
    the last sample, marked not closed)."""
    open_at: dict[int, Transition] = {}
    segments = []
    for transition in sorted(transitions, key=lambda t: (t.detected_index, t.channel)):
        if transition.kind == "onset":
            open_at[transition.channel] = transition
        elif transition.channel in open_at:
            onset = open_at.pop(transition.channel)
            segments.append(ActivitySegment(transition.channel, max(0, onset.index),
                                            max(onset.index + 1, transition.index),
                                            onset.detected_index, True))
    for channel, onset in open_at.items():
        segments.append(ActivitySegment(channel, max(0, onset.index), n_samples,
                                        onset.detected_index, False))
    segments.sort(key=lambda s: (s.start_index, s.channel))
    return segments


def partner_channels(channels: Sequence[ChannelInfo]) -> list[int | None]:
    """For each channel, the one with the same muscle on the other side (None if there is no
    single such channel)."""
    opposite = {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT}
    out: list[int | None] = []
    for channel in channels:
        other = opposite.get(channel.side)
        matches = [i for i, c in enumerate(channels)
                   if other is not None and channel.muscle and c.muscle == channel.muscle
                   and c.side == other]
        out.append(matches[0] if len(matches) == 1 else None)
    return out


def analyse_activity(
    band_uv: FloatArray,
    envelope_uv: FloatArray,
    pct_mvc: FloatArray | None,
    flagged: npt.NDArray[np.bool_],
    rate_hz: float,
    channels: Sequence[ChannelInfo],
    band_hz: tuple[float, float],
    config: OnsetConfig | None = None,
) -> ActivityReport:
    """Onsets, segments and their measures for a recording's (samples, channels) arrays:
    band-passed µV, envelope µV, %MVC (NaN where none; None without a calibration) and the
    quality flags."""
    n, n_channels = band_uv.shape
    detector = AdaptiveOnsetDetector(rate_hz, n_channels, config)
    transitions = detector.process(band_uv, flagged, 0)
    partners = partner_channels(channels)
    measures = []
    for segment in segments_from(transitions, n):
        c = segment.channel
        span = slice(segment.start_index, segment.end_index)
        clean = ~flagged[span, c]
        envelope = envelope_uv[span, c][clean]
        mean_env = float(np.add.reduce(envelope) / envelope.size) if envelope.size else 0.0
        peak_env = float(envelope.max()) if envelope.size else 0.0
        mean_pct = _mean_pct(pct_mvc, flagged, span, c)
        trend = _fatigue(band_uv, flagged, segment, rate_hz, band_hz)
        partner = partners[c]
        angle = None
        if partner is not None:
            other = _mean_pct(pct_mvc, flagged, span, partner)
            if mean_pct is not None and other is not None:
                left, right = ((mean_pct, other) if channels[c].side is Side.LEFT
                               else (other, mean_pct))
                angle = symmetry_angle(left, right, MIN_ACTIVATION_PCT)
        measures.append(SegmentMeasures(
            segment=segment, mean_envelope=mean_env, peak_envelope=peak_env,
            flagged_fraction=float(1 - np.add.reduce(clean) / max(1, clean.size)),
            mean_pct_mvc=mean_pct,
            mdf_start_hz=trend[0], mdf_slope_pct_per_s=trend[1], mdf_points=trend[2],
            partner=partner, symmetry_angle_pct=angle,
        ))
    return ActivityReport(tuple(transitions), tuple(measures), tuple(detector.noise_floor))


def _mean_pct(pct_mvc: FloatArray | None, flagged: npt.NDArray[np.bool_], span: slice,
              channel: int) -> float | None:
    """Mean %MVC over the clean samples of ``span`` that have one (never from a flagged one)."""
    if pct_mvc is None:
        return None
    values = pct_mvc[span, channel]
    usable = values[~flagged[span, channel] & np.isfinite(values)]
    return float(np.add.reduce(usable) / usable.size) if usable.size else None


def _fatigue(band_uv: FloatArray, flagged: npt.NDArray[np.bool_], segment: ActivitySegment,
             rate_hz: float, band_hz: tuple[float, float]
             ) -> tuple[float | None, float | None, int]:
    """(start MDF Hz, slope %/s, windows) over the segment's clean windows; the trend needs
    three windows."""
    window = round(MDF_WINDOW_S * rate_hz)
    hop = round(MDF_HOP_S * rate_hz)
    c = segment.channel
    times, mdfs = [], []
    for start in range(segment.start_index, segment.end_index - window + 1, hop):
        if flagged[start:start + window, c].any():
            continue
        mdf = median_frequency_hz(band_uv[start:start + window, c:c + 1], rate_hz, band_hz)
        times.append((start + window / 2) / rate_hz)
        mdfs.append(float(mdf[0]))
    if len(mdfs) < 3:
        return (mdfs[0] if mdfs else None), None, len(mdfs)
    trend = fatigue_trend(times, mdfs)
    return trend.start_hz, trend.slope_pct_per_s, trend.n_points
