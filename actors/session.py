"""A live session: the supervision tree of actors, its channels, and how it ends.

::

    session (rest_for_one)
    ├── recorder    permanent   lossless in: frames, gaps, stamped inputs, events
    ├── rules       transient   lossless in: blocks, inputs      latest out: view
    ├── dsp         transient   lossless in: frames              lossless out: blocks
    ├── sensors     (one_for_one, transient children, back-off)  lossless out: frames
    └── render      transient   latest in: view                  lossless out: inputs

rest_for_one: a crash restarts that actor and every actor started after it, so a recorder
crash restarts the whole chain while a render crash restarts only the renderer, and the
recording never stops for anyone else's fault. The pure cores (pipeline, training session,
recording writer) and every channel belong to the session, not to the actors, so a restarted
actor re-attaches to the same state and mailboxes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import trio

from actors.actor_messages import Arrival, Processed, ViewUpdate
from actors.autopilot import AutopilotActor
from actors.dsp_actor import DspActor
from actors.recorder_actor import RecorderActor
from actors.render_actor import RenderActor
from actors.rules_actor import RulesActor, RulesHooks
from actors.sensor_actor import SensorActor
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ConfigError
from engine.messages import ConfigChange, PlainValue, Record, UserInput, canonical
from engine.rules.session_summary import SessionSummary
from engine.runtime import Backoff, Restart, Strategy, Supervisor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.runtime.events import SupervisionLog
from engine.training import TrainingConfig, TrainingSession
from modes.menu import StartMenu
from modes.registry import MODES, ModeFactory
from replays.writer import RecordingWriter
from sensors.source import Source

log = logging.getLogger(__name__)

#: Channel capacities, in items. Frames are 10–20 ms each, so 200 items hold 2–4 s of signal:
#: enough to ride out a slow frame, small enough that latency cannot creep unnoticed.
FRAMES_CAPACITY = 200
RECORDER_CAPACITY = 2000
INPUTS_CAPACITY = 256


@dataclass
class SessionPlan:
    """Everything a live session needs; built by ``myoplay play`` or by tests."""

    source: Source
    training: TrainingConfig
    record_path: Path
    mode: str = "hold"
    mains_hz: float | None = 50.0
    headless: bool = True
    frames_dir: Path | None = None
    save_every_frames: int = 0
    fps: float = 60.0
    sound: bool = True
    menu: bool = False
    duration_s: float | None = None
    linger_s: float = 2.0
    """How long the summary stays on screen after the exercise ends, when headless."""
    on_activation: Callable[[dict[str, float]], None] | None = None
    """Where "activation" inputs go (the virtual patient's muscles); None for real sensors."""
    modes: Mapping[str, ModeFactory] = field(default_factory=lambda: dict(MODES))
    """The scene drawn under each registered mode name (tests swap one for a double). A new
    mode is registered in :mod:`modes.training_modes` and :mod:`modes.registry`, where the
    command line and the start menu find it too, so other names are refused."""
    autopilot: bool = False
    """Let a compliant virtual patient follow the cues (simulated sensor, nobody playing)."""
    render: bool = True
    time_scale: float = 1.0
    """Trio seconds per real second (a simulated session run faster than real time)."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.modes) - set(MODES))
        if unknown:
            raise ConfigError(
                f"unregistered mode {', '.join(map(repr, unknown))}",
                hint="register a new mode in modes.training_modes and modes.registry",
            )


@dataclass
class SessionOutcome:
    """What a finished session reports to the terminal."""

    reason: str
    summary: SessionSummary
    record_path: Path
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    group_delay_ms: float
    frames: list[Path] = field(default_factory=list)
    supervision: SupervisionLog = field(default_factory=SupervisionLog)


def recording_config(plan: SessionPlan) -> dict[str, PlainValue]:
    """The replay header's settings: what a fresh engine needs to judge the samples again."""
    plain = canonical(
        {"training": plan.training.to_plain(), "mains_hz": plan.mains_hz, "mode": plan.mode}
    )
    assert isinstance(plain, dict)
    return plain


@dataclass
class _Channels:
    """The session's mailboxes, owned here so a restarted actor re-attaches to the same ones."""

    frames: LosslessChannel[Arrival] = field(
        default_factory=lambda: LosslessChannel("sensor→dsp", FRAMES_CAPACITY))
    blocks: LosslessChannel[Processed] = field(
        default_factory=lambda: LosslessChannel("dsp→rules", FRAMES_CAPACITY))
    records: LosslessChannel[Record] = field(
        default_factory=lambda: LosslessChannel("→recorder", RECORDER_CAPACITY))
    inputs: LosslessChannel[UserInput | ConfigChange] = field(
        default_factory=lambda: LosslessChannel("render→rules", INPUTS_CAPACITY))
    views: LatestValue[ViewUpdate] = field(default_factory=lambda: LatestValue("rules→render"))


class _SessionEnd:
    """Why the session ends (the first reason wins) and when to stop it."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self._ended, self._quit = trio.Event(), trio.Event()

    def finished(self, reason: str) -> None:
        self.reasons.append(reason)
        self._ended.set()
        if reason == "quit":
            self._quit.set()

    async def watch(self, plan: SessionPlan, session: Supervisor) -> None:
        """Stop ``session`` when it is over; headless, after showing the summary a moment."""
        with trio.move_on_after(plan.duration_s if plan.duration_s else math.inf):
            await self._ended.wait()
        if not self.reasons:
            self.reasons.append("duration reached")
        if self.reasons[0] != "quit":
            if plan.headless or not plan.render:
                await trio.sleep(plan.linger_s)
            else:
                await self._quit.wait()
        session.request_stop()


def _render_actor(plan: SessionPlan, channels: _Channels) -> RenderActor:
    return RenderActor(
        channels.views,
        channels.inputs,
        mode=plan.mode,
        fps=plan.fps,
        menu=_start_menu(plan) if plan.menu else None,
        seed=plan.training.seed,
        sound=plan.sound,
        headless=plan.headless,
        frames_dir=plan.frames_dir,
        save_every_frames=plan.save_every_frames,
        modes=plan.modes,
        time_scale=plan.time_scale,
    )


def _sensor_tree(plan: SessionPlan, channels: _Channels, status: Callable[[str], None],
                 supervision: SupervisionLog) -> Supervisor:
    """The sensor under its own supervisor: a dropped link restarts it with growing back-off,
    many times, without touching the rest of the session."""
    return Supervisor(
        "sensors",
        [SensorActor(plan.source, channels.frames, channels.records, status=status).spec(
            Restart.TRANSIENT
        )],
        strategy=Strategy.ONE_FOR_ONE, max_restarts=10, period_s=30.0,
        backoff=Backoff(initial_s=0.2, factor=2.0, max_s=5.0), events=supervision,
    )


async def _supervise(
    plan: SessionPlan, session: Supervisor, end: _SessionEnd, writer: RecordingWriter
) -> None:
    """Run the session's tree until it ends; a recording cut short by an error is abandoned
    (kept up to its last sync point), and the source is always closed."""
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(end.watch, plan, session)
            await session.run()
            nursery.cancel_scope.cancel()
    except BaseException:
        if not writer.closed:
            writer.abandon()
        raise
    finally:
        with trio.CancelScope(shield=True):
            await plan.source.aclose()


async def run_session(plan: SessionPlan) -> SessionOutcome:
    """Run one session to its end (exercise done, source ended, quit, or duration)."""
    info = plan.source.info
    pipeline = Pipeline(PipelineConfig.for_source(info, mains_hz=plan.mains_hz))
    core = TrainingSession(info, pipeline.config.signature(), plan.training)
    group_delay_ms = pipeline.group_delay_s * 1000.0
    supervision = SupervisionLog()
    writer = RecordingWriter(
        plan.record_path, seed=plan.training.seed, config=recording_config(plan), sources=[info],
    )
    channels = _Channels()
    end = _SessionEnd()

    def show_sensor_status(message: str) -> None:
        """Put a sensor problem on screen now: no block (so no new view) comes while it lasts."""
        shown = channels.views.get()
        view = shown.view if shown is not None else core.view()
        channels.views.publish(ViewUpdate(dataclasses.replace(view, sensor_status=message),
                                          trio.current_time(), group_delay_ms))

    render = _render_actor(plan, channels)
    sensors = _sensor_tree(plan, channels, show_sensor_status, supervision)
    children = [
        RecorderActor(writer, channels.records, lambda: core.summary().to_plain()).spec(
            Restart.PERMANENT
        ),
        RulesActor(
            core, channels.blocks, channels.inputs, channels.views, channels.records,
            group_delay_ms=group_delay_ms,
            hooks=RulesHooks(on_activation=plan.on_activation, on_finished=end.finished),
        ).spec(Restart.TRANSIENT),
        DspActor(pipeline, channels.frames, channels.blocks).spec(Restart.TRANSIENT),
        sensors.as_child(Restart.TRANSIENT),
    ]
    if plan.autopilot:
        children.append(AutopilotActor(channels.views, channels.inputs).spec(Restart.TRANSIENT))
    if plan.render:
        children.append(render.spec(Restart.TRANSIENT))
    session = Supervisor(
        "session", children, strategy=Strategy.REST_FOR_ONE, max_restarts=5, period_s=10.0,
        events=supervision,
    )
    await _supervise(plan, session, end, writer)
    return SessionOutcome(
        reason=end.reasons[0] if end.reasons else "stopped",
        summary=core.summary(),
        record_path=plan.record_path,
        latency_p50_ms=render.stats.percentile(50) if render.stats.count else None,
        latency_p99_ms=render.stats.percentile(99) if render.stats.count else None,
        group_delay_ms=group_delay_ms,
        frames=_saved_frames(plan, render),
        supervision=supervision,
    )


def _saved_frames(plan: SessionPlan, render: RenderActor) -> list[Path]:
    """The frames saved during the session, and the summary screen as the last one."""
    saved = list(render.saved_frames)
    if plan.render and plan.frames_dir is not None and render.frame_index:
        saved.append(render.save_png(plan.frames_dir / "summary.png"))
    return saved


def _start_menu(plan: SessionPlan) -> StartMenu:
    """The start screen, opening on the protocol and mode the session was started with."""
    menu = StartMenu()
    protocol = plan.training.protocol.id
    return dataclasses.replace(
        menu,
        protocol_index=menu.protocols.index(protocol) if protocol in menu.protocols else 0,
        mode_index=menu.modes.index(plan.mode) if plan.mode in menu.modes else 0,
    )
