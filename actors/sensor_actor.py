"""The sensor actor: pulls frames from a source and hands them on without ever waiting.

Sensing never waits on processing, rendering or disk: both outgoing edges are lossless bounded
channels written with ``send_nowait``, so a stage that falls behind by more than the channel's
capacity (2–4 s of samples) is a fault that the supervisor sees, never a silent stall of the
device. Each item carries the Trio time at which it arrived, for the latency readout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import trio

from actors.actor_messages import Arrival
from actors.outbox import Outbox
from engine.clock import sample_offset_ns
from engine.errors import LinkLostError
from engine.messages import ErrorReport, Gap, Record, SampleFrame
from engine.runtime.actor import Actor
from engine.runtime.channels import LosslessChannel
from sensors.source import Source

log = logging.getLogger(__name__)

#: Silence from a sensor that has not failed, in seconds, after which the time since its last
#: sample counts as lost at the session's end. Many frame periods of every supported device,
#: so a session that simply ends between two frames never reports a loss.
SILENT_S = 1.0
#: How the error record of a sensor down at the session's end begins.
OUTAGE_AT_END = "sensor down until the session ended"


class SensorActor(Actor):
    """Streams one :class:`~sensors.source.Source` into the DSP and the recorder.

    A lost wireless link (:class:`~engine.errors.LinkLostError`) is not a crash: the screen is
    told at once (the game pauses with the message) and the source's stream is resumed, which
    rescans and reconnects with back-off and reports the outage as a
    :class:`~engine.messages.Gap`. Anything else that goes wrong restarts this actor under its
    supervisor; sources keep their sample index running across restarts, so the timeline never
    resets. An item taken from the source is handed on in full even across a crash: what the
    crashed run had not sent yet waits in an :class:`~actors.outbox.Outbox` that the next run
    sends first, so a restart loses only what the device produced while nobody read it, which the
    source reports as an exact gap; a sensor still down when the session ends never reports
    one, so the session asks :meth:`final_outage` for the record of that loss. The session, not
    this shell, closes the source at the end.
    When the source ends normally the DSP channel is closed, which winds the pipeline down in
    order.
    """

    def __init__(
        self,
        source: Source,
        to_dsp: LosslessChannel[Arrival],
        to_recorder: LosslessChannel[Record],
        status: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(f"sensor:{source.info.source_id}")
        self.source = source
        self.to_dsp = to_dsp
        self.to_recorder = to_recorder
        self.status = status or (lambda message: None)
        self.links_lost = 0
        self.outbox = Outbox()
        self.down: str | None = None
        """Why the sensor is not streaming (the last failure), or None while samples flow."""
        self._ended = False
        self._last_arrival_s: float | None = None
        self._next_index = 0
        self._next_t_ns = 0

    async def loop(self) -> None:
        if self._last_arrival_s is None:
            self._last_arrival_s = trio.current_time()
        self.outbox.flush()
        while True:
            try:
                await self._stream()
            except LinkLostError as lost:
                self.links_lost += 1
                self.down = f"link lost: {lost}"
                log.warning("%s: %s", self.id, lost)
                self.status(f"reconnecting: {lost}")
                continue
            except Exception as error:
                self.down = f"{type(error).__name__}: {error}"
                raise
            break
        self._ended = True
        self.to_dsp.close()

    def final_outage(self, now_s: float) -> ErrorReport | None:
        """The error record for the samples lost from the last one passed on to the session's
        end at Trio time ``now_s``, when the sensor was down (or silent for :data:`SILENT_S`)
        at the end; None when it was streaming or its stream had ended.

        A sensor that fails on every reconnect never yields the gap a returning source reports,
        so without this the recording would just stop early, the lost time missing silently.
        It is an error record rather than a gap: the live engine never took such a gap in, so a
        replay must not judge one either (it would change the outputs). It is stamped with the
        session time of the first sample not received and says how long the loss lasted (Trio
        seconds are sample seconds: a simulated session run faster than real time paces its
        samples by the same clock); the device was not there to count what it lost.
        """
        if self._ended or self._last_arrival_s is None:
            return None
        lost_s = now_s - self._last_arrival_s
        if lost_s <= 0 or (self.down is None and lost_s < SILENT_S):
            return None
        cause = self.down or f"no samples for {lost_s:.1f} s"
        return ErrorReport(
            self._next_t_ns, self.id,
            f"{OUTAGE_AT_END}: no samples from sample {self._next_index} on, for {lost_s:.3f} s "
            f"(count unknown); last cause: {' '.join(cause.split())}",
        )

    def _passed_on(self, item: SampleFrame | Gap) -> None:
        """Note ``item`` as handed on: where the timeline continues, and that samples flow."""
        if isinstance(item, SampleFrame):
            n = item.n_samples
            self._next_index = item.first_index + n
            self._next_t_ns = item.t_ns + sample_offset_ns(n, self.source.info.rate_hz)
        else:
            if item.n_missing >= 0:
                self._next_index = item.first_index + item.n_missing
            self._next_t_ns = item.t_ns + item.duration_ns
        self._last_arrival_s = trio.current_time()
        self.down = None

    async def _stream(self) -> None:
        async for item in self.source.stream():
            # DSP first: if it has fallen behind (a fault) the frame waits, for the next run,
            # to reach both sides, so the recording and the live judgements keep seeing the
            # same samples.
            self.outbox.load(item, [
                partial(self.to_dsp.send_nowait, Arrival(item, trio.current_time())),
                partial(self.to_recorder.send_nowait, item),
                partial(self._passed_on, item),
            ])
            self.outbox.flush()
