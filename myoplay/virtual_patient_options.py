"""``play``'s options describing the virtual patient: how weak the involved side is, how hard
the patient works when cued.

The default virtual patient is healthy and compliant. A physiotherapist showing what a session
with an inhibited quadriceps looks like, or a test simulating weeks of rehabilitation, needs a
patient whose involved side falls short of what it is asked (``--patient-deficit``: its own
maximal efforts still reach its maximum, so %MVC shows the deficit, as arthrogenic muscle
inhibition does) and who gives less or more than the cue (``--patient-effort``, for the
autopilot). Both are refused with a real sensor, where the person is the patient.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from engine.errors import ConfigError
from engine.messages import ChannelInfo, Side
from myoplay.option_checks import require_within
from sensors.sensor_kinds import SIMULATED

#: The widest deficit accepted, %: a side producing nothing at all is no exercise.
MAX_DEFICIT_PCT = 95.0
#: The range of efforts accepted, % of the cued level.
EFFORT_RANGE_PCT = (10.0, 200.0)


@dataclass(frozen=True)
class VirtualPatientSettings:
    """The virtual patient's deficit on the involved side and its effort on the cues."""

    involved_deficit: float = 0.0
    """Fraction (0–1) of a sub-maximal command the involved side's muscles fail to produce."""
    effort: float = 1.0
    """What the autopilot's patient gives, relative to the level cued."""

    def deficits(self, channels: tuple[ChannelInfo, ...], involved: Side) -> dict[str, float]:
        """The deficit of every channel on the ``involved`` side, keyed by label."""
        if not self.involved_deficit:
            return {}
        return {c.label: self.involved_deficit for c in channels if c.side is involved}


#: The default virtual patient: no deficit, exactly the effort cued.
HEALTHY_PATIENT = VirtualPatientSettings()


def add_virtual_patient_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patient-deficit", type=float, metavar="PCT",
                        help="simulated sensor: the involved side's muscles produce PCT %% less "
                             "than asked outside maximal efforts, so %%MVC and symmetry show "
                             "the deficit (default: 0)")
    parser.add_argument("--patient-effort", type=float, metavar="PCT",
                        help="simulated sensor on autopilot: the virtual patient gives PCT %% "
                             "of the level the exercise cues (default: 100; 80 stays short, "
                             "130 overshoots)")


def virtual_patient_settings(args: argparse.Namespace, *,
                             autopilot: bool) -> VirtualPatientSettings:
    """The settings ``--patient-deficit`` and ``--patient-effort`` give, checked."""
    deficit_pct, effort_pct = args.patient_deficit, args.patient_effort
    if args.sensor != SIMULATED and (deficit_pct is not None or effort_pct is not None):
        raise ConfigError("--patient-deficit and --patient-effort describe the virtual patient",
                          hint="leave them out with a real sensor, or use --sensor sim")
    if effort_pct is not None and not autopilot:
        raise ConfigError("--patient-effort sets how hard the autopilot works",
                          hint="add --autopilot, or run headless")
    if deficit_pct is not None:
        require_within("--patient-deficit", deficit_pct, 0.0, MAX_DEFICIT_PCT,
                       hint="the share, in %, the involved side falls short (e.g. 40)")
    if effort_pct is not None:
        require_within("--patient-effort", effort_pct, *EFFORT_RANGE_PCT,
                       hint="100 gives exactly the level cued")
    return VirtualPatientSettings(
        HEALTHY_PATIENT.involved_deficit if deficit_pct is None else deficit_pct / 100.0,
        HEALTHY_PATIENT.effort if effort_pct is None else effort_pct / 100.0)
