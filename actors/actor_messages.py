"""The messages actors pass each other, on the channels the session builds between them.

They live apart from every actor so that an actor depends on the messages it takes and sends,
never on the actor at the other end. Records that are also recorded (frames, gaps, inputs,
events) are :mod:`engine.messages`; these only travel between live actors, because the Trio
clock times they carry are not sample time and must never reach a recording.

========================  =====================  =========================================
message                   edge                   channel
========================  =====================  =========================================
:class:`Arrival`          sensor → dsp           lossless, bounded, ``send_nowait``
:class:`Processed`        dsp → rules            lossless, bounded, ``send_nowait``
:class:`ViewUpdate`       rules → render         latest value (autopilot reads it too)
========================  =====================  =========================================
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.messages import Gap, ProcessedBlock, SampleFrame
from engine.view import SessionView

#: Player inputs the actors themselves act on (the training core judges the others): the
#: virtual patient's commanded muscles, and leaving the session.
ACTIVATION_INPUT = "activation"
QUIT_INPUT = "quit"


@dataclass(frozen=True, slots=True)
class Arrival:
    """A frame or gap with the Trio clock time (s) at which the sensor actor received it."""

    item: SampleFrame | Gap
    arrival_s: float


@dataclass(frozen=True, slots=True)
class Processed:
    """A processed block and the arrival time (Trio clock, s) of its newest sample."""

    block: ProcessedBlock
    arrival_s: float


@dataclass(frozen=True, slots=True)
class ViewUpdate:
    """A view as published to the render actor.

    ``arrival_s`` is the Trio clock time (``trio.current_time()``) at which the newest sample
    the view reflects arrived from the device; ``group_delay_ms`` the delay the processing adds
    on top (the envelope filter's group delay), which the arrival time cannot show.
    """

    view: SessionView
    arrival_s: float
    group_delay_ms: float = 0.0
