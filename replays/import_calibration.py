"""A calibration for an external recording: rest and MVC taken from marked segments, or given.

A live session calibrates before it judges: rest, then maximal efforts, measured on the raw
envelopes of the very pipeline that will normalise them (:mod:`engine.calibration`). A lab file
was not made that way, but it often holds the same pieces: an MVC trial marked in a label column
or known by its times, and a quiet stretch. This finds them in the recorded samples, runs them
through the pipeline a replay will build for the file (same rate, scale, unit and mains
setting, hence the same signature), and builds the calibration as the live procedure does
(:func:`engine.calibration.build_calibration`), flagged samples left out. A reference given per
channel (``--reference RF=412``, in the recording's unit) replaces the measured one, for labs
that measured MVC in another session.

Without a marked rest, the quietest clean :data:`REST_WINDOW_S` of the recording outside the
efforts is the rest (the noise floor is what a resting muscle shows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.calibration import (
    Calibration,
    above_noise_floor,
    build_calibration,
    resting_baseline,
)
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import CalibrationError, ConfigError
from engine.messages import Gap, SampleFrame, SourceInfo

#: Length of the quiet stretch taken as rest when none is marked, s.
REST_WINDOW_S = 2.0
#: The pipeline's filters settle for this long after the first sample: no rest taken there, s.
SETTLE_S = 1.0

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Segment = tuple[int, int]
"""Sample indices ``[start, end)``."""


@dataclass(frozen=True, slots=True)
class CalibrationPlan:
    """Where the calibration comes from: effort and rest segments, given references."""

    efforts: tuple[Segment, ...] = ()
    rest: Segment | None = None
    references: Mapping[str, float] = dataclasses.field(default_factory=dict)
    """Reference amplitude above rest per channel label, in the recording's unit."""

    @property
    def wanted(self) -> bool:
        return bool(self.efforts or self.references)


@dataclass(frozen=True, slots=True)
class ImportedCalibration:
    calibration: Calibration
    rest: Segment
    """The rest used (marked, or the quietest stretch found)."""


class _Collector:
    """Envelopes and usable masks of the samples inside a set of segments."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = segments
        self.envelopes: list[list[FloatArray]] = [[] for _ in segments]
        self.usable: list[list[BoolArray]] = [[] for _ in segments]

    def take(self, first: int, envelope: FloatArray, usable: BoolArray) -> None:
        end = first + envelope.shape[0]
        for i, (start, stop) in enumerate(self.segments):
            lo, hi = max(start, first), min(stop, end)
            if lo < hi:
                self.envelopes[i].append(envelope[lo - first:hi - first])
                self.usable[i].append(usable[lo - first:hi - first])

    def joined(self, i: int, channels: int) -> tuple[FloatArray, BoolArray]:
        if not self.envelopes[i]:
            return np.zeros((0, channels)), np.zeros((0, channels), dtype=bool)
        return np.concatenate(self.envelopes[i]), np.concatenate(self.usable[i])


class _QuietestWindow:
    """The clean, consecutive :data:`REST_WINDOW_S` windows outside ``avoid`` with the lowest
    mean envelope summed over channels (windows do not overlap, so memory stays one window)."""

    def __init__(self, rate_hz: float, avoid: Sequence[Segment]) -> None:
        self.size = max(1, round(REST_WINDOW_S * rate_hz))
        self.settle = round(SETTLE_S * rate_hz)
        self.avoid = avoid
        self._rows: list[FloatArray] = []
        self._filled = 0
        self._start = -1
        self.best: tuple[float, Segment, FloatArray] | None = None

    def take(self, first: int, envelope: FloatArray, usable: BoolArray) -> None:
        row = 0
        while row < envelope.shape[0]:
            index = first + row
            if index < self.settle or not usable[row].all() or any(
                    a <= index < b for a, b in self.avoid):
                self._rows, self._filled = [], 0
                row += 1
                continue
            if not self._filled:
                self._start = index
            # Up to the window's end, the next unusable row or the next avoided segment.
            take = min(self.size - self._filled, envelope.shape[0] - row)
            clean = usable[row:row + take].all(axis=1)
            if not clean.all():
                take = int(np.argmin(clean))
            for a, _ in self.avoid:
                if index < a < index + take:
                    take = a - index
            self._rows.append(envelope[row:row + take])
            self._filled += take
            row += take
            if self._filled == self.size:
                window = np.concatenate(self._rows)
                level = float(window.sum()) / window.size
                if self.best is None or level < self.best[0]:
                    self.best = (level, (self._start, self._start + self.size), window)
                self._rows, self._filled = [], 0


def calibrate(
    source: SourceInfo,
    mains_hz: float | None,
    items: Iterable[SampleFrame | Gap],
    plan: CalibrationPlan,
) -> ImportedCalibration:
    """The calibration ``plan`` asks for, from ``items`` (the recording's frames and gaps)."""
    labels = [c.label for c in source.channels]
    unknown = sorted(set(plan.references) - set(labels))
    if unknown:
        raise ConfigError(f"--reference names {unknown[0]!r}, which is not a channel; the "
                          f"channels: {', '.join(labels)}")
    config = PipelineConfig.for_source(source, mains_hz=mains_hz)
    pipeline = Pipeline(config)
    efforts = _Collector(plan.efforts)
    rest = _Collector([plan.rest] if plan.rest is not None else [])
    quietest = _QuietestWindow(source.rate_hz, plan.efforts) if plan.rest is None else None
    for item in items:
        block = pipeline.feed(item)
        if not block.n_samples or isinstance(item, Gap):
            continue
        usable = block.quality == 0
        efforts.take(block.first_index, block.envelope_uv, usable)
        rest.take(block.first_index, block.envelope_uv, usable)
        if quietest is not None:
            quietest.take(block.first_index, block.envelope_uv, usable)
    n = len(labels)
    if plan.rest is not None:
        rest_envelope, rest_usable = rest.joined(0, n)
        rest_segment = plan.rest
    elif quietest is not None and quietest.best is not None:
        _, rest_segment, rest_envelope = quietest.best
        rest_usable = np.ones(rest_envelope.shape, dtype=bool)
    else:
        raise CalibrationError(
            f"no clean, quiet {REST_WINDOW_S:g} s in the recording to measure the noise floor",
            hint="mark a rest with --rest-segment or --rest-marker",
        )
    efforts_joined = [efforts.joined(i, n) for i in range(len(plan.efforts))]
    missing = [plan.efforts[i] for i, (env, _) in enumerate(efforts_joined) if not env.shape[0]]
    if missing:
        raise CalibrationError(f"the MVC segment at samples {missing[0][0]}–{missing[0][1]} "
                               f"holds no samples of the recording",
                               hint="check the segment's times against the recording's length")
    if efforts_joined:
        calibration = build_calibration(
            labels, rest_envelope, [env for env, _ in efforts_joined], source.rate_hz,
            config.signature(), rest_usable=rest_usable,
            effort_usable=[use for _, use in efforts_joined])
    else:
        baseline, noise_sd = resting_baseline(rest_envelope, rest_usable)
        calibration = Calibration(
            channels=tuple(labels),
            baseline_uv=tuple(float(v) for v in baseline),
            noise_sd_uv=tuple(float(v) for v in noise_sd),
            reference_uv=tuple(plan.references.get(label, 0.0) for label in labels),
            pipeline=config.signature(),
        )
    if plan.references:
        calibration = _given_references(calibration, plan.references)
    return ImportedCalibration(calibration, rest_segment)


def _given_references(calibration: Calibration, given: Mapping[str, float]) -> Calibration:
    """``calibration`` with the MVC amplitudes ``given`` per label in place of the measured
    ones: like a measured effort, an amplitude counts above the resting noise floor (taken off
    in power, :func:`~engine.calibration.above_noise_floor`)."""
    amplitudes = np.array([given.get(label, 0.0) for label in calibration.channels])
    above = above_noise_floor(amplitudes, np.asarray(calibration.baseline_uv))
    for label, amplitude, left in zip(calibration.channels, amplitudes, above, strict=True):
        if label in given and not left > 0:
            raise CalibrationError(
                f"--reference {label}={amplitude:g} is not above that channel's resting level "
                f"({calibration.baseline_uv[calibration.channels.index(label)]:.4g})",
                hint="give the MVC amplitude in the recording's unit (--units)")
    merged = tuple(float(a) if label in given else measured for label, a, measured in
                   zip(calibration.channels, above, calibration.reference_uv, strict=True))
    return dataclasses.replace(calibration, reference_uv=merged)
