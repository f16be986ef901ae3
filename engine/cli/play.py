"""``myoplay play``: a live training session with a sensor, a protocol and a game mode.

With no screen (no X11/Wayland display) it runs headless: the simulated sensor's virtual patient
follows the cues on its own (the autopilot), three reps of the protocol are played, and the
recording, the summary and a few PNG frames are written to a numbered session folder. With a
screen it opens the window: the keyboard (or mouse) drives the virtual muscles, or a real sensor
does.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from actors.session import SessionOutcome
    from engine.messages import ChannelInfo
    from engine.protocol import Protocol
    from engine.training import TrainingConfig
    from sensors.source import Source

NAME = "play"
HELP = "play a training session (simulated sensor by default; headless when there is no screen)"

SENSORS = ("sim", "myo", "ganglion", "diy")
MODES = ("hold", "symmetry", "runner", "clinician")
#: Settings of the headless demo: a short calibration and three reps, four times real time.
DEMO_REPS = 3
DEMO_SPEED = 4.0
DEMO_FRAMES_EVERY = 240


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sensor", default="sim", choices=SENSORS,
                        help="where the EMG comes from (default: sim, the virtual patient)")
    parser.add_argument("--address", help="Bluetooth address of the sensor (default: nearest)")
    parser.add_argument("--protocol", default="quad_set", metavar="NAME|FILE",
                        help="built-in protocol id or a protocol TOML file (default: quad_set)")
    parser.add_argument("--mode", default=None, choices=MODES,
                        help="training mode (default: symmetry for symmetry protocols, else hold)")
    parser.add_argument("--record", type=Path, metavar="FILE",
                        help="recording file (default: session.myoplay in the session folder)")
    parser.add_argument("--out", type=Path, default=Path("myoplay-output"), metavar="DIR",
                        help="where session folders go (default: ./myoplay-output)")
    parser.add_argument("--headless", action="store_true",
                        help="no window (automatic when there is no screen)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
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


def has_screen() -> bool:
    """Whether a window can be shown (an SDL driver other than dummy, or a display)."""
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver == "dummy":
        return False
    if driver or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def resolve_protocol(spec: str, reps: int | None) -> Protocol:
    """A built-in protocol by id or a TOML file, optionally cut to ``reps`` reps in one set."""
    from engine.protocol import builtin_protocol, builtin_protocol_names, load_protocol

    if spec.endswith(".toml") or os.sep in spec or Path(spec).is_file():
        protocol = load_protocol(spec)
    elif spec in builtin_protocol_names():
        protocol = builtin_protocol(spec)
    else:
        raise ConfigError(
            f"unknown protocol {spec!r}",
            hint=f"use one of {', '.join(builtin_protocol_names())}, or a .toml file",
        )
    if reps is not None:
        if reps < 1:
            raise ConfigError(f"--reps must be at least 1, got {reps}")
        timing = dataclasses.replace(protocol.timing, reps=reps, sets=1)
        protocol = dataclasses.replace(protocol, timing=timing)
    return protocol


def next_session_dir(out: Path) -> Path:
    """``out/session-NNN``, the first number not used yet (no clock: numbering is enough)."""
    out.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in out.iterdir()}
    number = 1
    while f"session-{number:03d}" in taken:
        number += 1
    folder = out / f"session-{number:03d}"
    folder.mkdir()
    return folder


def build_training(args: argparse.Namespace, headless: bool) -> TrainingConfig:
    from engine.calibration_procedure import CalibrationProtocol
    from engine.messages import Side
    from engine.training import TrainingConfig
    from replays.calibration import calibration_from_replay

    reps = args.reps if args.reps is not None else (DEMO_REPS if headless else None)
    protocol = resolve_protocol(args.protocol, reps)
    quick = args.quick_calibration or headless
    cal_protocol = CalibrationProtocol(
        rest_s=3.0 if quick else 5.0,
        effort_s=3.0 if quick else 5.0,
        recover_s=3.0 if quick else 30.0,
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


#: Short channel labels for the muscles protocols name ("L-quad", "R-glute").
SHORT_NAMES = {"quadriceps": "quad", "hamstrings": "ham", "gluteus_maximus": "glute",
               "gastrocnemius": "calf", "tibialis_anterior": "tib"}


def sim_channels(protocol: Protocol) -> tuple[ChannelInfo, ...]:
    """The virtual patient's electrodes: left and right of every muscle the protocol names
    (quadriceps and hamstrings when it names nothing else)."""
    from engine.messages import ChannelInfo, Side

    muscles = [protocol.target.muscle]
    if protocol.compensation is not None:
        muscles += [protocol.compensation.numerator, protocol.compensation.denominator]
    if protocol.symmetry is not None:
        muscles.append(protocol.symmetry.muscle)
    wanted = list(dict.fromkeys(muscles))
    if set(wanted) <= {"quadriceps", "hamstrings"}:
        wanted = ["quadriceps", "hamstrings"]
    return tuple(
        ChannelInfo(f"{side.value[0].upper()}-{SHORT_NAMES.get(m, m)}", m, side)
        for m in wanted for side in (Side.LEFT, Side.RIGHT)
    )


def default_mode(protocol: Protocol) -> str:
    return "symmetry" if protocol.symmetry is not None and protocol.target.side == "both" else (
        "hold"
    )


def run(args: argparse.Namespace) -> int:
    import trio
    import trio.testing

    from actors.session import SessionPlan, run_session

    headless = args.headless or not has_screen()
    if not headless:
        os.environ.pop("SDL_VIDEODRIVER", None)
    simulated = args.sensor == "sim"
    if args.speed is not None and not simulated:
        raise ConfigError("--speed works only with the simulated sensor")
    speed = args.speed if args.speed is not None else (DEMO_SPEED if headless and simulated
                                                       else 1.0)
    if not speed > 0:
        raise ConfigError(f"--speed must be positive, got {speed}")
    training = build_training(args, headless)
    mode = args.mode or default_mode(training.protocol)
    if headless:
        who = " with the virtual patient on autopilot" if simulated else ""
        print(f"myoplay: no screen: running headless{who} at {speed:g}x real time",
              file=sys.stderr)

    folders: list[Path] = []

    async def main() -> SessionOutcome:
        source, on_activation = await _open_source(args, training.protocol)
        folder = next_session_dir(args.out)
        folders.append(folder)
        record = args.record or folder / "session.myoplay"
        plan = SessionPlan(
            source=source,
            training=training,
            record_path=record,
            mode=mode,
            mains_hz=args.mains,
            headless=headless,
            frames_dir=folder / "frames",
            save_every_frames=DEMO_FRAMES_EVERY if headless else 0,
            sound=not args.no_sound,
            menu=not headless,
            duration_s=args.duration,
            on_activation=on_activation,
            autopilot=simulated and (args.autopilot or headless),
            time_scale=speed,
        )
        return await run_session(plan)

    clock = trio.testing.MockClock(rate=speed) if speed != 1.0 else None
    outcome = trio.run(main, clock=clock)
    _report(outcome, folders[0], speed)
    return 0


async def _open_source(
    args: argparse.Namespace, protocol: Protocol
) -> tuple[Source, Callable[[dict[str, float]], None] | None]:
    """The sensor, and where "activation" inputs go (the virtual patient's muscles)."""
    if args.sensor == "sim":
        from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient

        config = PatientConfig(mains_hz=args.mains, channels=sim_channels(protocol))
        patient = VirtualPatient(config, seed=args.seed)
        source = SimulatedSource(patient)
        return source, source.set_activations
    from sensors.ble.devices import open_ble_source

    return await open_ble_source(args.sensor, args.address), None


def _report(outcome: SessionOutcome, folder: Path, speed: float) -> None:
    summary = outcome.summary
    (folder / "summary.json").write_text(
        json.dumps(summary.to_plain(), indent=2, sort_keys=True) + "\n"
    )
    print(f"session ended: {outcome.reason}")
    print(f"  protocol       {summary.protocol_name}")
    print(f"  reps completed {summary.reps_completed} of {summary.reps_prescribed} "
          f"({summary.reps_attempted} attempted)")
    print(f"  time in zone   {summary.time_in_zone_s:.1f} s")
    rep_peaks = [r.peak_pct for r in summary.reps if r.peak_pct is not None]
    if rep_peaks:
        print(f"  peak in reps   {min(rep_peaks):.0f}–{max(rep_peaks):.0f} %MVC "
              f"(target {summary.final_low_pct:g}–{summary.final_high_pct:g})")
    if summary.mean_symmetry_lsi_pct is not None:
        print(f"  symmetry (LSI) {summary.mean_symmetry_lsi_pct:.0f} %")
    alerts = ", ".join(f"{k} ×{n}" for k, n in sorted(summary.alerts.items()) if n)
    print(f"  alerts         {alerts or 'none'}")
    if outcome.latency_p50_ms is not None and outcome.latency_p99_ms is not None:
        at = f", measured at {speed:g}x real time" if speed != 1.0 else ""
        print(f"  latency        p50 {outcome.latency_p50_ms:.1f} ms, "
              f"p99 {outcome.latency_p99_ms:.1f} ms (sample arrival to frame on screen, "
              f"incl. {outcome.group_delay_ms:.1f} ms filter delay{at})")
    print(f"recording: {outcome.record_path}")
    print(f"summary:   {folder / 'summary.json'}")
    if outcome.frames:
        print(f"frames:    {len(outcome.frames)} PNG in {outcome.frames[0].parent}")
