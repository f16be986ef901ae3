"""What ``myoplay play`` builds from its options before a session starts: the training settings
and the sensor.

The sensor is opened here, before any actor starts, so that a missing device or an absent
Bluetooth adapter is reported on one line and no session folder is made.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from engine.calibration_procedure import RESULT_SHOWN_S, CalibrationProtocol
from engine.messages import ChannelInfo, Side
from engine.protocol import Protocol
from engine.training import TrainingConfig
from myoplay.external_sensors import is_external, open_external_source
from myoplay.protocol_choice import resolve_protocol
from myoplay.virtual_patient_options import HEALTHY_PATIENT, VirtualPatientSettings
from replays.calibration_reuse import calibration_from_replay
from sensors.sensor_kinds import SIMULATED
from sensors.source import Source

#: Where "activation" inputs go (the virtual patient's muscles); None for a real sensor.
ActivationSink = Callable[[dict[str, float]], None]

#: Short channel labels for the muscles protocols name ("L-quad", "R-glute").
SHORT_NAMES = {"quadriceps": "quad", "hamstrings": "ham", "gluteus_maximus": "glute",
               "gastrocnemius": "calf", "tibialis_anterior": "tib"}


def build_training(args: argparse.Namespace, *, headless: bool, demo_reps: int) -> TrainingConfig:
    """The session's protocol, calibration and seed from the ``play`` options; headless, the
    calibration is the quick one and the protocol is cut to ``demo_reps`` unless ``--reps``
    says otherwise, and the exercise starts without waiting for the start menu."""
    reps = args.reps if args.reps is not None else (demo_reps if headless else None)
    protocol = resolve_protocol(args.protocol, reps)
    quick = args.quick_calibration or headless
    cal_protocol = CalibrationProtocol(
        rest_s=3.0 if quick else 5.0,
        effort_s=3.0 if quick else 5.0,
        recover_s=3.0 if quick else 30.0,
        result_s=RESULT_SHOWN_S,
        kind="submax" if args.submax else "mvc",
    )
    calibration = calibration_from_replay(args.calibration) if args.calibration else None
    return TrainingConfig(
        protocol=protocol,
        calibration=calibration,
        calibration_protocol=cal_protocol,
        involved_side=Side(args.involved) if args.involved else Side.LEFT,
        seed=args.seed,
        wait_for_start=not headless,
    )


def sim_channels(protocol: Protocol) -> tuple[ChannelInfo, ...]:
    """The virtual patient's electrodes: left and right of every muscle the protocol names
    (quadriceps and hamstrings when it names nothing else)."""
    muscles = [protocol.target.muscle]
    if protocol.compensation is not None:
        muscles += [protocol.compensation.numerator, protocol.compensation.denominator]
    if protocol.symmetry is not None:
        muscles.append(protocol.symmetry.muscle)
    if protocol.comparison is not None:
        muscles += [*protocol.comparison.targets, *protocol.comparison.compensators]
    wanted = list(dict.fromkeys(muscles))
    if set(wanted) <= {"quadriceps", "hamstrings"}:
        wanted = ["quadriceps", "hamstrings"]
    return tuple(
        ChannelInfo(f"{side.value[0].upper()}-{SHORT_NAMES.get(m, m)}", m, side)
        for m in wanted for side in (Side.LEFT, Side.RIGHT)
    )


async def open_source(
    args: argparse.Namespace, protocol: Protocol, *, involved: Side | None = None,
    settings: VirtualPatientSettings = HEALTHY_PATIENT,
) -> tuple[Source, ActivationSink | None]:
    """The sensor ``--sensor`` names, and where "activation" inputs go. The simulated sensor's
    virtual patient has the deficit ``settings`` give on the ``involved`` side (left when none is
    known, as :func:`build_training` assumes)."""
    if args.sensor == SIMULATED:
        from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient

        channels = sim_channels(protocol)
        config = PatientConfig(mains_hz=args.mains, channels=channels,
                               deficit=settings.deficits(channels, involved or Side.LEFT))
        if protocol.comparison is not None:
            # A comparison's virtual client performs reps with known true activations.
            from sensors.virtual_patient.comparison_client import VIRTUAL_CLIENT

            config = VIRTUAL_CLIENT.patient_config(config)
        patient = VirtualPatient(config, seed=args.seed)
        source = SimulatedSource(patient)
        return source, source.set_activations
    if is_external(args.sensor):
        return await open_external_source(args), None
    # Imported here so that the simulated sensor never loads the Bluetooth stack.
    from sensors.ble.devices import open_ble_source

    return await open_ble_source(args.sensor, args.address), None
