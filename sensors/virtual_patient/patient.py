"""The virtual patient: deterministic, realistic surface EMG with known ground truth.

Signal model per channel (µV)::

    x = a(t) · σ_mvc · s_k(t) + n(t) + offset + wander(t) + mains(t) + artefacts(t)

- ``a(t)``: true activation (1 = maximal voluntary contraction) from the script or live
  commands, after the patient's deficit (a weaker side) and co-activation (compensation);
- ``s_k``: unit-variance Gaussian noise shaped by a band-pass whose corners scale with the
  fatigue factor ``k`` (the whole spectrum compresses as conduction velocity falls, so the
  median frequency falls as ``k``); the amplitude-modulated Gaussian process is the standard
  model of the summed motor-unit action potential trains under an electrode;
- ``σ_mvc`` is set so the mean rectified value at a = 1, within the 20–450 Hz surface-EMG
  band, is ``mvc_uv``: the amplitude a linear envelope reads, and what an MVC calibration
  should recover;
- ``n``: white instrument noise at ``snr_db`` below the EMG's RMS at full activation.

Generation runs in fixed blocks (50 ms) counted from sample 0, each drawing from its own
generator seeded by ``(seed, block)``, so the output depends only on the seed, the script and
the live commands' sample indices, never on how it is chunked. Samples come out as int16
counts of ``adc_scale_uv`` µV (like a 16-bit converter), which also gives real rails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import signal

from engine.dsp.filters import design_bandpass
from engine.messages import ChannelInfo, QualityFlag, Side
from engine.portable_trig import sin_cos_turns
from sensors.virtual_patient.dynamic_reps import RepPattern
from sensors.virtual_patient.script import Artefact, Script

FloatArray = npt.NDArray[np.float64]

DEFAULT_CHANNELS = (
    ChannelInfo("L-quad", "quadriceps", Side.LEFT),
    ChannelInfo("R-quad", "quadriceps", Side.RIGHT),
    ChannelInfo("L-ham", "hamstrings", Side.LEFT),
    ChannelInfo("R-ham", "hamstrings", Side.RIGHT),
)

#: Mean rectified value of a unit-variance Gaussian.
ARV_PER_SD = math.sqrt(2 / math.pi)
#: Fresh-muscle EMG band (Hz) of the shaping filter; scaled by the fatigue factor.
EMG_BAND_HZ = (35.0, 180.0)
#: The surface-EMG band in which ``mvc_uv`` is defined (SENIAM/ISEK; clipped below Nyquist).
REFERENCE_BAND_HZ = (20.0, 450.0)
BLOCK_S = 0.05
INT16_MAX = 32767


@dataclass(frozen=True, slots=True)
class CoActivation:
    """``follower`` activates at ``ratio`` × ``driver``'s activation on top of its own, outside
    maximal efforts (an MVC trial of the follower measures the follower alone)."""

    driver: str
    follower: str
    ratio: float


@dataclass(frozen=True, slots=True)
class PatientConfig:
    """Who the virtual patient is and how good the recording is.

    Muscle keys (``deficit``, ``mvc_uv`` mappings, co-activation) are channel labels or muscle
    names, as in scripts.
    """

    rate_hz: float = 2000.0
    channels: tuple[ChannelInfo, ...] = DEFAULT_CHANNELS
    mvc_uv: float | Mapping[str, float] = 300.0
    """Mean rectified EMG at full activation, µV (a channel's true MVC envelope)."""
    snr_db: float = 30.0
    """EMG RMS at full activation over the background noise RMS, in dB."""
    mains_hz: float = 50.0
    mains_uv: float = 20.0
    """Peak amplitude of the mains fundamental (a third harmonic at 30 % rides along)."""
    offset_uv: float = 300.0
    """Electrode DC offset magnitude (sign random per channel)."""
    wander_uv: float = 30.0
    """Baseline wander amplitude (0.1–0.5 Hz, breathing and skin potentials)."""
    deficit: Mapping[str, float] = field(default_factory=dict)
    """Fraction of the commanded activation a muscle fails to produce outside maximal efforts:
    ``{"L-quad": 0.4}`` is a left quadriceps 40 % weaker during exercises (an arthrogenic
    inhibition); its own MVC trials still reach full activation, so %MVC shows the deficit."""
    coactivation: tuple[CoActivation, ...] = ()
    fatigue_pct_per_s: float = 0.0
    """Median-frequency fall, in % of the fresh value per second of sustained effort."""
    fatigue_threshold: float = 0.2
    """Activation from which an effort counts as sustained (fatigues)."""
    recovery_pct_per_s: float = 2.0
    packet_loss: float = 0.0
    """Probability that a frame is lost in transit (the source reports a Gap)."""
    adc_scale_uv: float = 0.25
    """µV per int16 count: ±8.19 mV full scale."""
    reps: RepPattern | None = None
    """Perform sub-maximal efforts as dynamic reps of this pattern (None: hold them); see
    :mod:`sensors.virtual_patient.dynamic_reps`."""

    def __post_init__(self) -> None:
        if not 200 <= self.rate_hz <= 4000:
            raise ValueError(f"virtual patient rate must be 200 Hz to 4 kHz, got {self.rate_hz}")
        if self.mains_hz not in (50.0, 60.0):
            raise ValueError("mains must be 50 or 60 Hz")
        if not self.channels:
            raise ValueError("the patient needs at least one channel")


@dataclass(frozen=True, slots=True)
class Chunk:
    """Samples ``first_index`` … ``first_index + n - 1`` and their ground truth."""

    first_index: int
    counts: npt.NDArray[np.int16]
    """(samples, channels) int16 converter counts; × ``adc_scale_uv`` gives µV."""
    activation: FloatArray
    """(samples, channels) true activation (1 = MVC)."""
    mdf_factor: FloatArray
    """(samples, channels) median frequency relative to the fresh muscle (fatigue)."""
    artefacts: npt.NDArray[np.uint8]
    """(samples, channels) :class:`QualityFlag` bits of the artefacts injected."""


def _sin_turns(turns: FloatArray) -> FloatArray:
    """sin(2π·turns), the same bits on every machine (tests compare samples exactly)."""
    return sin_cos_turns(turns)[0]


def _generator(seed: int, *key: int) -> np.random.Generator:
    """An independent stream for ``key`` under ``seed`` (blocks never share random numbers)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def _matches(key: str, channel: ChannelInfo) -> bool:
    return key in (channel.label, channel.muscle)


class VirtualPatient:
    """Pure, seeded EMG generator; ask for samples by absolute index with :meth:`render`."""

    # Generation state (see _restart): next block's first sample, fatigue factor and shaping
    # filter state per channel, the last block generated and the state before it.
    _cursor: int
    _fatigue: FloatArray
    _zi: FloatArray
    _pending: Chunk | None
    _state_before_pending: tuple[FloatArray, FloatArray]

    def __init__(self, config: PatientConfig | None = None, script: Script | None = None,
                 *, seed: int = 0) -> None:
        self.config = config or PatientConfig()
        self.script = script or Script()
        self.seed = seed
        cfg = self.config
        self.channels = cfg.channels
        n = len(cfg.channels)
        self.block_n = max(1, round(BLOCK_S * cfg.rate_hz))
        self.true_mvc_uv: FloatArray = self._per_channel(cfg.mvc_uv, default=300.0)
        """True MVC envelope (mean rectified value at activation 1) per channel, µV."""
        self.true_fatigue_slope_pct_per_s = -cfg.fatigue_pct_per_s
        """Slope of the median frequency during sustained effort, % of the fresh value per s."""
        self._sigma_mvc = self.true_mvc_uv / ARV_PER_SD
        self._noise_sd = self._sigma_mvc * 10 ** (-cfg.snr_db / 20)
        constants = _generator(seed, 0)
        self._offset = cfg.offset_uv * constants.choice([-1.0, 1.0], size=n)
        self._phase_turns = constants.uniform(0, 1, size=(4, n))
        self._deficit = 1 - self._per_channel(cfg.deficit, default=0.0)
        self._breakpoints = self._script_breakpoints()
        self._maximal_spans = self._script_maximal_spans()
        self._segment_starts, self._segment_dynamic = self._script_efforts()
        self._onset_lag_s = self._per_channel(cfg.reps.onset_lag_s, default=0.0) if cfg.reps \
            else np.zeros(n)
        self._rep_z: dict[tuple[int, int], FloatArray] = {}
        self._coactivation = [
            (i, j, c.ratio)
            for c in cfg.coactivation
            for i, ci in enumerate(cfg.channels) if _matches(c.driver, ci)
            for j, cj in enumerate(cfg.channels) if _matches(c.follower, cj) and i != j
        ]
        self._live: list[tuple[int, int, float]] = []
        self._shapes: dict[int, tuple[FloatArray, float]] = {}
        self._reference_band = design_bandpass(
            cfg.rate_hz, REFERENCE_BAND_HZ[0], min(REFERENCE_BAND_HZ[1], 0.45 * cfg.rate_hz), 2
        )
        self._restart()

    def _per_channel(self, value: float | Mapping[str, float], default: float) -> FloatArray:
        if isinstance(value, int | float):
            return np.full(len(self.channels), float(value))
        out = np.full(len(self.channels), default)
        for key, v in value.items():
            hits = [i for i, c in enumerate(self.channels) if _matches(key, c)]
            if not hits:
                raise ValueError(f"no channel or muscle named {key!r}")
            out[hits] = v
        return out

    # ground truth ---------------------------------------------------------------------------

    def true_activation(self, first_index: int, n: int) -> FloatArray:
        """(samples, channels) true activation for samples ``first_index`` … + n − 1."""
        index = np.arange(first_index, first_index + n, dtype=np.float64)
        out = np.empty((n, len(self.channels)))
        for c, (times, levels) in enumerate(self._breakpoints):
            out[:, c] = np.interp(index, times, levels, right=0.0)
        for start, c, level in self._live:
            out[index >= start, c] = level
        if self.config.reps is not None:
            out *= self._rep_modulation(index, out)
        base = out.copy()
        task = np.ones(n, dtype=bool)
        for lo, hi in self._maximal_spans:
            task[(index >= lo) & (index < hi)] = False
        for i, j, ratio in self._coactivation:
            out[task, j] += ratio * base[task, i]
        return out

    def true_onsets(self, channel: int, duration_s: float | None = None) -> list[int]:
        """Sample indices where ``channel`` goes from rest (0) to active."""
        n = round((duration_s or self.script.duration_s) * self.config.rate_hz)
        active = self.true_activation(0, n)[:, channel] > 0
        return [int(i) for i in np.flatnonzero(active[1:] & ~active[:-1]) + 1]

    def _script_maximal_spans(self) -> list[tuple[float, float]]:
        """Sample ranges of maximal efforts (no deficit, no co-activation on top)."""
        spans, t0 = [], 0.0
        rate = self.config.rate_hz
        for seg in self.script.segments:
            if seg.maximal:
                spans.append((t0 * rate, (t0 + seg.duration_s) * rate))
            t0 += seg.duration_s
        return spans

    def _script_efforts(self) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """Each script segment's first sample and whether it is performed as reps (sub-maximal
        efforts are, under a rep pattern; MVC trials are held)."""
        rate = self.config.rate_hz
        durations = [seg.duration_s for seg in self.script.segments]
        starts = np.concatenate(([0.0], np.cumsum(durations)[:-1])) * rate if durations \
            else np.zeros(0)
        return starts, np.array([not seg.maximal for seg in self.script.segments], dtype=bool)

    def _rep_modulation(self, index: FloatArray, commanded: FloatArray) -> FloatArray:
        """(samples, channels) factor turning ``commanded`` levels into dynamic reps: the
        rep's shape times its drawn variation where an effort is sub-maximal, 1 elsewhere."""
        pattern = self.config.reps
        assert pattern is not None
        n, n_ch = commanded.shape
        starts = np.zeros((n, n_ch))
        dynamic = np.zeros((n, n_ch), dtype=bool)
        if self._segment_starts.size:
            segment = np.maximum(np.searchsorted(self._segment_starts, index, "right") - 1, 0)
            starts[:] = self._segment_starts[segment][:, None]
            dynamic[:] = self._segment_dynamic[segment][:, None]
        for start, c, level in self._live:
            later = index >= start
            starts[later, c] = start
            dynamic[later, c] = level < 1.0
        dynamic &= commanded > 0
        if not dynamic.any():
            return np.ones((n, n_ch))
        since_s = (index[:, None] - starts) / self.config.rate_hz - self._onset_lag_s[None, :]
        rep = np.floor(since_s / pattern.period_s)
        factor = pattern.shape(since_s - rep * pattern.period_s)
        keys = np.stack([starts.round().ravel(), rep.ravel()], axis=1).astype(np.int64)
        pairs, inverse = np.unique(keys, axis=0, return_inverse=True)
        draws = np.array([self._rep_variation(int(a), int(b)) for a, b in pairs])
        z = draws[inverse.reshape(n, n_ch), np.arange(n_ch)[None, :]]
        factor *= 1 + pattern.rep_cv * z
        return np.where(dynamic, np.maximum(factor, 0.0), 1.0)

    def _rep_variation(self, start: int, rep: int) -> FloatArray:
        """The standard-normal draw of every channel for rep ``rep`` of the effort that began at
        sample ``start``: the same whatever the chunking (cached; a session has few reps)."""
        key = (start, rep)
        if key not in self._rep_z:
            z = _generator(self.seed, 3, start, max(rep, 0)).standard_normal(len(self.channels))
            self._rep_z[key] = np.clip(z, -3.0, 3.0)
        return self._rep_z[key]

    def _script_breakpoints(self) -> list[tuple[FloatArray, FloatArray]]:
        rate = self.config.rate_hz
        out = []
        for c, channel in enumerate(self.channels):
            times, levels = [0.0], [0.0]
            t0 = 0.0
            for seg in self.script.segments:
                target = max(
                    (v for k, v in seg.levels.items() if _matches(k, channel)), default=0.0
                )
                if not seg.maximal:
                    target *= self._deficit[c]
                ramp_end = t0 + seg.ramp_s
                times += [t0 * rate, ramp_end * rate]
                levels += [levels[-1], target]
                t0 += seg.duration_s
            times.append(t0 * rate)
            levels.append(levels[-1])
            out.append((np.asarray(times), np.asarray(levels)))
        return out

    # live play ------------------------------------------------------------------------------

    def set_activation(self, target: str, level: float, at_index: int | None = None) -> None:
        """From sample ``at_index`` (default: the next one generated) on, ``target`` (a channel
        label or muscle name) holds ``level``, overriding the script. A sub-maximal level is
        cut by the muscle's deficit; a level of 1 or more is a maximal effort, which reaches
        it (as a scripted MVC trial does), so a calibration played live measures the muscle's
        true maximum and %MVC shows the deficit."""
        if not 0 <= level <= 1.5:
            raise ValueError("activation must be in [0, 1.5]")
        start = self._cursor if at_index is None else at_index
        if start < self._cursor:
            pending = self._pending
            if pending is None or start < pending.first_index:
                raise ValueError(f"sample {start} was already generated")
            # Generate the last block again with the command in it; its samples before
            # ``start`` come out the same (same seed, same state, same activation there).
            self._fatigue, self._zi = self._state_before_pending
            self._cursor = pending.first_index
            self._pending = None
        hits = [i for i, c in enumerate(self.channels) if _matches(target, c)]
        if not hits:
            raise ValueError(f"no channel or muscle named {target!r}")
        self._live += [(start, c, level if level >= 1.0 else level * self._deficit[c])
                       for c in hits]

    # generation -----------------------------------------------------------------------------

    def _restart(self) -> None:
        n = len(self.channels)
        self._cursor = 0
        self._fatigue = np.ones(n)
        self._zi = np.zeros((n, 2, 2))
        self._pending = None
        self._state_before_pending = (self._fatigue.copy(), self._zi.copy())

    def render(self, first_index: int, n: int) -> Chunk:
        """Samples ``first_index`` … ``first_index + n − 1``. Sequential calls are cheap; asking
        for earlier samples regenerates from the start (the result is the same)."""
        if first_index < 0 or n < 0:
            raise ValueError("sample indices are non-negative")
        parts: list[Chunk] = []
        if self._pending is not None and self._pending.first_index <= first_index < self._cursor:
            parts.append(self._pending)
        elif first_index < self._cursor:
            self._restart()
        while self._cursor < first_index + n:
            block = self._block(self._cursor // self.block_n)
            if block.first_index + block.counts.shape[0] > first_index:
                parts.append(block)
            self._cursor += self.block_n
        if parts:
            self._pending = parts[-1]
        joined = [np.concatenate(arrays) for arrays in zip(
            *((p.counts, p.activation, p.mdf_factor, p.artefacts) for p in parts), strict=True
        )] if parts else [np.zeros((0, len(self.channels)))] * 4
        lo = first_index - (parts[0].first_index if parts else first_index)
        return Chunk(
            first_index,
            joined[0][lo : lo + n].astype(np.int16, copy=False),
            joined[1][lo : lo + n],
            joined[2][lo : lo + n],
            joined[3][lo : lo + n].astype(np.uint8, copy=False),
        )

    def _shape(self, k: float) -> tuple[FloatArray, float]:
        """Shaping band-pass for fatigue factor ``k`` and its noise gain (cached per 0.1 %)."""
        key = round(k * 1000)
        if key not in self._shapes:
            rate = self.config.rate_hz
            low, high = EMG_BAND_HZ[0] * key / 1000, EMG_BAND_HZ[1] * key / 1000
            high = min(high, 0.45 * rate)
            sos = design_bandpass(rate, low, high, 2)
            impulse = np.zeros(int(rate))
            impulse[0] = 1.0
            # Unit variance *within the surface-EMG band*, so the amplitude a standard
            # pipeline reads at full activation is mvc_uv.
            in_band = signal.sosfilt(self._reference_band, signal.sosfilt(sos, impulse))
            gain = float(np.sqrt(np.sum(in_band**2)))
            self._shapes[key] = (sos, gain)
        return self._shapes[key]

    def _block(self, block: int) -> Chunk:
        cfg = self.config
        rate = cfg.rate_hz
        bn = self.block_n
        n_ch = len(self.channels)
        first = block * bn
        rng = _generator(self.seed, 1, block)
        activation = self.true_activation(first, bn)
        self._state_before_pending = (self._fatigue.copy(), self._zi.copy())
        # Fatigue accrues per block from the activation at its start, so a live command later
        # in the block cannot change samples already delivered.
        sustained = activation[0] >= cfg.fatigue_threshold
        step = BLOCK_S
        self._fatigue = np.where(
            sustained,
            self._fatigue - cfg.fatigue_pct_per_s / 100 * step,
            np.minimum(1.0, self._fatigue + cfg.recovery_pct_per_s / 100 * step),
        )
        self._fatigue = np.maximum(self._fatigue, 0.4)
        white = rng.standard_normal((n_ch, bn))
        emg = np.empty((n_ch, bn))
        for c in range(n_ch):
            sos, gain = self._shape(float(self._fatigue[c]))
            emg[c], self._zi[c] = signal.sosfilt(sos, white[c], zi=self._zi[c])
            emg[c] /= gain
        t = np.arange(first, first + bn) / rate
        x = activation.T * self._sigma_mvc[:, None] * emg
        x += self._noise_sd[:, None] * rng.standard_normal((n_ch, bn))
        x += self._offset[:, None]
        ph = self._phase_turns
        x += cfg.wander_uv * (
            _sin_turns(0.15 * t + ph[0][:, None]) + 0.5 * _sin_turns(0.4 * t + ph[1][:, None])
        )
        mains = np.full((n_ch, bn), cfg.mains_uv)
        flags = np.zeros((n_ch, bn), dtype=np.uint8)
        x += self._artefacts(x, t, rng, flags, mains)
        x += mains * (
            _sin_turns(cfg.mains_hz * t + ph[2][:, None])
            + 0.3 * _sin_turns(3 * cfg.mains_hz * t + ph[3][:, None])
        )
        counts = np.clip(np.rint(x / cfg.adc_scale_uv), -INT16_MAX - 1, INT16_MAX)
        flags[(counts <= -INT16_MAX - 1) | (counts >= INT16_MAX)] |= np.uint8(QualityFlag.SATURATED)
        return Chunk(
            first,
            counts.T.astype(np.int16),
            activation,
            np.repeat(self._fatigue[None, :], bn, axis=0),
            flags.T,
        )

    def _artefacts(
        self,
        x: FloatArray,
        t: FloatArray,
        rng: np.random.Generator,
        flags: npt.NDArray[np.uint8],
        mains: FloatArray,
    ) -> FloatArray:
        """Additive artefacts for this block; lift-off also silences the EMG in ``x``."""
        extra = np.zeros_like(x)
        t_start, t_stop = t[0], t[-1]
        for art in self.script.artefacts:
            if art.start_s > t_stop or art.start_s + art.duration_s <= t_start:
                continue
            rows = self._rows(art)
            inside = (t >= art.start_s) & (t < art.start_s + art.duration_s)
            cols = np.flatnonzero(inside)
            phase = (t[cols] - art.start_s) / art.duration_s
            for r in rows:
                if art.kind == "movement":
                    bump = _sin_turns(phase / 2) ** 2
                    extra[r, cols] += (art.amplitude_uv or 1000.0) * bump
                    flags[r, cols] |= np.uint8(QualityFlag.MOVEMENT)
                elif art.kind == "lift_off":
                    x[r, cols] = self._offset[r]
                    extra[r, cols] += (art.amplitude_uv or 3000.0) + 1500.0 * rng.standard_normal(
                        cols.size
                    )
                    mains[r, cols] = np.maximum(mains[r, cols], 400.0)
                    flags[r, cols] |= np.uint8(QualityFlag.LIFT_OFF)
                elif art.kind == "saturation":
                    extra[r, cols] += art.amplitude_uv or 2 * INT16_MAX * self.config.adc_scale_uv
                    flags[r, cols] |= np.uint8(QualityFlag.SATURATED)
                else:
                    mains[r, cols] = np.maximum(mains[r, cols], art.amplitude_uv or 400.0)
                    flags[r, cols] |= np.uint8(QualityFlag.MAINS)
        return extra

    def _rows(self, art: Artefact) -> Sequence[int]:
        if not art.channels:
            return range(len(self.channels))
        rows = [i for i, c in enumerate(self.channels) if any(_matches(k, c) for k in art.channels)]
        if not rows:
            raise ValueError(f"artefact names no known channel: {art.channels}")
        return rows
