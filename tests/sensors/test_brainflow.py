"""BrainFlow boards as sensors: the counter unwrapped into exact positions (pure), the synthetic
board driving a whole headless session, and the playback board replaying a file sample for
sample, its lost packages as an exact gap."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import trio

from actors.session import SessionOutcome, SessionPlan, run_session
from engine.calibration import Calibration
from engine.dsp import PipelineConfig
from engine.errors import ConfigError
from engine.messages import ChannelInfo, Gap, SampleFrame, Side, SourceInfo
from engine.protocol import builtin_protocol
from engine.training import TrainingConfig
from myoplay.cli import main
from replays.reader import ReplayReader
from sensors.board_counter import CounterUnwrapper
from sensors.brainflow_boards import parse_board
from sensors.brainflow_source import open_brainflow_source

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from brainflow.board_shim import BoardIds, BoardShim
    from brainflow.data_filter import DataFilter

SYNTHETIC = BoardIds.SYNTHETIC_BOARD.value
RATE_HZ = 250.0


# -- the counter (pure) ---------------------------------------------------------------------------

def test_counter_steps_count_lost_samples_exactly_and_wraps_by_time():
    unwrap = CounterUnwrapper(RATE_HZ)
    counters = np.array([250, 251, 255, 0, 3], dtype=np.float64)
    times = np.array([0, 1, 5, 6, 9], dtype=np.float64) / RATE_HZ
    assert unwrap.positions(counters, times).tolist() == [0, 1, 5, 6, 9]
    # 600 samples later the counter has wrapped twice; only the time can say so.
    later = unwrap.positions(np.array([(3 + 600) % 256], dtype=np.float64),
                             np.array([609 / RATE_HZ]))
    assert later.tolist() == [609]


def test_a_duplicated_package_is_dropped_and_a_restart_goes_by_time():
    unwrap = CounterUnwrapper(RATE_HZ)
    positions = unwrap.positions(np.array([7, 7, 8], dtype=np.float64),
                                 np.array([0, 0, 1], dtype=np.float64) / RATE_HZ)
    assert positions.tolist() == [0, -1, 1]
    assert unwrap.duplicates == 1
    unwrap.restart()
    assert unwrap.positions(np.array([0.0]), np.array([101 / RATE_HZ])).tolist() == [101]


def test_board_names_are_checked_before_brainflow_loads(tmp_path: Path):
    assert parse_board("gforce-pro").board_member == "GFORCE_PRO_BOARD"
    with pytest.raises(ConfigError, match="not a BrainFlow EMG board"):
        parse_board("muse-s")
    with pytest.raises(ConfigError, match="no such file"):
        parse_board(f"playback:{tmp_path / 'absent.csv'}")
    with pytest.raises(ConfigError, match="--master-board"):
        parse_board("cyton", master="cyton")


# -- sessions on real BrainFlow boards -----------------------------------------------------------

def quad_channels(labels: tuple[str, ...]) -> tuple[ChannelInfo, ...]:
    """The first two channels on the left and right quadriceps, the rest unused."""
    sides = {0: Side.LEFT, 1: Side.RIGHT}
    return tuple(ChannelInfo(label, "quadriceps" if i in sides else "", sides.get(i, Side.NONE))
                 for i, label in enumerate(labels))


def session_plan(source: object, info: SourceInfo, tmp: Path, duration_s: float | None
                 ) -> SessionPlan:
    n = info.n_channels
    calibration = Calibration(
        channels=info.labels, baseline_uv=(1.0,) * n, noise_sd_uv=(1.0,) * n,
        reference_uv=(50.0, 50.0) + (0.0,) * (n - 2),
        pipeline=PipelineConfig.for_source(info, mains_hz=50.0).signature(), kind="mvc")
    return SessionPlan(
        source=source,  # type: ignore[arg-type]
        training=TrainingConfig(builtin_protocol("quad_set"), calibration=calibration,
                                involved_side=Side.LEFT, seed=1),
        record_path=tmp / "session.myoplay", frames_dir=tmp / "frames", fps=10.0,
        sound=False, linger_s=0.0, duration_s=duration_s,
    )


def recorded(outcome: SessionOutcome) -> list[object]:
    with ReplayReader(outcome.record_path) as reader:
        return list(reader)


@pytest.mark.slow
def test_the_synthetic_board_drives_a_headless_session(tmp_path: Path):
    async def session() -> SessionOutcome:
        source = await open_brainflow_source(parse_board("synthetic"))
        source.use_channels(quad_channels(source.info.labels))
        return await run_session(session_plan(source, source.info, tmp_path, 3.0))

    outcome = trio.run(session)
    assert outcome.reason == "duration reached"
    records = recorded(outcome)
    info = next(r for r in records if isinstance(r, SourceInfo))
    assert (info.kind, info.rate_hz, info.n_channels) == ("brainflow", RATE_HZ, 16)
    assert info.channels[0] == ChannelInfo("emg1", "quadriceps", Side.LEFT)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    # Contiguous: every sample the board made is there, at its position.
    assert [f.first_index for f in frames[1:]] == [
        f.first_index + f.n_samples for f in frames[:-1]]
    assert not [r for r in records if isinstance(r, Gap)]
    assert 2.0 * RATE_HZ < sum(f.n_samples for f in frames) <= 3.5 * RATE_HZ
    # Session time runs at the board's rate.
    assert frames[-1].t_ns == round(frames[-1].first_index / RATE_HZ * 1e9)


def playback_file(tmp: Path, n: int, lost: range) -> tuple[Path, np.ndarray]:
    """A file as BrainFlow writes it for the synthetic board's layout: ``n`` samples with a
    wrapping package counter, those in ``lost`` left out; and the EMG rows as written."""
    rows = BoardShim.get_num_rows(SYNTHETIC)
    data = np.zeros((rows, n))
    index = np.arange(n)
    data[BoardShim.get_package_num_channel(SYNTHETIC)] = index % 256
    data[BoardShim.get_timestamp_channel(SYNTHETIC)] = 1.7e9 + index / RATE_HZ
    for k, channel in enumerate(BoardShim.get_emg_channels(SYNTHETIC)):
        data[channel] = np.round(np.sin(index * 0.05 * (k + 1)) * 100.0, 3)
    keep = np.array([i not in lost for i in range(n)])
    path = tmp / "board.csv"
    DataFilter.write_file(np.ascontiguousarray(data[:, keep]), str(path), "w")
    written = DataFilter.read_file(str(path))
    return path, written[BoardShim.get_emg_channels(SYNTHETIC)]


@pytest.mark.slow
def test_the_playback_board_replays_a_file_with_the_same_samples(tmp_path: Path):
    lost = range(300, 340)
    path, emg = playback_file(tmp_path, 750, lost)

    async def session() -> SessionOutcome:
        source = await open_brainflow_source(parse_board(f"playback:{path}"))
        source.use_channels(quad_channels(source.info.labels))
        return await run_session(session_plan(source, source.info, tmp_path, None))

    outcome = trio.run(session)
    assert outcome.reason == "source ended"
    records = recorded(outcome)
    frames = [r for r in records if isinstance(r, SampleFrame)]
    gaps = [r for r in records if isinstance(r, Gap)]
    samples = np.concatenate([f.data for f in frames])
    np.testing.assert_array_equal(samples, emg.T)
    assert [(g.first_index, g.n_missing) for g in gaps] == [(lost.start, len(lost))]
    assert frames[-1].first_index + frames[-1].n_samples == 750


@pytest.mark.slow
def test_a_board_that_fails_is_prepared_again_and_the_outage_is_a_gap(tmp_path: Path):
    """The board's session is released under the reader (as a device unplugged would leave
    it): the session says so, prepares the board again and goes on; the outage is one gap of
    estimated length, and the sample index runs on past it."""

    async def session() -> tuple[SessionOutcome, int]:
        source = await open_brainflow_source(parse_board("synthetic"))
        source.use_channels(quad_channels(source.info.labels))

        async def unplug() -> None:
            await trio.sleep(1.5)
            board = source._board  # fault injection: the device goes away
            assert board is not None
            await trio.to_thread.run_sync(board.release_session)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(unplug)
            outcome = await run_session(session_plan(source, source.info, tmp_path, 4.5))
        return outcome, source.links_lost

    outcome, links_lost = trio.run(session)
    assert outcome.reason == "duration reached"
    assert links_lost == 1
    records = recorded(outcome)
    gaps = [r for r in records if isinstance(r, Gap)]
    assert len(gaps) == 1
    assert gaps[0].n_missing == -1
    assert "failed" in gaps[0].reason
    frames = [r for r in records if isinstance(r, SampleFrame)]
    after = [f for f in frames if f.first_index > gaps[0].first_index]
    assert after
    assert after[0].t_ns >= gaps[0].t_ns + gaps[0].duration_ns - 10**7


@pytest.mark.slow
def test_play_takes_a_brainflow_board_from_the_command_line(tmp_path: Path, capsys):
    status = main(["play", "--sensor", "brainflow:synthetic", "--headless", "--duration", "2",
                   "--map", "emg1=quadriceps:left", "--map", "emg2=quadriceps:right",
                   "--out", str(tmp_path), "--no-sound"])
    assert status == 0
    assert "duration reached" in capsys.readouterr().out
    with ReplayReader(tmp_path / "session-001" / "session.myoplay") as reader:
        info = next(r for r in reader if isinstance(r, SourceInfo))
    assert info.channels[1] == ChannelInfo("emg2", "quadriceps", Side.RIGHT)
    assert main(["play", "--sensor", "brainflow:synthetic", "--headless", "--duration", "2",
                 "--map", "emg99=quadriceps:left", "--out", str(tmp_path)]) == 2
    assert "--map names 'emg99', which is not a channel" in capsys.readouterr().err
