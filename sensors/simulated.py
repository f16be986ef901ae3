"""The virtual patient as a :class:`~sensors.source.Source`: frames paced in (Trio) real time.

Frames are int16 counts (``SourceInfo.dtype == "<i2"``) with ``SourceInfo.scale`` µV per count,
like a 16-bit EMG converter. Frame ``k`` is released when the Trio clock reaches the time of its
last sample (``trio.sleep_until`` against the start time), so under ``MockClock(autojump)`` a
minute of signal streams instantly; ``realtime=False`` does not wait at all. Lost frames (the
script's :class:`~sensors.virtual_patient.PacketLoss` or ``PatientConfig.packet_loss``) come out
as one :class:`~engine.messages.Gap` before the next delivered frame. Calling ``stream()``
again after a disconnect continues the same timeline: in real time, the samples of the outage
are reported as a Gap, as a real sensor's would be.

Example::

    patient = VirtualPatient(PatientConfig(snr_db=20), script.compliant_quad_sets(), seed=7)
    source = SimulatedSource(patient)
    async for item in source.stream():
        ...
    source.set_activation("L-quad", 0.5)    # live play (keyboard)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import numpy as np
import trio

from engine.clock import sample_offset_ns
from engine.messages import Gap, SampleFrame, SourceInfo
from sensors.source import SourceItem
from sensors.virtual_patient import PatientConfig, VirtualPatient

__all__ = ["PatientConfig", "SimulatedSource", "VirtualPatient"]


class SimulatedSource:
    """Streams a :class:`VirtualPatient` as frames of ``frame_s`` seconds.

    ``duration_s`` None plays the script to its end, or forever when the script is empty (live
    play driven by :meth:`set_activation`).
    """

    def __init__(
        self,
        patient: VirtualPatient,
        *,
        source_id: str = "sim",
        frame_s: float = 0.02,
        realtime: bool = True,
        duration_s: float | None = None,
    ) -> None:
        self.patient = patient
        cfg = patient.config
        self._frame_n = max(1, round(frame_s * cfg.rate_hz))
        self._realtime = realtime
        script_s = patient.script.duration_s
        end_s = duration_s if duration_s is not None else (script_s or None)
        self._end_index = round(end_s * cfg.rate_hz) if end_s is not None else None
        self._info = SourceInfo(
            source_id=source_id,
            name="Virtual patient",
            kind="simulated",
            rate_hz=cfg.rate_hz,
            channels=cfg.channels,
            dtype="<i2",
            scale=cfg.adc_scale_uv,
            unit="uV",
            device_clock="simulated",
        )
        self._next_index = 0
        self._seq = 0
        self._start: float | None = None
        self._lost_from: int | None = None
        """First sample of lost frames not yet reported (kept across reconnects)."""
        self._held: SampleFrame | None = None
        """A frame made but not yet handed out: its consumer stopped at the gap before it."""
        self._closed = False
        loss_rng = np.random.SeedSequence(patient.seed, spawn_key=(2,))
        self._loss_rng = np.random.Generator(np.random.PCG64(loss_rng))

    @property
    def info(self) -> SourceInfo:
        return self._info

    def set_activation(self, target: str, level: float) -> None:
        """Live command: ``target`` (label or muscle) holds ``level`` from the next sample the
        patient generates on (it renders ahead in blocks, so that may be after the next frame)."""
        self.patient.set_activation(target, level)

    def set_activations(self, levels: Mapping[str, float]) -> None:
        """Several live commands at once (what a session's "activation" input carries)."""
        for target, level in levels.items():
            self.set_activation(target, level)

    def _lost(self, first: int, n: int) -> bool:
        rate = self.patient.config.rate_hz
        t0, t1 = first / rate, (first + n) / rate
        scripted = any(
            loss.start_s < t1 and t0 < loss.start_s + loss.duration_s
            for loss in self.patient.script.losses
        )
        # Drawn for every frame, lost or not, so the loss pattern depends only on the seed.
        random_loss = self._loss_rng.random() < self.patient.config.packet_loss
        return scripted or random_loss

    async def stream(self) -> AsyncIterator[SourceItem]:
        rate = self.patient.config.rate_hz
        if self._held is not None:
            held, self._held = self._held, None
            yield held
        if self._start is None or not self._realtime:
            self._start = trio.current_time() - self._next_index / rate
        start = self._start
        if self._realtime:
            # Called again after a disconnect: what the muscles did meanwhile is lost.
            due = int((trio.current_time() - start) * rate) // self._frame_n * self._frame_n
            if self._end_index is not None:
                due = min(due, self._end_index)
            if due > self._next_index:
                if self._lost_from is None:
                    self._lost_from = self._next_index
                self._next_index = due
        while not self._closed:
            first = self._next_index
            n = self._frame_n
            if self._end_index is not None:
                n = min(n, self._end_index - first)
                if n <= 0:
                    break
            if self._realtime:
                await trio.sleep_until(start + (first + n) / rate)
            chunk = self.patient.render(first, n)
            self._next_index = first + n
            if self._lost(first, n):
                if self._lost_from is None:
                    self._lost_from = first
                continue
            t_ns = sample_offset_ns(first, rate)
            # Counted and held before the gap leaves: a consumer that stops at the gap's yield
            # (a crash) has the gap, and the next stream() must still hand this frame out.
            frame = SampleFrame(self._info.source_id, self._seq, first, t_ns, chunk.counts, t_ns)
            self._held = frame
            self._seq += 1
            if self._lost_from is not None:
                gap = self._gap(self._lost_from, first)
                self._lost_from = None
                yield gap
            self._held = None
            yield frame
        if self._lost_from is not None:
            gap = self._gap(self._lost_from, self._next_index)
            self._lost_from = None
            yield gap

    def _gap(self, first: int, stop: int) -> Gap:
        rate = self.patient.config.rate_hz
        t_ns = sample_offset_ns(first, rate)
        return Gap(
            self._info.source_id,
            first,
            stop - first,
            t_ns,
            sample_offset_ns(stop, rate) - t_ns,
            "simulated packet loss or outage",
        )

    async def aclose(self) -> None:
        self._closed = True


