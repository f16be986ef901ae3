"""A session published over LSL on loopback: an inlet in the test records every sample and
every event, with the channel metadata LabRecorder writes to XDF."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pylsl
import pytest
import trio
import trio.testing

from actors.lsl_outlet_actor import LslOutletActor, LslPublisher, new_ring
from actors.lsl_streams import (
    SIGNAL_KINDS,
    Chunk,
    LslFeed,
    StreamKind,
    marker_json,
    station_source_id,
)
from actors.session import SessionOutcome, SessionPlan, run_session
from engine.calibration import Calibration, Normalisation
from engine.calibration_procedure import CalibrationProtocol
from engine.messages import (
    ConfigChange,
    Gap,
    ProcessedBlock,
    RuleEvent,
    SampleFrame,
    Side,
    SourceInfo,
    UserInput,
)
from engine.protocol import builtin_protocol
from engine.training import CALIBRATION_KEY, TrainingConfig
from myoplay.cli import main
from replays.reader import ReplayReader
from sensors.simulated import PatientConfig, SimulatedSource, VirtualPatient
from tests.sensors.lsl_loopback import Collector, unique_name

QUICK = CalibrationProtocol(rest_s=2.0, efforts=2, effort_s=2.0, recover_s=2.0)


def channel_desc(info: pylsl.StreamInfo) -> list[dict[str, str]]:
    out = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty():
        out.append({key: channel.child_value(key)
                    for key in ("label", "unit", "type", "muscle", "side")})
        channel = channel.next_sibling()
    return out


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[
        SessionOutcome, dict[StreamKind, Collector], LslPublisher, str]:
    tmp: Path = tmp_path_factory.mktemp("lsl")
    station = unique_name("station")
    protocol = builtin_protocol("quad_set")
    protocol = dataclasses.replace(protocol,
                                   timing=dataclasses.replace(protocol.timing, reps=1, sets=1))
    source = SimulatedSource(VirtualPatient(PatientConfig(snr_db=25.0), seed=3))
    collectors = {kind: Collector(station_source_id(station, kind)) for kind in SIGNAL_KINDS}
    publisher = LslPublisher(station, wait_for_consumers_s=30.0)
    plan = SessionPlan(
        source=source,
        training=TrainingConfig(protocol, calibration_protocol=QUICK, involved_side=Side.LEFT,
                                seed=3),
        record_path=tmp / "session.myoplay", frames_dir=tmp / "frames", fps=10.0, sound=False,
        linger_s=0.5, on_activation=source.set_activations, autopilot=True, lsl=publisher,
    )

    async def publish() -> SessionOutcome:
        await publisher.start(source.info)
        return await run_session(plan)

    with publisher:
        outcome: SessionOutcome = trio.run(
            publish, clock=trio.testing.MockClock(autojump_threshold=0))
        for collector in collectors.values():
            collector.finish()
    return outcome, collectors, publisher, station


def recorded(path: Path) -> list[object]:
    with ReplayReader(path) as reader:
        return list(reader)


def test_the_inlet_receives_every_raw_sample_in_microvolts(published):
    outcome, collectors, publisher, _ = published
    assert outcome.reason == "completed"
    records = recorded(outcome.record_path)
    info = next(r for r in records if isinstance(r, SourceInfo))
    frames = [r for r in records if isinstance(r, SampleFrame)]
    expected = np.concatenate([f.data.astype(np.float32) * np.float32(info.scale)
                               for f in frames])
    raw = np.asarray(collectors[StreamKind.RAW].values, dtype=np.float32)
    assert raw.shape == expected.shape
    np.testing.assert_array_equal(raw, expected)
    stamps = np.asarray(collectors[StreamKind.RAW].stamps)
    assert np.all(np.diff(stamps) > 0)
    # Sample spacing is the session's own: 1/rate apart, on the LSL clock.
    np.testing.assert_allclose(np.diff(stamps), 1.0 / info.rate_hz, rtol=1e-3)
    assert publisher.pushed[StreamKind.RAW] == len(expected)


def test_the_inlet_receives_every_event_as_json(published):
    outcome, collectors, _, _ = published
    records = recorded(outcome.record_path)
    expected = [marker_json(r) for r in records
                if isinstance(r, RuleEvent | UserInput | ConfigChange | Gap)]
    markers = [row[0] for row in collectors[StreamKind.EVENTS].values]
    assert [m for m in markers if json.loads(m)["type"] != "error"] == expected
    kinds = [json.loads(m).get("kind") for m in markers]
    assert "rep_completed" in kinds
    assert "session_completed" in kinds


def test_envelopes_and_pct_mvc_cover_every_processed_sample(published):
    outcome, collectors, _, _ = published
    records = recorded(outcome.record_path)
    n_samples = sum(r.n_samples for r in records if isinstance(r, SampleFrame))
    envelope = np.asarray(collectors[StreamKind.ENVELOPE].values, dtype=np.float64)
    pct = np.asarray(collectors[StreamKind.PCT_MVC].values, dtype=np.float64)
    assert envelope.shape == pct.shape
    assert envelope.shape[0] == n_samples
    assert collectors[StreamKind.ENVELOPE].stamps == collectors[StreamKind.PCT_MVC].stamps
    change = next(r for r in records if isinstance(r, ConfigChange) and r.key == CALIBRATION_KEY)
    calibration = Calibration.from_plain(change.value)
    stamps = np.asarray(collectors[StreamKind.PCT_MVC].stamps)
    offset = stamps[0]  # the first processed sample is session time 0
    before = stamps - offset < change.t_ns / 1e9 - 1e-6
    assert np.isnan(pct[before]).all(), "no %MVC before the calibration"
    calibrated = np.asarray(calibration.calibrated)
    assert calibrated.any()
    assert not calibrated.all()
    assert np.isnan(pct[:, ~calibrated]).all(), "no %MVC on a channel without a reference"
    after = ~before & np.isfinite(pct[:, calibrated]).all(axis=1)
    assert after.sum() > 0.5 * (~before).sum()
    expected = Normalisation.of(calibration).apply(envelope[after])[1]
    np.testing.assert_allclose(pct[after][:, calibrated], expected[:, calibrated],
                               rtol=1e-5, atol=1e-4)


def test_each_stream_describes_its_channels_and_station(published):
    outcome, collectors, _, station = published
    records = recorded(outcome.record_path)
    info = next(r for r in records if isinstance(r, SourceInfo))
    raw = collectors[StreamKind.RAW].info
    assert raw is not None
    assert raw.type() == "EMG"
    assert raw.nominal_srate() == info.rate_hz
    assert raw.source_id() == f"myoplay:{station}:raw"
    assert raw.desc().child_value("station") == station
    assert channel_desc(raw) == [
        {"label": c.label, "unit": "microvolts", "type": "EMG", "muscle": c.muscle,
         "side": c.side.value} for c in info.channels]
    pct = collectors[StreamKind.PCT_MVC].info
    assert pct is not None
    assert {c["unit"] for c in channel_desc(pct)} == {"percent_mvc"}
    events = collectors[StreamKind.EVENTS].info
    assert events is not None
    assert (events.type(), events.channel_format(), events.nominal_srate()) == (
        "Markers", pylsl.cf_string, pylsl.IRREGULAR_RATE)


class KeptChunks(LslPublisher):
    """A publisher that keeps what it is given instead of sending it."""

    def __init__(self) -> None:
        super().__init__("unused")
        self.chunks: list[Chunk] = []

    def open(self, source: SourceInfo) -> None:
        """Nothing to open: the chunks stay in :attr:`chunks`."""

    def push(self, chunk: Chunk) -> None:
        self.chunks.append(chunk)


async def test_a_full_ring_drops_the_oldest_and_says_so_on_the_events_stream():
    """The session → lsl edge never blocks: past its capacity the oldest items go, counted,
    and the events stream carries an ``lsl_dropped`` marker."""
    source = SimulatedSource(VirtualPatient(PatientConfig(), seed=1)).info
    ring = new_ring()
    publisher = KeptChunks()
    actor = LslOutletActor(publisher, LslFeed(source), ring)
    for seq in range(ring.capacity + 10):
        data = np.zeros((2, source.n_channels), dtype=np.int16)
        ring.put_nowait(SampleFrame(source.source_id, seq, 2 * seq, seq * 10**7, data))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(actor.run)
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert actor.dropped == 10
    kinds = [c.kind for c in publisher.chunks]
    assert kinds[0] is StreamKind.EVENTS
    assert json.loads(publisher.chunks[0].values[0]) == {"type": "lsl_dropped", "items": 10}
    assert kinds[1:] == [StreamKind.RAW] * ring.capacity


def test_pct_mvc_is_withheld_on_flagged_samples_and_before_a_calibration_takes_effect():
    source = SimulatedSource(VirtualPatient(PatientConfig(), seed=1)).info
    n = source.n_channels
    calibration = Calibration(
        channels=source.labels, baseline_uv=(0.0,) * n, noise_sd_uv=(1.0,) * n,
        reference_uv=(100.0,) + (0.0,) * (n - 1), pipeline={}, kind="mvc")
    feed = LslFeed(source)
    feed.take(ConfigChange(30_000_000, CALIBRATION_KEY, calibration.to_plain()))
    quality = np.zeros((6, n), dtype=np.uint8)
    quality[4, 0] = 1
    block = ProcessedBlock(source.source_id, 0, 0, 100.0, np.full((6, n), 50.0), None, quality)
    envelope, pct = feed.take(block)
    assert envelope.kind is StreamKind.ENVELOPE
    assert pct.kind is StreamKind.PCT_MVC
    np.testing.assert_allclose(pct.times_s, np.arange(6) / 100.0)
    column = np.asarray(pct.values)[:, 0]
    assert np.isnan(column[:3]).all()  # before the calibration's stamp (30 ms)
    assert column[3] == pytest.approx(50.0)
    assert column[5] == pytest.approx(50.0)
    assert np.isnan(column[4])  # flagged
    assert np.isnan(np.asarray(pct.values)[:, 1:]).all()  # no reference on those channels


@pytest.mark.slow
def test_replay_publishes_the_same_samples_and_judgements(published, capsys):
    """``myoplay replay --lsl``: the recording's samples and the fresh engine's events, on the
    same streams as live."""
    outcome, live, _, _ = published
    station = unique_name("replay")
    collectors = {kind: Collector(station_source_id(station, kind)) for kind in SIGNAL_KINDS}
    status = main(["replay", str(outcome.record_path), "--lsl", "--fast", "--station", station,
                   "--lsl-wait", "30"])
    for collector in collectors.values():
        collector.finish()
    assert status == 0
    assert "identical" in capsys.readouterr().out
    np.testing.assert_array_equal(np.asarray(collectors[StreamKind.RAW].values),
                                  np.asarray(live[StreamKind.RAW].values))
    np.testing.assert_array_equal(np.asarray(collectors[StreamKind.PCT_MVC].values),
                                  np.asarray(live[StreamKind.PCT_MVC].values))

    def judgements(collector: Collector) -> list[str]:
        return [row[0] for row in collector.values if json.loads(row[0])["type"] == "event"]

    assert judgements(collectors[StreamKind.EVENTS]) == judgements(live[StreamKind.EVENTS])


async def test_an_item_that_cannot_be_published_is_counted_and_publishing_goes_on():
    source = SimulatedSource(VirtualPatient(PatientConfig(), seed=1)).info
    publisher = KeptChunks()
    ring = new_ring()
    actor = LslOutletActor(publisher, LslFeed(source), ring)
    ring.put_nowait(ConfigChange(0, CALIBRATION_KEY, {"not": "a calibration"}))
    ring.put_nowait(RuleEvent(5, "rep_completed", "", {}))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(actor.run)
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert actor.failed == 1
    assert [c.kind for c in publisher.chunks] == [StreamKind.EVENTS]
