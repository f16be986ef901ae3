"""An LSL stream as a sensor: placed on the timeline with exact gaps (pure), and an outlet in
this process driving a whole headless session on loopback, dropout and return included."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pylsl
import pytest
import trio

from actors.lsl_streams import StreamKind, station_source_id
from actors.session import SessionPlan, run_session
from engine.calibration import Calibration
from engine.dsp import PipelineConfig
from engine.errors import ConfigError, DeviceError, DeviceNotFoundError
from engine.messages import ChannelInfo, Gap, SampleFrame, Side, SourceInfo
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from myoplay.cli import main
from replays.reader import ReplayReader
from sensors.lsl_description import UnitSource, read_channels
from sensors.lsl_source import LslQuery, open_lsl_source
from sensors.stamped_timeline import StampedTimeline
from tests.sensors.lsl_loopback import Collector, unique_name

RATE_HZ = 500.0
CHANNELS = (("L-quad", "quadriceps", "left"), ("R-quad", "quadriceps", "right"),
            ("L-ham", "hamstrings", "left"), ("R-ham", "hamstrings", "right"))


# -- the timeline (pure) ------------------------------------------------------------------------

def stamps(indices: range | list[int], t0: float = 100.0) -> np.ndarray:
    return t0 + np.asarray(list(indices), dtype=np.float64) / RATE_HZ


def test_samples_keep_their_indices_and_missing_ones_become_one_exact_gap():
    timeline = StampedTimeline("lsl", RATE_HZ)
    kept = [*range(0, 10), *range(25, 30)]
    values = np.arange(len(kept), dtype=np.float64).reshape(-1, 1)
    records = timeline.place(values[:7], stamps(kept[:7]))
    records += timeline.place(values[7:], stamps(kept[7:]))
    frames = [r for r in records if isinstance(r, SampleFrame)]
    gaps = [r for r in records if isinstance(r, Gap)]
    assert [(g.first_index, g.n_missing) for g in gaps] == [(10, 15)]
    assert [(f.first_index, f.n_samples) for f in frames] == [(0, 7), (7, 3), (25, 5)]
    assert frames[0].t_ns == 0
    assert frames[2].t_ns == round(25 / RATE_HZ * 1e9)
    assert gaps[0].t_ns == round(10 / RATE_HZ * 1e9)
    assert timeline.samples_lost == 15


def test_jitter_under_one_and_a_half_periods_is_no_gap():
    timeline = StampedTimeline("lsl", RATE_HZ)
    jitter = np.tile([0.0, 0.3, -0.2, 0.1], 25) / RATE_HZ
    records = timeline.place(np.zeros((100, 1)), stamps(range(100)) + jitter)
    assert all(isinstance(r, SampleFrame) for r in records)
    assert timeline.next_index == 100


def test_an_outage_with_nothing_missing_is_still_recorded_and_says_why():
    timeline = StampedTimeline("lsl", RATE_HZ)
    timeline.place(np.zeros((5, 1)), stamps(range(5)))
    timeline.link_lost("LSL stream x silent for 1.0 s")
    records = timeline.place(np.zeros((5, 1)), stamps(range(5, 10)))
    gap = records[0]
    assert isinstance(gap, Gap)
    assert gap.n_missing == 0
    assert "silent" in gap.reason


def test_the_description_gives_labels_muscles_sides_and_the_microvolt_scale():
    read = read_channels("s", 2, [
        {"label": "RF", "unit": "millivolts", "muscle": "Quadriceps", "side": "right"},
        {"label": "", "unit": "millivolts"}])
    assert read.channels == (ChannelInfo("RF", "quadriceps", Side.RIGHT),
                             ChannelInfo("ch2", "", Side.NONE))
    assert read.scale_uv == 1000.0
    assert read_channels("s", 1, []).unit_source is UnitSource.ASSUMED
    with pytest.raises(DeviceError, match="mixes units"):
        read_channels("s", 2, [{"unit": "uV"}, {"unit": "V"}])
    with pytest.raises(DeviceError, match="not a voltage"):
        read_channels("s", 1, [{"unit": "degrees"}])


def test_queries_by_name_or_property_and_refuses_the_rest():
    assert LslQuery.parse("MyAmp") == LslQuery("name", "MyAmp")
    assert LslQuery.parse("type=EMG") == LslQuery("type", "EMG")
    with pytest.raises(ConfigError, match="lsl:colour=red"):
        LslQuery.parse("colour=red")


# -- a live sender on loopback --------------------------------------------------------------------

def value_of(index: int) -> list[float]:
    """Sample ``index`` of the sender (in millivolts): distinct per sample and channel."""
    return [((index * 7 + c * 13) % 2000 - 1000) / 1000.0 for c in range(len(CHANNELS))]


class Sender:
    """An LSL EMG outlet in millivolts, stamping sample k at t0 + k / rate in real time; its
    samples in ``silent`` are never sent and nothing is pushed while they are due."""

    def __init__(self, name: str, silent: range) -> None:
        info = pylsl.StreamInfo(name, "EMG", len(CHANNELS), RATE_HZ, "float32", name)
        channels = info.desc().append_child("channels")
        for label, muscle, side in CHANNELS:
            channel = channels.append_child("channel")
            channel.append_child_value("label", label)
            channel.append_child_value("unit", "millivolts")
            channel.append_child_value("muscle", muscle)
            channel.append_child_value("side", side)
        self.outlet = pylsl.StreamOutlet(info)
        self.silent = silent
        self.sent: dict[int, list[float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        t0 = pylsl.local_clock()
        k = 0
        while not self.stop.is_set():
            due = int((pylsl.local_clock() - t0) * RATE_HZ)
            chunk = [i for i in range(k, due) if i not in self.silent]
            if chunk:
                rows = [value_of(i) for i in chunk]
                self.outlet.push_chunk(rows, [t0 + i / RATE_HZ for i in chunk])
                self.sent.update(zip(chunk, rows, strict=True))
            k = max(k, due)
            time.sleep(0.01)


def calibration_for(info: SourceInfo) -> Calibration:
    n = info.n_channels
    return Calibration(
        channels=info.labels, baseline_uv=(5.0,) * n, noise_sd_uv=(2.0,) * n,
        reference_uv=(300.0,) * n,
        pipeline=PipelineConfig.for_source(info, mains_hz=50.0).signature(), kind="mvc")


@pytest.mark.slow
def test_an_lsl_stream_drives_a_headless_session_with_its_dropout_as_an_exact_gap(
        tmp_path: Path):
    name = unique_name("emg")
    silent = range(int(1.0 * RATE_HZ), int(2.6 * RATE_HZ))
    sender = Sender(name, silent)

    async def session() -> object:
        source = await open_lsl_source(name, resolve_timeout_s=10.0)
        sender.start()
        protocol = builtin_protocol("quad_set")
        plan = SessionPlan(
            source=source,
            training=TrainingConfig(protocol, calibration=calibration_for(source.info),
                                    involved_side=Side.LEFT, seed=1),
            record_path=tmp_path / "session.myoplay", frames_dir=tmp_path / "frames",
            fps=10.0, sound=False, linger_s=0.0, duration_s=4.0,
        )
        return await run_session(plan)

    try:
        outcome = trio.run(session)
    finally:
        sender.stop.set()
        sender.thread.join(5.0)
    assert outcome.reason == "duration reached"
    with ReplayReader(outcome.record_path) as reader:
        records = list(reader)
    info = next(r for r in records if isinstance(r, SourceInfo))
    assert info.kind == "lsl"
    assert info.scale == 1000.0
    assert [(c.label, c.muscle, c.side.value) for c in info.channels] == list(CHANNELS)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    gaps = [r for r in records if isinstance(r, Gap)]
    # Every sample received is recorded at its sender's index, exactly as sent.
    first_sent = min(sender.sent)
    for frame in frames:
        for row, index in enumerate(range(frame.first_index, frame.first_index + frame.n_samples)):
            assert index + first_sent not in silent
            np.testing.assert_allclose(frame.data[row], sender.sent[index + first_sent],
                                       rtol=1e-6)
    assert len(gaps) == 1
    assert gaps[0].first_index + first_sent == silent.start
    assert gaps[0].n_missing == len(silent)
    assert "silent" in gaps[0].reason
    received = sum(f.n_samples for f in frames)
    assert received > 2.0 * RATE_HZ


async def test_no_such_stream_is_one_line_saying_what_to_do():
    with pytest.raises(DeviceNotFoundError, match="no LSL stream"):
        await open_lsl_source(unique_name("absent"), resolve_timeout_s=0.5)


@pytest.mark.slow
def test_play_takes_an_lsl_stream_and_publishes_the_session_from_the_command_line(
        tmp_path: Path, capsys):
    """LSL in and out through ``myoplay play``: a sender's stream is the sensor, and the
    session's raw stream, recorded by an inlet, holds every sample the session recorded."""
    name, station = unique_name("emg"), unique_name("station")
    sender = Sender(name, range(0))
    sender.start()
    published = Collector(station_source_id(station, StreamKind.RAW))
    try:
        status = main(["play", "--sensor", f"lsl:{name}", "--headless", "--duration", "2",
                       "--map", "L-ham=gluteus_maximus:left", "--out", str(tmp_path),
                       "--no-sound", "--lsl", "--station", station, "--lsl-wait", "20"])
    finally:
        sender.stop.set()
        sender.thread.join(5.0)
        published.finish()
    assert status == 0
    out = capsys.readouterr().out
    assert "duration reached" in out
    assert f"LSL: published as station {station}: {len(published.values)} samples" in out
    with ReplayReader(tmp_path / "session-001" / "session.myoplay") as reader:
        records = list(reader)
    info = next(r for r in records if isinstance(r, SourceInfo))
    assert info.channels[2] == ChannelInfo("L-ham", "gluteus_maximus", Side.LEFT)
    assert info.channels[3] == ChannelInfo("R-ham", "hamstrings", Side.RIGHT)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    assert sum(f.n_samples for f in frames) > RATE_HZ
    np.testing.assert_allclose(np.asarray(published.values),
                               np.concatenate([f.data for f in frames]) * info.scale, rtol=1e-6)


def test_play_refuses_lsl_options_without_their_sensor(capsys):
    assert main(["play", "--map", "a=quadriceps", "--headless"]) == 2
    assert "--map is for lsl: and brainflow: sensors only" in capsys.readouterr().err
    assert main(["play", "--station", "x"]) == 2
    assert "--station and --lsl-wait need --lsl" in capsys.readouterr().err
    assert main(["play", "--sensor", "lsl"]) == 2
    assert "is not a sensor" in capsys.readouterr().err


async def test_a_stream_stating_no_unit_is_taken_as_microvolts_with_a_warning(caplog):
    name = unique_name("bare")
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", 2, RATE_HZ, "float32", name))
    source = await open_lsl_source(name)
    try:
        assert source.info.scale == 1.0
        assert source.info.labels == ("ch1", "ch2")
        assert "states no unit: taking its values as microvolts" in caplog.text
    finally:
        await source.aclose()
        del outlet


async def test_a_marker_stream_is_refused_in_one_line():
    name = unique_name("markers")
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "Markers", 1, 0.0, "string", name))
    with pytest.raises(DeviceError, match="irregular rate"):
        await open_lsl_source(name)
    del outlet
