"""A rep during a compensation alert carries its mark into the rep result and the summary (the
``count_and_mark`` and ``fail`` policies), the summary screen, the console report and
``summary.json`` show it, and ``summary.json`` keeps the score; older summaries still load."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pygame
import pytest

from actors.session import SessionOutcome
from engine.errors import MessageFormatError
from engine.game_score import score_reps
from engine.protocol import builtin_protocol
from engine.rules import RulesEngine
from engine.rules.session_summary import RepResult, SessionSummary
from modes import registry, summary_screen, widgets
from modes.base import ModeContext
from myoplay.session_report import report_session, summary_lines
from tests.engine.rules.scripted_patient import BRIDGE, run_patient
from tests.engine.rules.test_alerts_pauses_success import bridge_protocol, bridge_with_hamstrings
from tests.modes import view_samples


def _summary(during_alert: str, hamstrings_pct: float) -> SessionSummary:
    protocol = (builtin_protocol("glute_bridge") if during_alert == "fail"
                else bridge_protocol(during_alert))
    engine = RulesEngine(protocol, BRIDGE)
    run_patient(engine, bridge_with_hamstrings(hamstrings_pct), 20.0)
    return engine.summary()


def test_count_and_mark_reps_count_and_are_marked_in_the_summary() -> None:
    summary = _summary("count_and_mark", 90.0)
    assert summary.reps
    assert all(r.success and r.compensated and r.failed_by is None for r in summary.reps)
    assert summary.reps_compensated == len(summary.reps)
    assert summary.reps_completed == len(summary.reps)
    assert summary.to_plain()["reps_compensated"] == len(summary.reps)


def test_reps_failed_for_compensation_say_so() -> None:
    summary = _summary("fail", 90.0)
    assert summary.reps
    assert all(not r.success and r.compensated and r.failed_by == "compensation"
               for r in summary.reps)
    assert summary.reps_compensated == len(summary.reps)


def test_clean_reps_are_not_marked() -> None:
    summary = _summary("fail", 20.0)
    assert summary.reps
    assert summary.reps_compensated == 0
    assert not any(r.compensated or r.failed_by for r in summary.reps)


def test_the_marks_survive_plain_data_and_older_summaries_still_load() -> None:
    summary = _marked(view_samples.done_summary())
    again = SessionSummary.from_plain(json.loads(json.dumps(summary.to_plain())))
    assert again == summary
    older: dict[str, Any] = json.loads(json.dumps(summary.to_plain()))
    for rep in older["reps"]:
        del rep["compensated"], rep["failed_by"]
    del older["reps_compensated"]
    loaded = SessionSummary.from_plain(older)
    assert loaded.reps_compensated == 0
    assert loaded == dataclasses.replace(summary, reps=view_samples.done_summary().reps)
    bad = summary.reps[0].to_plain() | {"failed_by": 3}
    with pytest.raises(MessageFormatError, match="failed_by"):
        RepResult.from_plain(bad)
    with pytest.raises(MessageFormatError, match="missing fields"):
        RepResult.from_plain({k: v for k, v in summary.reps[0].to_plain().items()
                              if k != "peak_uv"})


def _marked(summary: SessionSummary) -> SessionSummary:
    """Reps 2 and 5 counted under a compensation alert, rep 3 failed for one."""
    reps = list(summary.reps)
    reps[1] = dataclasses.replace(reps[1], compensated=True)
    reps[2] = dataclasses.replace(reps[2], compensated=True, failed_by="compensation")
    reps[4] = dataclasses.replace(reps[4], compensated=True)
    return dataclasses.replace(summary, reps=tuple(reps))


def test_the_console_report_marks_the_reps_and_explains_the_mark() -> None:
    lines = summary_lines(_marked(view_samples.done_summary()))
    header = lines.index("  rep  band %MVC  peak  mean  in zone s  success")
    # The success cell is the sixth; a missed rep says why after it.
    rows = [line.split(maxsplit=5) for line in lines[header + 1: header + 11]]
    assert [row[5].split()[0] for row in rows[:5]] == ["yes", "yes*", "no*", "yes", "yes*"]
    assert rows[2][5] == "no* (failed for the compensation alert during it)"
    assert ("  * compensation alert during the rep (3 reps: 2 counted, 1 failed for it)"
            in lines)


def test_the_summary_screen_marks_the_reps_and_shows_the_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[str] = []
    original = widgets.text

    def recording(surface: pygame.Surface, message: str, *args: object,
                  **kwargs: object) -> pygame.Rect:
        written.append(message)
        return original(surface, message, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(widgets, "text", recording)
    summary = _marked(view_samples.done_summary())
    view = view_samples.session(phase="done", summary=summary)
    registry.create("summary", ModeContext()).draw(pygame.Surface((1280, 720)), view)
    outcomes = [w for w in written if w.startswith(("held", "missed"))]
    assert outcomes[:5] == ["held", "held*", "missed*", "held", "held*"]
    assert summary_screen.compensation_note(summary) in written
    score = score_reps(summary.reps)
    assert f"{score.points:,} points · level {score.level}" in written
    assert f"{score.best_streak} holds in a row" in written
    assert summary_screen.compensation_note(view_samples.done_summary()) is None


def test_summary_json_keeps_the_score_beside_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    summary = _marked(view_samples.done_summary())
    outcome = SessionOutcome(reason="exercise complete", summary=summary,
                             record_path=tmp_path / "session.myoplay", latency_p50_ms=None,
                             latency_p99_ms=None, group_delay_ms=12.0)
    report_session(outcome, tmp_path, 1.0)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["score"] == score_reps(summary.reps).to_plain()
    assert saved["score"]["points"] > 0
    assert saved["reps_compensated"] == 3
    assert [r["compensated"] for r in saved["reps"][:3]] == [False, True, True]
    assert SessionSummary.from_plain(saved) == summary
    assert "score " in capsys.readouterr().out
