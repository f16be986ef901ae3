"""``myoplay play``: a live training session with a sensor, a protocol and a game mode.

With no screen (no X11/Wayland display) it runs headless: the simulated sensor's virtual patient
follows the cues on its own (the autopilot), three reps of the protocol are played, and the
recording, the summary and a few PNG frames are written to a numbered session folder. With a
screen it opens the window: the keyboard (or mouse) drives the virtual muscles, or a real sensor
does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError
from modes.training_modes import TRAINING_MODES
from myoplay.client_filing import add_client_options, plan_client_menu, plan_client_session
from myoplay.external_sensors import (
    add_external_sensor_options,
    check_external_options,
    sensor_option,
)
from myoplay.lsl_options import (
    add_lsl_options,
    add_publish_options,
    lsl_publisher,
    station_publishing,
)
from myoplay.option_checks import require_positive
from myoplay.protocol_choice import check_mode_suits, protocol_help
from myoplay.screen_detection import has_screen
from myoplay.virtual_patient_options import add_virtual_patient_options, virtual_patient_settings
from sensors.sensor_kinds import SENSOR_METAVAR, SIMULATED

if TYPE_CHECKING:
    from actors.session import SessionOutcome

NAME = "play"
HELP = "play a training session (simulated sensor by default; headless when there is no screen)"

#: Settings of the headless demo: a short calibration and three reps, four times real time.
DEMO_REPS = 3
DEMO_SPEED = 4.0
DEMO_FRAMES_EVERY = 240


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sensor", default=SIMULATED, type=sensor_option, metavar=SENSOR_METAVAR,
                        help="where the EMG comes from (default: sim, the virtual patient); "
                             "lsl:NAME or lsl:type=EMG takes a Lab Streaming Layer stream, "
                             "brainflow:BOARD a BrainFlow board (synthetic, cyton, ganglion, "
                             "gforce-pro, callibri-emg, playback:FILE, ...)")
    parser.add_argument("--address", help="Bluetooth address of the sensor (default: nearest)")
    parser.add_argument("--protocol", default="quad_set", metavar="NAME|FILE",
                        help=protocol_help("the exercise") + " (default: quad_set)")
    parser.add_argument("--mode", default=None, choices=TRAINING_MODES,
                        help="training mode (default: symmetry for symmetry protocols, else hold)")
    parser.add_argument("--record", type=Path, metavar="FILE",
                        help="recording file (default: session.myoplay in the session folder)")
    parser.add_argument("--out", type=Path, default=Path("myoplay-output"), metavar="DIR",
                        help="where session folders go (default: ./myoplay-output)")
    parser.add_argument("--headless", action="store_true",
                        help="no window (automatic when there is no screen)")
    parser.add_argument("--no-frames", action="store_true",
                        help="headless: draw nothing (no PNG frames, no summary picture, no "
                             "latency figures), to simulate many sessions quickly")
    parser.add_argument("--duration", type=float, metavar="S",
                        help="stop after S seconds (default: when the protocol is done)")
    parser.add_argument("--reps", type=int, metavar="N",
                        help=f"play N reps in one set (headless default: {DEMO_REPS})")
    parser.add_argument("--calibration", type=Path, metavar="REPLAY",
                        help="reuse the calibration of an earlier recording (same sensor)")
    parser.add_argument("--quick-calibration", action="store_true",
                        help="3 s efforts with 3 s recovery (default when headless)")
    parser.add_argument("--submax", action="store_true",
                        help="calibrate on a comfortable sub-maximal effort instead of a maximum")
    parser.add_argument("--involved", choices=("left", "right"),
                        help="the operated or weaker side (default: left)")
    parser.add_argument("--mains", type=float, default=50.0, choices=(50.0, 60.0),
                        help="mains frequency to notch out, Hz (default: 50)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the virtual patient and game")
    parser.add_argument("--speed", type=float, metavar="X",
                        help=f"simulated sessions only: run X times real time "
                             f"(headless default: {DEMO_SPEED:g})")
    parser.add_argument("--autopilot", action="store_true",
                        help="let the virtual patient follow the cues by itself (headless default)")
    parser.add_argument("--no-sound", action="store_true", help="mute the audio cues")
    parser.add_argument("--tone", action="store_true",
                        help="play a continuous tone whose pitch follows the target %%MVC "
                             "while contracting (off by default; M mutes it with the cues)")
    add_virtual_patient_options(parser)
    add_client_options(parser)
    add_external_sensor_options(parser)
    add_lsl_options(parser)
    add_publish_options(parser)


def _speed(args: argparse.Namespace, *, headless: bool) -> float:
    """How many times real time the session runs: ``--speed``, or the demo's when headless."""
    simulated = args.sensor == SIMULATED
    if args.speed is not None and not simulated:
        raise ConfigError("--speed works only with the simulated sensor")
    speed: float = args.speed if args.speed is not None else (
        DEMO_SPEED if headless and simulated else 1.0
    )
    return require_positive("--speed", speed, hint="1 is real time, 4 four times faster")


def _duration(args: argparse.Namespace) -> float | None:
    """``--duration`` in seconds, None for no limit (0 is refused, never taken as "none")."""
    if args.duration is None:
        return None
    return require_positive("--duration", args.duration,
                            hint="give the seconds to play, or leave it out to play the protocol")


def run(args: argparse.Namespace) -> int:
    duration_s = _duration(args)
    check_external_options(args)
    publisher = lsl_publisher(args)
    # Imported here so that the other commands never load Trio, pygame or the engine's core.
    import trio

    from actors.session import SessionPlan, run_session
    from actors.stop_request import StopRequest
    from modes.training_modes import default_training_mode
    from myoplay.scaled_clock import ScaledClock
    from myoplay.session_folders import SessionFolder, discard_unplayed, next_session_dir
    from myoplay.session_report import report_session
    from myoplay.session_setup import build_training, open_source
    from myoplay.stop_signals import stop_on_signals

    headless = args.headless or not has_screen()
    if not headless:
        os.environ.pop("SDL_VIDEODRIVER", None)
    simulated = args.sensor == SIMULATED
    speed = _speed(args, headless=headless)
    if args.no_frames and not headless:
        raise ConfigError("--no-frames works only headless (a window always draws)",
                          hint="add --headless, or leave --no-frames out")
    autopilot = simulated and (args.autopilot or headless)
    patient = virtual_patient_settings(args, autopilot=autopilot)
    client_plan = plan_client_session(args)
    training = build_training(args, headless=headless, demo_reps=DEMO_REPS)
    if client_plan is not None:
        training = client_plan.apply(training)
    client_history = client_plan.history(training) if client_plan is not None else None
    client_menu = plan_client_menu(args, menu=not headless)
    mode = args.mode or default_training_mode(training.protocol)
    check_mode_suits(training.protocol, mode)
    station = station_publishing(
        args, publisher, protocol=training.protocol, mode=mode,
        client=client_plan.filing.client_id if client_plan is not None else None)
    if headless:
        who = " with the virtual patient on autopilot" if simulated else ""
        print(f"myoplay: no screen: running headless{who} at {speed:g}x real time",
              file=sys.stderr)

    folders: list[SessionFolder] = []
    stop = StopRequest()

    async def play() -> SessionOutcome:
        source, on_activation = await open_source(
            args, training.protocol, involved=training.involved_side, settings=patient)
        if publisher is not None:
            try:  # the streams appear now, or the failure is told before anything starts
                if not await publisher.start(source.info) and args.lsl_wait:
                    print(f"myoplay: not every LSL stream has a recorder after "
                          f"{args.lsl_wait:g} s: publishing anyway", file=sys.stderr)
                if station is not None:
                    station.outlet.open()  # dashboards see the station while it starts
            except BaseException:
                await source.aclose()
                raise
        folder = next_session_dir(args.out)
        folders.append(folder)
        plan = SessionPlan(
            source=source,
            training=training,
            record_path=args.record or folder.path / "session.myoplay",
            mode=mode,
            mains_hz=args.mains,
            headless=headless,
            frames_dir=None if args.no_frames else folder.path / "frames",
            save_every_frames=DEMO_FRAMES_EVERY if headless else 0,
            render=not args.no_frames,
            sound=not args.no_sound,
            tone=args.tone and not args.no_sound,
            menu=not headless,
            duration_s=duration_s,
            on_activation=on_activation,
            autopilot=autopilot,
            autopilot_effort=patient.effort,
            time_scale=speed,
            stop_request=stop,
            lsl=publisher,
            station=station,
            client_history=client_history,
            menu_clients=client_menu.choice if client_menu is not None else None,
        )
        return await run_session(plan)

    async def main() -> SessionOutcome:
        # SIGTERM is caught before the sensor opens, so from then on it always ends cleanly.
        with stop_on_signals(stop):
            return await play()

    try:
        outcome = trio.run(main, clock=ScaledClock(speed) if speed != 1.0 else None)
    finally:
        if station is not None:
            station.outlet.close()
        if publisher is not None:
            publisher.close()
    if publisher is not None:
        print(publisher.describe())
    if station is not None:
        print(station.describe())
    if outcome.played or not discard_unplayed(folders[0], outcome.record_path):
        # The history the summary screen compared with: --client's, or the start screen's
        # client's (chosen during the session), for the protocol played.
        report_session(outcome, folders[0].path, speed, outcome.client_history,
                       maximal_test=training.protocol.kind == "mvc")
        if client_plan is not None:
            client_plan.file(outcome.record_path)
        elif client_menu is not None:
            client_menu.file(outcome.record_path)
    else:
        print(f"session ended: {outcome.reason}, before anything was played (nothing kept)")
    if outcome.gave_up is not None:
        # Reported and saved like any session; then one line naming the actor and the cause.
        sys.stdout.flush()
        raise outcome.gave_up
    return 0
