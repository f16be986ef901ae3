"""Every muscle's peak and working-phase mean %MVC: from the engine's summary at the end of a
headless replay, into the session facts, the store and a batch's facts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from engine.rules.session_summary import SessionSummary
from engine.session_facts import MuscleFacts, session_facts
from engine.training import TrainingConfig
from history.store import HistoryStore
from myoplay.progress_command import muscles_line
from replays.cohort_rows import RecordingIdentity, recording_rows
from replays.headless import HeadlessReplay, replay_headless
from tests.modes.view_samples import done_summary

SESSION = Path(__file__).parents[1] / "data" / "replays" / "quad_set_session.myoplay"


def _training(config: object) -> TrainingConfig:
    assert isinstance(config, dict)
    return TrainingConfig.from_plain(config["training"], str(SESSION))


def replayed() -> HeadlessReplay:
    return replay_headless(SESSION, _training, read_ahead=False)


def test_the_replay_ends_with_every_channels_peak_and_working_mean() -> None:
    done = replayed()
    summary = done.summary
    labels = [c.label for c in done.source.channels]
    assert summary.reps_attempted > 0
    # Every column the rules keep (here the channels the protocol's muscles are on).
    assert set(summary.mean_pct_by_channel) == set(summary.peak_pct_by_channel)
    assert summary.peak_pct_by_channel
    assert set(summary.peak_pct_by_channel) <= set(labels)
    for label, mean in summary.mean_pct_by_channel.items():
        assert 0 < mean < summary.peak_pct_by_channel[label]
    # The target's working mean sits near the band the reps were held in, not near rest.
    target_means = [r.mean_pct for r in summary.reps if r.mean_pct is not None]
    assert max(summary.mean_pct_by_channel.values()) > 0.5 * min(target_means)
    # summary.json keeps the means, and one written before them still reads.
    assert SessionSummary.from_plain(summary.to_plain()) == summary
    older = summary.to_plain()
    del older["mean_pct_by_channel"]
    assert SessionSummary.from_plain(older).mean_pct_by_channel == {}


def test_the_facts_carry_every_muscle_in_channel_order() -> None:
    done = replayed()
    training = _training(done.header.config)
    facts = session_facts(done.outputs, training, done.source, None, done.summary)
    assert [(m.channel, m.muscle, m.side) for m in facts.muscles] == [
        (c.label, c.muscle, c.side.value) for c in done.source.channels
        if c.label in done.summary.peak_pct_by_channel]
    assert all(m.peak_pct == done.summary.peak_pct_by_channel[m.channel]
               for m in facts.muscles)
    assert session_facts(done.outputs, training, done.source, None).muscles == ()
    rows = recording_rows(RecordingIdentity.of(SESSION), _training, keep_events=False)
    assert rows.facts is not None
    assert rows.facts.muscles == facts.muscles


def test_the_store_files_the_muscles_and_progress_names_them(tmp_path: Path) -> None:
    done = replayed()
    facts = dataclasses.replace(
        session_facts(done.outputs, _training(done.header.config), done.source, None,
                      done.summary), client_id="P-7")
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        assert store.latest_muscles("P-7") is None
        store.file_session(facts, started_at="2026-11-02T10:00", recording_path=str(SESSION),
                           sha256="a" * 64, created_at="2026-11-02T10:30")
        rows = store.table("session_muscles", "P-7")
        assert [r["channel"] for r in rows] == sorted(m.channel for m in facts.muscles)
        latest = store.latest_muscles("P-7")
    assert latest == ("2026-11-02T10:00", facts.protocol_id, list(facts.muscles))
    line = muscles_line(*latest)
    assert line.startswith(f"muscles on 2026-11-02 ({facts.protocol_id}, %MVC): ")
    first = facts.muscles[0]
    assert f"{first.side} {first.muscle} peak {first.peak_pct:.0f} mean" in line


def test_an_unmeasured_figure_reads_as_a_dash() -> None:
    line = muscles_line("2026-11-02T10:00", "quad_set",
                        [MuscleFacts("R-ham", "hamstrings", "right", 12.4, None)])
    assert line == "muscles on 2026-11-02 (quad_set, %MVC): right hamstrings peak 12 mean –"
    assert done_summary().mean_pct_by_channel == {}
