"""The session summary: knowledge of results, plainly, for the patient and the clinician.

Every rep in a table (the band it was judged on, peak and mean %MVC, time in the zone, held or
missed, and a mark on a rep during which the compensation alert was raised), the bands the
session used, every alert counted over the whole exercise, the duration, the trend and the
score (:mod:`engine.game_score`, the same points the HUD counted), the fatigue per set and
muscle (the median-frequency slope), and — for a session filed
under a client — the change since the client's last session and the progress toward the
criterion across sessions (:mod:`engine.since_last_session`). The words come from
:mod:`modes.results_text`, the same the console report prints; the numbers are the engine's
:class:`~engine.rules.session_summary.SessionSummary`.
"""

from __future__ import annotations

import pygame

from engine.game_score import score_reps
from engine.rules.session_summary import RepResult, SessionSummary
from engine.since_last_session import ClientHistory, client_progress_lines
from engine.view import SessionView
from modes import palette, results_text, widgets
from modes.base import Screen

#: Column headings of the rep table and each column's share of a table group's width.
_COLUMNS = (("rep", 0.08), ("band %MVC", 0.23), ("peak", 0.14), ("mean", 0.14),
            ("in zone s", 0.19), ("", 0.22))
_ROW_PX = 26
_MIN_GROUP_PX = 320
"""Narrowest table group, in screen px: the six columns at the smallest text size."""
_TABLE_TEXT = 21


FATIGUE_LINES = 4
"""Most fatigue figures (a muscle in a set each) the facts list, the latest sets';
``summary.json`` has them all."""


#: The mark on a rep with a compensation alert during it, and what it means.
COMPENSATION_MARK = "*"


def rep_outcome(rep: RepResult) -> str:
    """"held" or "missed", with :data:`COMPENSATION_MARK` when a compensation alert was raised
    during the rep (counted or failed, as the protocol's policy says)."""
    return ("held" if rep.success else "missed") + (COMPENSATION_MARK if rep.compensated else "")


def compensation_note(summary: SessionSummary) -> str | None:
    """What the mark means for this session's marked reps, or None when no rep is marked."""
    marked = [r for r in summary.reps if r.compensated]
    if not marked:
        return None
    failed = sum(r.failed_by == "compensation" for r in marked)
    counted = len(marked) - failed
    what = ", ".join(part for part in (f"{counted} counted" if counted else "",
                                       f"{failed} failed for it" if failed else "") if part)
    return (f"{COMPENSATION_MARK} compensation alert during the rep "
            f"({len(marked)} rep{'s' if len(marked) != 1 else ''}: {what})")


class SummaryScreen(Screen):
    """What the session achieved: verdict, rep table, bands, alerts, duration, trend."""

    name = "summary"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        px = palette.px
        width, height = surface.get_size()
        widgets.text(surface, "Session complete", (width // 2, px(surface, 20)),
                     palette.SIZE_LARGE, anchor="midtop")
        exercise = view.exercise
        summary = exercise.summary if exercise is not None else None
        if summary is None:
            widgets.text(surface, "No exercise was recorded", (width // 2, px(surface, 140)),
                         palette.SIZE_BODY, palette.YELLOW, "midtop")
        else:
            widgets.star_row(surface, (width / 2, px(surface, 104)), summary.reps_completed,
                             summary.reps_prescribed, px(surface, 20))
            widgets.text(surface, results_text.verdict(summary),
                         (width // 2, px(surface, 132)), 34, palette.YELLOW, "midtop",
                         max_width=width - px(surface, 60))
            top, bottom = px(surface, 186), height - px(surface, 46)
            table = pygame.Rect(px(surface, 30), top, round(width * 0.56), bottom - top)
            facts = pygame.Rect(table.right + px(surface, 20), top,
                                width - table.right - px(surface, 50), bottom - top)
            widgets.panel(surface, table)
            widgets.panel(surface, facts)
            _rep_table(surface, table, summary)
            _facts(surface, facts, summary, view, self.context.client_history)
        widgets.text(surface, "Esc to close", (width // 2, height - px(surface, 12)),
                     palette.SIZE_SMALL, palette.TEXT_DIM, "midbottom")


def _rep_table(surface: pygame.Surface, area: pygame.Rect, summary: SessionSummary) -> None:
    """Every rep that fits, in one or two column groups; the newest when not all fit."""
    px = palette.px
    inner = area.inflate(-px(surface, 24), -px(surface, 20))
    row_h = max(px(surface, _ROW_PX), palette.MIN_TEXT_PX + 1)
    rows = max(1, inner.height // row_h - 1)
    count = len(summary.reps)
    # Two column groups only where each is wide enough for its numbers (not on a small window).
    groups = 1 if count <= rows or inner.width < 2 * _MIN_GROUP_PX else 2
    shown = min(count, rows * groups)
    first = count - shown
    if first:
        widgets.text(surface, f"reps 1–{first} are in summary.json",
                     (inner.right, area.bottom - px(surface, 4)), 18, palette.TEXT_DIM,
                     "bottomright")
    note = compensation_note(summary)
    if note is not None:
        widgets.text(surface, note, (inner.left, area.bottom - px(surface, 4)), 18,
                     palette.CAUTION, "bottomleft",
                     max_width=inner.width - (px(surface, 200) if first else 0))
    missed = results_text.missed_note(summary)
    if missed is not None:
        # Why a rep with time enough in the zone was missed; above the compensation note.
        widgets.text(surface, missed,
                     (inner.left, area.bottom - px(surface, 4) - (row_h if note else 0)), 18,
                     palette.TEXT_DIM, "bottomleft",
                     max_width=inner.width - (px(surface, 200) if first and not note else 0))
    note_rows = (note is not None) + (missed is not None)
    if not count:
        widgets.text(surface, "no rep was finished", inner.topleft, _TABLE_TEXT, palette.TEXT_DIM)
        return
    group_w = inner.width // groups
    per_group = -(-shown // groups)
    chart = pygame.Rect(inner.left, inner.top + (per_group + 2) * row_h, inner.width, 0)
    # The chart ends above the note on marked reps.
    chart.height = inner.bottom - chart.top - row_h * note_rows
    if chart.height >= px(surface, 90):
        _zone_chart(surface, chart, summary)
    for g in range(groups):
        left = inner.left + g * group_w
        _row(surface, left, inner.top, group_w, [name for name, _ in _COLUMNS], palette.TEXT_DIM)
        for k in range(per_group):
            index = first + g * per_group + k
            if index >= count:
                break
            number, band, peak, mean, zone, held = results_text.rep_row(summary, index)
            y = inner.top + (k + 1) * row_h
            colour = palette.TEXT if held else palette.CAUTION
            _row(surface, left, y, group_w,
                 [number, band, peak, mean, zone, rep_outcome(summary.reps[index])], colour)


def _zone_chart(surface: pygame.Surface, area: pygame.Rect, summary: SessionSummary) -> None:
    """Under a short table: the share of each rep's hold spent in the zone, a bar per rep."""
    px = palette.px
    widgets.text(surface, "time in the zone, rep by rep", area.topleft, 20, palette.TEXT_DIM)
    plot = area.inflate(0, -px(surface, 34))
    plot.bottom = area.bottom
    pygame.draw.line(surface, palette.PANEL_EDGE, plot.bottomleft, plot.bottomright, 1)
    slot = plot.width / len(summary.reps)
    bar_w = max(2, min(px(surface, 40), round(slot * 0.6)))
    for k, rep in enumerate(summary.reps):
        share = min(1.0, rep.time_in_zone_s / rep.hold_s)
        bar = pygame.Rect(0, 0, bar_w, max(2, round(share * plot.height)))
        bar.midbottom = (round(plot.left + slot * (k + 0.5)), plot.bottom)
        colour = palette.GOOD if rep.success else palette.CAUTION
        pygame.draw.rect(surface, colour, bar, border_radius=max(1, bar_w // 5))


def _row(surface: pygame.Surface, left: int, y: int, width: int, cells: list[str],
         colour: palette.Colour) -> None:
    x = float(left)
    for cell, (_, share) in zip(cells, _COLUMNS, strict=True):
        cell_w = share * width
        widgets.text(surface, cell, (x + cell_w - palette.px(surface, 8), y), _TABLE_TEXT,
                     colour, "topright", max_width=round(cell_w - palette.px(surface, 6)))
        x += cell_w


def _facts(surface: pygame.Surface, area: pygame.Rect, summary: SessionSummary,
           view: SessionView, history: ClientHistory | None) -> None:
    """Duration, time in zone, alerts, symmetry, trend, fatigue, the client's progress
    (``history``), bands and latency, most important first.

    Short facts are a label with its value on the right; the bands and the trend are sentences,
    wrapped under their label. What does not fit a small window is left out from the end (the
    console report and ``summary.json`` have it all)."""
    px = palette.px
    rows: list[tuple[str, str, palette.Colour]] = [
        ("duration", results_text.duration_text(summary.duration_s)
         + (f" (paused {summary.paused_s:.0f} s)" if summary.paused_s else ""), palette.TEXT),
        ("time in zone", f"{summary.time_in_zone_s:.0f} s", palette.TEXT),
    ]
    score = score_reps(summary.reps)
    rows.append(("score", f"{score.points:,} points · level {score.level}", palette.YELLOW))
    if score.best_streak >= 2:
        rows.append(("best streak", f"{score.best_streak} holds in a row", palette.TEXT))
    for name, count in results_text.alert_counts(summary):
        label = name if name == "signal pauses" else f"{name} alerts"
        rows.append((label, str(count), palette.GOOD if count == 0 else palette.CAUTION))
    if summary.reps_compensated:
        rows.append(("marked reps", f"{summary.reps_compensated} {COMPENSATION_MARK}",
                     palette.CAUTION))
    lsi = summary.mean_symmetry_lsi_pct
    if lsi is not None:
        rows.append(("symmetry", f"{lsi:.0f}% (goal ≥ 90%)",
                     palette.GOOD if lsi >= 90 else palette.CAUTION))
    trend, numbers = results_text.trend_text(summary.trend)
    rows.append(("trend", trend, palette.TEXT))
    inner = area.inflate(-px(surface, 24), -px(surface, 20))
    line_h = max(px(surface, 30), palette.MIN_TEXT_PX + 2)
    indent = px(surface, 14)
    wide = inner.width - indent
    lines: list[tuple[str, str, palette.Colour]] = list(rows)
    lines += [("", line, palette.TEXT_DIM) for line in _wrap(surface, numbers, 20, wide)]
    if summary.fatigue:
        lines.append(("fatigue", "", palette.TEXT))
        for fatigue in summary.fatigue[-FATIGUE_LINES:]:
            colour = palette.CAUTION if fatigue.state == "fatiguing" else palette.TEXT
            lines += [("", part, colour) for part in _wrap(surface, fatigue.sentence(), 20, wide)]
    if history is not None:
        progress = client_progress_lines(history, summary)
        if progress:
            lines.append((f"client {history.client_id}", "", palette.TEXT))
        for line in progress:
            lines += [("", part, palette.YELLOW) for part in _wrap(surface, line, 20, wide)]
    lines.append(("bands", "", palette.TEXT))
    for band in results_text.band_lines(summary.bands, most=4):
        lines += [("", line, palette.TEXT) for line in _wrap(surface, band, 20, wide)]
    latency = view.latency
    if latency is not None:
        lines.append(("latency p50/p99", f"{latency.p50_ms:.0f}/{latency.p99_ms:.0f} ms",
                      palette.TEXT_DIM))
    for k, (label, value, colour) in enumerate(lines[: max(1, inner.height // line_h)]):
        y = inner.top + k * line_h
        if label:
            widgets.text(surface, label, (inner.left, y), 21, palette.TEXT_DIM)
            widgets.text(surface, value, (inner.right, y), 21, colour, "topright",
                         max_width=round(inner.width * 0.6))
        else:
            widgets.text(surface, value, (inner.left + indent, y), 20, colour, max_width=wide)


def _wrap(surface: pygame.Surface, sentence: str, size: float, width: int) -> list[str]:
    """``sentence`` broken at spaces into lines no wider than ``width`` at ``size``."""
    font = palette.font(max(palette.MIN_TEXT_PX, palette.px(surface, size)))
    lines: list[str] = []
    for word in sentence.split():
        if lines and font.size(f"{lines[-1]} {word}")[0] <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
