"""A live session: the supervision tree of actors, its channels, and how it ends.

::

    session (one_for_one)
    ├── recorder    permanent   lossless in: frames, gaps, stamped inputs, events, errors
    ├── lsl         permanent   drop-oldest in: what dsp→rules and →recorder carry (--lsl)
    ├── station     permanent   latest in: view; a state row every 0.1 s (--publish)
    ├── remote      permanent   out: dashboards' changes as inputs (--allow-remote)
    ├── rules       transient   lossless in: blocks, inputs      latest out: view
    ├── dsp         transient   lossless in: frames              lossless out: blocks
    ├── sensors     (one_for_one, transient children, back-off)  lossless out: frames
    └── render      transient   latest in: view                  lossless out: inputs

one_for_one: a crash restarts that actor alone. The pure cores (pipeline, training session),
the open recording with its unwritten records, and every channel belong to the session, not to
the actors, so a restarted actor re-attaches to the same state and mailboxes while the others,
the sensor above all, go on: a restart costs the recording no sample. Every crash, restart and
give-up is recorded as an error record; a give-up anywhere in the tree ends the session with
its recording complete.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from actors.actor_messages import Arrival, Processed, ViewUpdate
from actors.autopilot import AutopilotActor
from actors.dsp_actor import DspActor
from actors.error_reports import ErrorRecording
from actors.record_backlog import RecordBacklog
from actors.recorder_actor import RecorderActor
from actors.render_actor import RenderActor
from actors.rules_actor import RulesActor, RulesHooks
from actors.sensor_actor import SensorActor
from actors.stop_request import StopRequest
from actors.tree_give_up import TreeGiveUp
from engine.dsp import Pipeline, PipelineConfig
from engine.errors import ConfigError, RestartIntensityError
from engine.messages import ConfigChange, PlainValue, Record, UserInput, canonical
from engine.rules.session_summary import SessionSummary
from engine.runtime import Backoff, ChildSpec, Restart, Strategy, Supervisor
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.runtime.events import SupervisionLog
from engine.since_last_session import ClientHistory
from engine.training import TrainingConfig, TrainingSession
from modes.menu import ClientChoice, StartMenu
from modes.registry import MODES, ModeFactory
from replays.writer import RecordingWriter
from sensors.source import Source

if TYPE_CHECKING:
    # pylsl is loaded only by sessions that publish (``--lsl``).
    from actors.lsl_outlet_actor import LslPublisher
    from actors.station_outlet import StationPublishing

log = logging.getLogger(__name__)

#: Channel capacities, in items. Frames are 10–20 ms each, so 200 items hold 2–4 s of signal:
#: enough to ride out a slow frame, small enough that latency cannot creep unnoticed.
FRAMES_CAPACITY = 200
RECORDER_CAPACITY = 2000
INPUTS_CAPACITY = 256
#: The screen a session ends on, saved in its frames folder.
SUMMARY_IMAGE = "summary.png"


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
    tone: bool = False
    """A continuous tone whose pitch follows the target level (needs ``sound``)."""
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
    autopilot_effort: float = 1.0
    """How hard the autopilot's patient works on the exercise's cues, relative to the level
    cued (see :func:`actors.autopilot.commanded_activation`)."""
    render: bool = True
    time_scale: float = 1.0
    """Trio seconds per real second (a simulated session run faster than real time)."""
    clinician_view: bool = False
    """Open on the clinician view (traces, every channel) instead of the game; Tab switches."""
    stop_request: StopRequest = field(default_factory=StopRequest)
    """Asked from outside (``myoplay play`` on SIGTERM) to end the session at once, as Esc
    does: the summary is saved and the recording closed normally."""
    lsl: LslPublisher | None = None
    """Publish raw EMG, envelopes, %MVC and events over Lab Streaming Layer through these
    outlets (the caller closes them after the session); None publishes nothing."""
    station: StationPublishing | None = None
    """Publish the station's state for a clinic dashboard (``play --publish``) and, when it has
    a control desk (``--allow-remote``), apply dashboards' band changes and pauses; None
    publishes no state and listens to no dashboard."""
    client_history: ClientHistory | None = None
    """The client's sessions before this one (``play --client``), for the summary screen's
    change since the last session; None when the session is filed under nobody."""
    menu_clients: ClientChoice | None = None
    """The start menu's client row: the history store's clients to file the session under,
    or a new pseudonym (``play`` without ``--client`` on a station that keeps a history);
    None shows no row."""

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
    played: bool = True
    """False when the player left the start screen before choosing: nothing was judged, so
    the command keeps no session folder for it."""
    gave_up: RestartIntensityError | None = None
    """Why the session could not go on (an actor kept failing), or None. The recording is
    complete and the summary covers what was played all the same; the command reports both,
    then fails with this error's one line."""
    client_history: ClientHistory | None = None
    """What the summary screen compared the session with (the client it is filed under,
    ``--client`` or chosen on the start screen, and the protocol played), for the report's
    same lines; None when filed under nobody."""


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


#: The reason a session ends when its ``duration_s`` runs out.
DURATION_REACHED = "duration reached"


class _SessionEnd:
    """Why the session ends (the first reason wins) and when to stop it.

    The player's quit (Esc, closing the window) and a stop request from outside end it at
    once. Any other end leaves the summary up first: headless for ``linger_s`` (so the saved
    frames show it), in a window until the player closes it — except the time limit, which
    bounds the window too (the game would otherwise carry on past it).
    """

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.stop_s: float | None = None
        """Trio time at which the session was told to stop (None until then)."""
        self._ended, self._now = trio.Event(), trio.Event()

    def finished(self, reason: str) -> None:
        log.info("session over: %s", reason)
        self.reasons.append(reason)
        self._ended.set()
        if reason == "quit":
            self._now.set()

    async def watch(self, plan: SessionPlan, session: Supervisor) -> None:
        """Stop ``session`` when it is over."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._stop_when_asked, plan.stop_request)
            with trio.move_on_after(plan.duration_s if plan.duration_s else math.inf):
                await self._ended.wait()
            if not self.reasons:
                self.reasons.append(DURATION_REACHED)
            if plan.headless or not plan.render:
                with trio.move_on_after(plan.linger_s):
                    await self._now.wait()
            elif self.reasons[0] != DURATION_REACHED:
                await self._now.wait()
            nursery.cancel_scope.cancel()
        self.stop_s = trio.current_time()
        session.request_stop()

    async def _stop_when_asked(self, request: StopRequest) -> None:
        self.finished(await request.wait())
        self._now.set()


def _render_actor(plan: SessionPlan, channels: _Channels) -> RenderActor:
    render = RenderActor(
        channels.views,
        channels.inputs,
        mode=plan.mode,
        fps=plan.fps,
        menu=_start_menu(plan) if plan.menu else None,
        seed=plan.training.seed,
        sound=plan.sound,
        tone=plan.tone,
        headless=plan.headless,
        frames_dir=plan.frames_dir,
        save_every_frames=plan.save_every_frames,
        summary_path=plan.frames_dir / SUMMARY_IMAGE if plan.frames_dir is not None else None,
        modes=plan.modes,
        time_scale=plan.time_scale,
        virtual_muscles=plan.on_activation is not None,
        client_history=plan.client_history,
        settings=plan.training,
    )
    if plan.clinician_view:
        render.stage.switch_view()
    return render


def _sensor_tree(sensor: SensorActor, supervision: SupervisionLog) -> Supervisor:
    """The sensor under its own supervisor: a failed sensor restarts with growing back-off
    without touching the rest of the session. A sensor that fails on every reconnect gives up
    after about 16 s (the 7th restart of 0.2, 0.4, … 5 s waits falls within 30 s)."""
    return Supervisor(
        "sensors",
        [sensor.spec(Restart.TRANSIENT)],
        strategy=Strategy.ONE_FOR_ONE, max_restarts=6, period_s=30.0,
        backoff=Backoff(initial_s=0.2, factor=2.0, max_s=5.0), events=supervision,
    )


async def _supervise(
    plan: SessionPlan, session: Supervisor, end: _SessionEnd, backlog: RecordBacklog,
    give_up: TreeGiveUp, sensor: SensorActor, summary: Callable[[], dict[str, PlainValue]],
) -> None:
    """Run the session's tree until it ends or gives up, then close the recording: complete,
    with the give-up recorded and, if the sensor was down at the end, the loss up to the end.
    Only an error of our own (a bug, an interrupt) abandons it (kept up to its last sync
    point). The source is always closed."""
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(end.watch, plan, session)
            try:
                await session.run()
            except RestartIntensityError as error:
                give_up.gave_up(error)
            nursery.cancel_scope.cancel()
        ends_s = [t for t in (end.stop_s, give_up.at_s) if t is not None]
        outage = sensor.final_outage(min(ends_s, default=trio.current_time()))
        if outage is not None:
            backlog.take()  # what the sensor recorded before it went down comes first
            backlog.add(outage)
        backlog.finish(summary())
    except BaseException:
        if not backlog.writer.closed:
            backlog.writer.abandon()
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
    publishing = _lsl_outlet(plan, channels) if plan.lsl is not None else None
    backlog = RecordBacklog(writer, channels.records)
    supervision.subscribe(ErrorRecording(channels.records, backlog, lambda: core.next_t_ns))
    give_up = TreeGiveUp()
    end = _SessionEnd()

    def show_sensor_status(message: str) -> None:
        """Put a sensor problem on screen now: no block (so no new view) comes while it lasts."""
        shown = channels.views.get()
        view = shown.view if shown is not None else core.view()
        channels.views.publish(ViewUpdate(dataclasses.replace(view, sensor_status=message),
                                          trio.current_time(), group_delay_ms))

    render = _render_actor(plan, channels)
    sensor = SensorActor(plan.source, channels.frames, channels.records,
                         status=show_sensor_status)
    sensors = _sensor_tree(sensor, supervision)
    children = [
        RecorderActor(backlog).spec(Restart.PERMANENT),
        *([publishing.spec(Restart.PERMANENT)] if publishing is not None else []),
        *_station_children(plan, channels, end, give_up),
        RulesActor(
            core, channels.blocks, channels.inputs, channels.views, channels.records,
            group_delay_ms=group_delay_ms,
            hooks=RulesHooks(on_activation=plan.on_activation, on_finished=end.finished),
        ).spec(Restart.TRANSIENT),
        DspActor(pipeline, channels.frames, channels.blocks).spec(Restart.TRANSIENT),
        give_up.final(sensors, Restart.TRANSIENT),
    ]
    if plan.autopilot:
        children.append(AutopilotActor(channels.views, channels.inputs,
                                       effort=plan.autopilot_effort).spec(Restart.TRANSIENT))
    if plan.render:
        children.append(render.spec(Restart.TRANSIENT))
    session = Supervisor(
        "session", children, strategy=Strategy.ONE_FOR_ONE, max_restarts=5, period_s=10.0,
        events=supervision,
    )
    give_up.stops(session)
    await _supervise(plan, session, end, backlog, give_up, sensor,
                     lambda: core.summary().to_plain())
    return SessionOutcome(
        reason=_end_reason(end, give_up),
        summary=core.summary(),
        record_path=plan.record_path,
        latency_p50_ms=render.stats.percentile(50) if render.stats.count else None,
        latency_p99_ms=render.stats.percentile(99) if render.stats.count else None,
        group_delay_ms=group_delay_ms,
        frames=_saved_frames(plan, render),
        supervision=supervision,
        played=not core.waiting_for_start,
        gave_up=give_up.error,
        client_history=render.stage.client_history,
    )


def _lsl_outlet(plan: SessionPlan, channels: _Channels) -> Actor:
    """The LSL outlet actor, fed by taps on the dsp→rules and →recorder edges (replaced here
    by tapped channels): each item they accept is offered to the outlet's drop-oldest ring,
    so publishing never holds up the session. Stopped after the rules (it starts right after
    the recorder), it publishes everything they judged."""
    from actors.channel_tap import TappedChannel
    from actors.lsl_outlet_actor import LslOutletActor, new_ring
    from actors.lsl_streams import LslFeed

    assert plan.lsl is not None
    ring = new_ring()
    channels.blocks = TappedChannel("dsp→rules", FRAMES_CAPACITY,
                                    lambda processed: ring.put_nowait(processed.block))
    channels.records = TappedChannel("→recorder", RECORDER_CAPACITY, ring.put_nowait)
    feed = LslFeed(plan.source.info, plan.training.calibration)
    return LslOutletActor(plan.lsl, feed, ring)


def _station_children(plan: SessionPlan, channels: _Channels, end: _SessionEnd,
                      give_up: TreeGiveUp) -> list[ChildSpec]:
    """The station's state stream and, with a control desk, the dashboards' remote changes
    (``play --publish``). They read the view (latest value) and send into the inputs channel
    like the clinician's keys, so they never hold up sensing; started before the rules, they
    stop after them, and the state's last row says how the session ended."""
    station = plan.station
    if station is None:
        return []
    from actors.station_outlet import StationStateActor

    def ended() -> str | None:
        return _end_reason(end, give_up) if end.reasons or give_up.error is not None else None

    children = [StationStateActor(station, channels.views, ended,
                                  time_scale=plan.time_scale).spec(Restart.PERMANENT)]
    if station.desk is not None:
        from actors.remote_control import RemoteControlActor

        children.append(RemoteControlActor(station.desk, channels.views, channels.inputs)
                        .spec(Restart.PERMANENT))
    return children


def _end_reason(end: _SessionEnd, give_up: TreeGiveUp) -> str:
    """Why the session ended, for the report: a give-up first (it cut the session short)."""
    if give_up.error is not None:
        return f"gave up: {give_up.error.child_id} kept failing"
    return end.reasons[0] if end.reasons else "stopped"


def _saved_frames(plan: SessionPlan, render: RenderActor) -> list[Path]:
    """The frames saved during the session, the summary image the last of them.

    The renderer takes that image just before it closes the window: it already has when the
    player quit; after any other end it does so here, now that the whole tree has stopped.
    """
    if plan.render:
        render.finish()
    return list(render.saved_frames)


def _start_menu(plan: SessionPlan) -> StartMenu:
    """The start screen, opening on the protocol and mode the session was started with."""
    menu = StartMenu()
    protocol = plan.training.protocol.id
    return dataclasses.replace(
        menu,
        protocol_index=menu.protocols.index(protocol) if protocol in menu.protocols else 0,
        mode_index=menu.modes.index(plan.mode) if plan.mode in menu.modes else 0,
        client=plan.menu_clients,
    )
