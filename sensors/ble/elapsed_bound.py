"""How many samples a device can really have produced between two arrivals.

A counter that jumps (firmware bug, a bit flipped in a packet that still decodes, a device that
restarted into a different count) claims samples were lost; the host's own clock says how much
time actually passed. A claim beyond what that time allows, with margins for a fast device clock
and for a notification that arrived late, is a *discontinuity*: the samples are counted as what
the arrival times make plausible, and the record says the rest of the jump was not believed.
Without this, one bad counter value becomes a gap of billions of samples. Pure: times are
handed in.
"""

from __future__ import annotations

import math

from engine.clock import NS_PER_S

RATE_MARGIN = 0.10
"""How much faster than the measured (or nominal) rate a device may sample: far above any
crystal's error or the drift the clock fit can miss."""

ARRIVAL_SLACK_S = 2.0
"""How much later than its samples the previous chunk may have arrived: BLE stacks hold
notifications for connection events and retries, and the operating system for scheduling; a
connection that stalled longer than this drops and becomes an outage, measured on its own."""

DISCONTINUITY = "discontinuity"
"""How a gap's reason starts when the device's count of missing samples was not believed."""


def most_samples_between(elapsed_ns: int, ns_per_sample: float) -> int:
    """The most samples a device sampling every ``ns_per_sample`` ns can have produced while
    ``elapsed_ns`` of arrival time passed, the margins included."""
    window_ns = max(0, elapsed_ns) + ARRIVAL_SLACK_S * NS_PER_S
    return math.ceil(window_ns * (1.0 + RATE_MARGIN) / ns_per_sample)


def discontinuity_reason(why: str, claimed: int, elapsed_ns: int, allowed: int) -> str:
    """A gap's reason for a jump of ``claimed`` missing samples (``why`` the device's own
    reason) when ``elapsed_ns`` of arrival time allowed at most ``allowed``."""
    return (
        f"{DISCONTINUITY}: {why}, but the count jumped by {claimed} samples where "
        f"{elapsed_ns / NS_PER_S:.3f} s of arrival time allows at most {allowed}; the missing "
        "samples are estimated from the arrival times instead"
    )
