"""The streaming EMG pipeline: raw device frames in, envelopes, %MVC and quality out.

Stages, all causal and all carrying their state across calls::

    raw × scale → µV ─┬─ quality checks (rails, NaN, flat, mains, lift-off, movement)
                      └─ band-pass + mains notches (one SOS cascade) → |·| → low-pass
                         → − resting noise floor (in power) → envelope_uv
                         → × reference_pct / reference_uv → pct_mvc

Every channel goes through in one (channels, samples) array per call, and the band-pass and the
notches are a single cascade, because on 10–20 ms chunks the cost is per call, not per sample.
Feeding the same samples in any chunking gives the same output to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from engine.calibration import Calibration, Normalisation
from engine.clock import sample_offset_ns
from engine.dsp.envelope import Envelope, LinearEnvelope, MovingRms
from engine.dsp.filters import (
    FloatArray,
    SosCascade,
    band_edges_hz,
    design_bandpass,
    design_notches,
    group_delay_s,
    notch_frequencies_hz,
)
from engine.dsp.quality import FlagArray, QualityConfig, QualityMonitor
from engine.dsp.quality_units import quality_for_source
from engine.dsp.settling import band_settling_samples
from engine.errors import CalibrationError, ConfigError, SignalError
from engine.messages import Gap, PlainValue, ProcessedBlock, QualityFlag, SampleFrame, SourceInfo

EnvelopeKind = Literal["linear", "rms"]

_SATURATED = np.uint8(QualityFlag.SATURATED)
_NONFINITE = np.uint8(QualityFlag.NONFINITE)
_LIFT_OFF = np.uint8(QualityFlag.LIFT_OFF)
_SETTLING = np.uint8(QualityFlag.SETTLING)
_ARTEFACT = np.uint8(QualityFlag.SATURATED | QualityFlag.LIFT_OFF | QualityFlag.NONFINITE)
"""The flags whose spans leave the filters holding an artefact: they restart where one ends."""


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """How one source's samples are processed. Build it with :meth:`for_source`.

    Defaults and why:

    - band-pass 20–450 Hz, Butterworth order 2 per edge: 20 Hz (De Luca 2010) rejects movement
      artefact and cable motion, 450 Hz keeps the surface-EMG band (SENIAM/ISEK); the upper
      corner is clipped to 0.9 × Nyquist, so 200 Hz devices get 20–90 Hz. Delay ≈ 3 ms above
      60 Hz at 2 kHz.
    - notches at the mains frequency and its 2nd and 3rd harmonics, each 2 Hz wide (a constant
      width rather than a constant Q, so the harmonics' notches take no more EMG than the
      fundamental's: together ~3 % of the EMG power): the 3rd harmonic carries most residual
      pickup; higher ones rarely rise above the EMG.
    - linear envelope, low-pass 10 Hz order 2: ≈ 23 ms delay. A 6 Hz order-2 envelope is
      smoother but lags ≈ 38 ms, order 4 ≈ 70 ms; biofeedback wants the whole loop under 50 ms,
      and %MVC calibration smooths over 0.5 s anyway. ``envelope="rms"`` with ``rms_window_s``
      0.05 (≈ 25 ms delay) is the alternative.
    """

    source_id: str
    rate_hz: float
    n_channels: int
    scale: float = 1.0
    """``SourceInfo.unit`` per raw unit (µV except for a counts source)."""
    mains_hz: float | None = 50.0
    band_low_hz: float = 20.0
    band_high_hz: float = 450.0
    band_order: int = 2
    notch_harmonics: int = 3
    notch_bandwidth_hz: float = 2.0
    envelope: EnvelopeKind = "linear"
    envelope_cutoff_hz: float = 10.0
    envelope_order: int = 2
    rms_window_s: float = 0.05
    gap_reset_s: float = 0.5
    """A gap longer than this restarts the filters from the next sample (the electrode offset may
    have moved); shorter gaps are spliced over with the state kept."""
    settle_s: float | None = None
    """How long the filters take to settle after a restart, in seconds; None (the default)
    derives it from the filter design (:mod:`engine.dsp.settling`, ≈ 0.53 s by default).
    Samples that long after a gap are flagged GAP, after saturation, lift-off or bad samples
    SETTLING: the envelope there is not yet the muscle's, so no %MVC is judged on it."""
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        if self.n_channels < 1:
            raise ConfigError("a pipeline needs at least one channel")
        if self.mains_hz not in (None, 50.0, 60.0):
            raise ConfigError(f"mains frequency must be 50 or 60 Hz, got {self.mains_hz!r}")
        if self.envelope not in ("linear", "rms"):
            raise ConfigError(f"envelope must be 'linear' or 'rms', got {self.envelope!r}")
        band_edges_hz(self.rate_hz, self.band_low_hz, self.band_high_hz)

    @classmethod
    def for_source(
        cls, info: SourceInfo, mains_hz: float | None = 50.0, **overrides: object
    ) -> PipelineConfig:
        """The default configuration for ``info``'s rate and channels: quality thresholds in the
        source's own unit, and for integer sources the converter rails from the sample type."""
        config = cls(
            source_id=info.source_id,
            rate_hz=info.rate_hz,
            n_channels=info.n_channels,
            scale=info.scale,
            mains_hz=mains_hz,
            quality=quality_for_source(info),
        )
        # The overrides are keyword arguments of any type (a caller's settings); mypy cannot
        # match them to the fields, and __post_init__ checks the values that matter.
        return replace(config, **overrides)  # type: ignore[arg-type]

    @property
    def band_hz(self) -> tuple[float, float]:
        """The band-pass corners in use (upper corner clipped below Nyquist)."""
        return band_edges_hz(self.rate_hz, self.band_low_hz, self.band_high_hz)

    @property
    def notch_hz(self) -> tuple[float, ...]:
        return notch_frequencies_hz(
            self.rate_hz, self.mains_hz, self.notch_harmonics, self.band_hz[1]
        )

    def signature(self) -> dict[str, PlainValue]:
        """Everything the envelope's scale depends on, as plain data.

        A calibration stores this; it is valid only for a pipeline with the same signature.
        """
        low, high = self.band_hz
        envelope: dict[str, PlainValue] = {"kind": self.envelope}
        if self.envelope == "linear":
            envelope |= {"cutoff_hz": self.envelope_cutoff_hz, "order": self.envelope_order}
        else:
            envelope |= {"window_s": self.rms_window_s}
        return {
            "rate_hz": float(self.rate_hz),
            "band_hz": [low, high],
            "band_order": self.band_order,
            "notch_hz": list(self.notch_hz),
            "notch_bandwidth_hz": self.notch_bandwidth_hz,
            "envelope": envelope,
        }


class Pipeline:
    """Streaming processing of one source. Feed frames and gaps in order.

    Gaps: a short gap (≤ ``gap_reset_s``) is spliced over with the filter state kept, so the
    envelope carries on smoothly; a long one restarts the filters from the next sample as at the
    stream's start. Either way the missing span comes back as a block of held values flagged
    GAP, and the :attr:`settle_n` samples after it are flagged GAP too.

    Artefacts: samples that are not finite or beyond the limit the device or physiology allows
    never reach a filter (the last good value is held over them). Where a span flagged
    saturated, lift-off or non-finite ends, a channel's filters restart on its first clean
    sample, so an artefact of any size cannot ring on into the envelope, and the next
    :attr:`settle_n` samples are flagged SETTLING. Spans end only on quality-window boundaries,
    so this costs at most one restart per window.
    """

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        rate = config.rate_hz
        low, high = config.band_hz
        bandpass = design_bandpass(rate, low, high, config.band_order)
        notches = design_notches(rate, config.notch_hz, config.notch_bandwidth_hz)
        self.band_sos: FloatArray = np.vstack([bandpass, notches])
        """The band-pass and notch cascade, for offline checks against ``scipy.signal.sosfilt``."""
        self._band = SosCascade(self.band_sos, config.n_channels)
        self._envelope: Envelope
        if config.envelope == "linear":
            self._envelope = LinearEnvelope(
                rate, config.envelope_cutoff_hz, config.envelope_order, config.n_channels
            )
        else:
            self._envelope = MovingRms(rate, config.rms_window_s, config.n_channels)
        self._quality = QualityMonitor(config.quality, rate, config.n_channels, config.notch_hz)
        carrier_hz = float(np.sqrt(low * high))
        self.group_delay_s = self._envelope.delay_s + group_delay_s(bandpass, carrier_hz, rate)
        """Delay from muscle to envelope: the envelope's low-frequency delay plus the band-pass
        delay at the band's geometric centre (the notches add delay only within ~2 Hz of
        mains)."""
        self._calibration: Calibration | None = None
        self._normalisation: Normalisation | None = None
        self.settle_n = (
            band_settling_samples(self.band_sos, rate) + self._envelope.settling_n
            if config.settle_s is None
            else round(config.settle_s * rate)
        )
        """Samples flagged after a gap or an artefact while the restarted filters settle."""
        self._next_index: int | None = None
        self._primed = False
        self._settle_until = -1
        # Per channel: whether the last sample was in an artefact span, and the index before
        # which the restart after one is still settling.
        self._in_artefact = np.zeros(config.n_channels, dtype=bool)
        self._settling_until = np.zeros(config.n_channels, dtype=np.int64)
        self._last_good = np.zeros(config.n_channels)
        self._continues = False
        """Whether the next sample follows ``_last_good`` directly (no gap, not the start)."""
        self._last_range = (0.0, 0.0)
        """The lowest and highest sample of the last block, after holding out bad ones."""
        self._any_in_artefact = False
        self._settling_any_until = 0
        """The highest of ``_settling_until``: no channel settles from this index on."""
        self._step_limit = config.quality.slew_limit_uv_per_s / rate
        self._last_envelope = np.zeros(config.n_channels)
        self._last_pct = np.zeros(config.n_channels)
        self._last_band: FloatArray = np.zeros((config.n_channels, 0))

    @property
    def envelope_sos(self) -> FloatArray | None:
        """The envelope low-pass (None for a moving-RMS envelope)."""
        return self._envelope.sos if isinstance(self._envelope, LinearEnvelope) else None

    @property
    def calibration(self) -> Calibration | None:
        return self._calibration

    @property
    def last_band_uv(self) -> FloatArray:
        """The band-passed signal (samples, channels) of the last frame, for onset and fatigue."""
        return self._last_band.T

    def set_calibration(self, calibration: Calibration | None) -> None:
        """Use ``calibration`` for baseline subtraction and %MVC from the next sample on.

        Raises :class:`CalibrationError` when it was made with a different pipeline (the %MVC
        scale would be wrong) or for other channels.
        """
        if calibration is None:
            self._calibration = None
            self._normalisation = None
            return
        if len(calibration.channels) != self.config.n_channels:
            raise CalibrationError(
                f"calibration has {len(calibration.channels)} channels, the source has "
                f"{self.config.n_channels}",
                hint="calibrate again with this sensor",
            )
        mine = self.config.signature()
        if calibration.pipeline != mine:
            changed = sorted(k for k in mine if calibration.pipeline.get(k) != mine[k])
            raise CalibrationError(
                f"calibration was made with different processing ({', '.join(changed)})",
                hint="calibrate again: a different envelope changes the %MVC scale",
            )
        self._calibration = calibration
        self._normalisation = Normalisation.of(calibration)

    def feed(self, item: SampleFrame | Gap) -> ProcessedBlock:
        """One source item: a frame is filtered, a gap carries the filter state across the
        missing samples. The one place that tells the two apart, for the live DSP actor and a
        replay alike, so both step the pipeline the same way."""
        return self.gap(item) if isinstance(item, Gap) else self.process(item)

    def process(self, frame: SampleFrame) -> ProcessedBlock:
        """Process one frame. A frame that starts after the expected index is treated as
        following a gap of the missing samples (flagged, never silently joined)."""
        cfg = self.config
        data = frame.data
        self._follow(frame)
        n = data.shape[0]
        raw = np.empty((cfg.n_channels, n))
        np.multiply(data.T, cfg.scale, out=raw)
        replaced = None
        low = high = math.nan
        if n:
            # One pass each gives the rails and limit checks their extremes and catches any NaN
            # or inf.
            low = float(np.minimum.reduce(raw, axis=None))
            high = float(np.maximum.reduce(raw, axis=None))
            replaced, low, high = self._screen(raw, low, high)
            self._last_good = raw[:, -1].copy()
            self._continues = True
            if not self._primed:
                self._band.prime(raw[:, 0])
                self._primed = True
        quality = self._quality.assess(raw, replaced, (low, high))
        if self._settle_until > frame.first_index:
            quality[:, : self._settle_until - frame.first_index] |= np.uint8(QualityFlag.GAP)
        restarts = self._artefact_ends(quality) if n else []
        envelope = self._filter(raw, restarts).T
        self._flag_settling(quality, frame.first_index, restarts)
        pct = None
        if self._normalisation is not None:
            envelope, pct = self._normalisation.apply(envelope)
        else:
            np.maximum(envelope, 0.0, out=envelope)
        self._last_band = raw
        self._next_index = frame.first_index + n
        if n:
            # Copies: a gap block shows these, whatever the consumer does with this block.
            self._last_envelope = envelope[-1].copy()
            if pct is not None:
                self._last_pct = pct[-1].copy()
        return ProcessedBlock(
            source_id=frame.source_id,
            first_index=frame.first_index,
            t_ns=frame.t_ns,
            rate_hz=cfg.rate_hz,
            envelope_uv=envelope,
            pct_mvc=pct,
            quality=quality.T,
            band_uv=raw.T,
        )

    def _follow(self, frame: SampleFrame) -> None:
        """Check that ``frame`` belongs here and comes in order; skip over missing samples."""
        cfg = self.config
        if frame.source_id != cfg.source_id:
            raise SignalError(
                f"frame from {frame.source_id!r} fed to the {cfg.source_id!r} pipeline"
            )
        if frame.data.shape[1] != cfg.n_channels:
            raise SignalError(
                f"frame {frame.seq} has {frame.data.shape[1]} channels, expected "
                f"{cfg.n_channels}"
            )
        if self._next_index is not None and frame.first_index != self._next_index:
            if frame.first_index < self._next_index:
                raise SignalError(
                    f"frame {frame.seq} starts at sample {frame.first_index}, before sample "
                    f"{self._next_index} already processed",
                    hint="frames must arrive in order without overlap",
                )
            self._skip(frame.first_index - self._next_index)

    def gap(self, gap: Gap) -> ProcessedBlock:
        """Account for samples that never arrived; returns them as held values flagged GAP.

        The returned arrays are read-only broadcasts of one row (no memory per missing sample):
        a held block (:mod:`engine.held_blocks`), which the rules, the training core and
        calibration take in time and memory independent of its length, so a gap may declare
        any number of samples. Work here is O(1) too: the filters are reset or carried over,
        never run over the missing samples.
        """
        cfg = self.config
        if gap.source_id != cfg.source_id:
            raise SignalError(f"gap of {gap.source_id!r} fed to the {cfg.source_id!r} pipeline")
        n = gap.n_missing if gap.n_missing >= 0 else round(gap.duration_ns * cfg.rate_hz / 1e9)
        first, t_ns = gap.first_index, gap.t_ns
        if self._next_index is not None:
            if first < self._next_index:
                raise SignalError(
                    f"gap at sample {first} overlaps samples already processed "
                    f"(next expected {self._next_index})"
                )
            # Samples lost before the reported gap began belong to it too.
            earlier = first - self._next_index
            n, first = n + earlier, self._next_index
            t_ns -= sample_offset_ns(earlier, cfg.rate_hz)
            self._skip(n)
        else:
            self._next_index = first + n
        shape = (n, cfg.n_channels)
        return ProcessedBlock(
            source_id=gap.source_id,
            first_index=first,
            t_ns=t_ns,
            rate_hz=cfg.rate_hz,
            envelope_uv=np.broadcast_to(self._last_envelope, shape),
            pct_mvc=(
                np.broadcast_to(self._last_pct, shape) if self._normalisation is not None else None
            ),
            quality=np.broadcast_to(np.uint8(QualityFlag.GAP), shape),
        )

    def _skip(self, n_missing: int) -> None:
        """Move past ``n_missing`` lost samples (``_next_index`` is known)."""
        cfg = self.config
        assert self._next_index is not None
        self._next_index += n_missing
        if n_missing > cfg.gap_reset_s * cfg.rate_hz:
            # Forget the past: the next sample primes the filters as at the stream's start.
            self._band.reset()
            self._envelope.reset()
            self._primed = False
        self._quality.restart()
        self._continues = False
        self._settle_until = self._next_index + self.settle_n

    def _screen(
        self, raw: FloatArray, low: float, high: float
    ) -> tuple[FlagArray | None, float, float]:
        """The checks made on each sample before filtering. Samples that are not finite or
        beyond the amplitude limit are held out of the filters (the last good value stands in)
        and flagged; jumps faster than a muscle can move the signal are flagged LIFT_OFF.
        Returns the flags (None when every sample passes) and ``raw``'s new extremes."""
        flags = None
        if not (math.isfinite(low) and math.isfinite(high)) or self._quality.beyond_limit(
            (low, high)
        ):
            flags = self._hold_over_bad(raw)
            low, high = float(raw.min()), float(raw.max())
        # The sample before this block, unless a gap or the stream's start came between (a
        # jump across a gap is no slew). No step can be larger than the range of this block and
        # the one before (which holds that sample): mostly there is nothing to check.
        before = self._last_good if self._continues else raw[:, 0]
        lowest, highest = (min(low, self._last_range[0]), max(high, self._last_range[1])) if (
            self._continues) else (low, high)
        self._last_range = (low, high)
        if highest - lowest > self._step_limit:
            steps = np.empty(raw.shape)
            np.subtract(raw[:, 0], before, out=steps[:, 0])
            np.subtract(raw[:, 1:], raw[:, :-1], out=steps[:, 1:])
            jumps = np.abs(steps) > self._step_limit
            if jumps.any():
                if flags is None:
                    flags = np.zeros(raw.shape, dtype=np.uint8)
                flags[jumps] |= _LIFT_OFF
        return flags, low, high

    def _hold_over_bad(self, raw: FloatArray) -> FlagArray:
        """Hold the last good value over samples that are not finite or beyond the limit, so
        no filter state is poisoned; returns their flags (NONFINITE, SATURATED)."""
        nonfinite = ~np.isfinite(raw)
        with np.errstate(invalid="ignore"):
            beyond = np.abs(raw) > self._quality.config.limit_uv
        good = ~(nonfinite | beyond)
        index = np.where(good, np.arange(raw.shape[1]), -1)
        np.maximum.accumulate(index, axis=1, out=index)
        held = np.take_along_axis(raw, np.maximum(index, 0), axis=1)
        raw[...] = np.where(index >= 0, held, self._last_good[:, None])
        flags = np.zeros(raw.shape, dtype=np.uint8)
        flags[beyond] = _SATURATED
        flags[nonfinite] = _NONFINITE
        return flags

    def _artefact_ends(self, quality: FlagArray) -> list[tuple[int, npt.NDArray[np.bool_]]]:
        """Where an artefact span ends in this block: (position, channels whose span ends on
        the sample there), in order. Carries whether the last sample was in a span."""
        if not (self._any_in_artefact or quality.any()):
            return []
        inside = (quality & _ARTEFACT) != 0
        ends = np.empty(inside.shape, dtype=bool)
        np.greater(self._in_artefact, inside[:, 0], out=ends[:, 0])
        np.greater(inside[:, :-1], inside[:, 1:], out=ends[:, 1:])
        self._in_artefact = inside[:, -1].copy()
        self._any_in_artefact = bool(self._in_artefact.any())
        return [(int(k), ends[:, k].copy()) for k in np.flatnonzero(ends.any(axis=0))]

    def _filter(
        self, raw: FloatArray, restarts: list[tuple[int, npt.NDArray[np.bool_]]]
    ) -> FloatArray:
        """Band-pass ``raw`` (channels, samples) in place and return its envelope, restarting
        the channels' filters where artefact spans end (see the class)."""
        if not restarts:
            self._band.process(raw)
            return self._envelope.process(raw)
        envelope = np.empty_like(raw)
        cuts = [0] + [k for k, _ in restarts] + [raw.shape[1]]
        channels: list[npt.NDArray[np.bool_] | None] = [None] + [c for _, c in restarts]
        for start, stop, restarting in zip(cuts[:-1], cuts[1:], channels, strict=True):
            if restarting is not None:
                self._band.restart(restarting, raw[:, start])
                self._envelope.restart(restarting)
            if start == stop:
                continue
            # The filters work in place on contiguous rows: filter a copy of the span.
            span = np.ascontiguousarray(raw[:, start:stop])
            self._band.process(span)
            raw[:, start:stop] = span
            envelope[:, start:stop] = self._envelope.process(span)
        return envelope

    def _flag_settling(
        self,
        quality: FlagArray,
        first_index: int,
        restarts: list[tuple[int, npt.NDArray[np.bool_]]],
    ) -> None:
        """Flag SETTLING on the samples within :attr:`settle_n` of a restart after an
        artefact, this block's restarts and those of earlier blocks."""
        if first_index < self._settling_any_until:
            carried = self._settling_until - first_index
            for c in np.flatnonzero(carried > 0).tolist():
                quality[c, : int(carried[c])] |= _SETTLING
        for k, channels in restarts:
            quality[channels, k : k + self.settle_n] |= _SETTLING
            self._settling_until[channels] = first_index + k + self.settle_n
            self._settling_any_until = first_index + k + self.settle_n
