"""The session summary: knowledge of results, plainly (holds, success rate, symmetry, latency).

The numbers are the engine's, unrounded in meaning: a short session says so, a missed rep counts
as missed. Encouragement is picked from the actual success rate, never a blanket "perfect".
"""

from __future__ import annotations

import pygame

from engine.view import SessionView
from modes import palette, readouts, widgets
from modes.base import Screen


def success_rate(view: SessionView) -> float | None:
    """Completed holds over reps planned (all sets), or None before any exercise."""
    exercise = view.exercise
    if exercise is None:
        return None
    planned = exercise.reps_total * max(1, exercise.sets_total)
    return exercise.reps_completed / planned if planned > 0 else None


def mean_rep_lsi(view: SessionView) -> float | None:
    """Mean limb symmetry index of the reps whose results are in the view, in %."""
    values = [v for r in readouts.rep_results(view)
              if (v := readouts.number(r, "symmetry_lsi_pct")) is not None]
    return sum(values) / len(values) if values else None


def verdict(rate: float | None) -> str:
    """A one-line, honest encouragement for ``rate``."""
    if rate is None:
        return "No exercise was recorded"
    if rate >= 0.9:
        return "Excellent: nearly every hold in the zone!"
    if rate >= 0.6:
        return "Good session: most holds completed"
    if rate > 0:
        return "Every hold counts: aim for one more next time"
    return "No holds completed yet: try a lower target next time"


class SummaryScreen(Screen):
    """What the session achieved, for the patient and the clinician."""

    name = "summary"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.blit(widgets.vertical_gradient(surface.get_size(), palette.BACKGROUND,
                                               palette.PANEL), (0, 0))
        px = palette.px
        width = surface.get_width()
        widgets.text(surface, "Session complete", (width // 2, px(surface, 40)),
                     palette.SIZE_TITLE, anchor="midtop")
        exercise = view.exercise
        rate = success_rate(view)
        if exercise is not None:
            planned = exercise.reps_total * max(1, exercise.sets_total)
            widgets.star_row(surface, (width / 2, px(surface, 165)), exercise.reps_completed,
                             planned, px(surface, 30))
        widgets.text(surface, verdict(rate), (width // 2, px(surface, 215)), palette.SIZE_BODY,
                     palette.YELLOW, "midtop", max_width=width - px(surface, 60))
        tiles = _tiles(view, rate)
        gap = px(surface, 20)
        tile_w = (width - px(surface, 80) - gap * (len(tiles) - 1)) // max(1, len(tiles))
        top = px(surface, 280)
        for k, (caption, value, note, colour) in enumerate(tiles):
            tile = pygame.Rect(px(surface, 40) + k * (tile_w + gap), top, tile_w, px(surface, 220))
            widgets.panel(surface, tile)
            widgets.text(surface, caption, (tile.centerx, tile.top + px(surface, 22)), 30,
                         palette.TEXT_DIM, "midtop")
            widgets.text(surface, value, (tile.centerx, tile.centery + px(surface, 10)),
                         palette.SIZE_TITLE, colour, "center",
                         max_width=tile.width - px(surface, 20))
            widgets.text(surface, note, (tile.centerx, tile.bottom - px(surface, 22)), 24,
                         palette.TEXT_DIM, "midbottom", max_width=tile.width - px(surface, 16))
        _rep_strip(surface, view)
        widgets.text(surface, "Esc to close", (width // 2, surface.get_height() - px(surface, 24)),
                     palette.SIZE_SMALL, palette.TEXT_DIM, "midbottom")


def _tiles(
    view: SessionView, rate: float | None
) -> list[tuple[str, str, str, palette.Colour]]:
    exercise = view.exercise
    tiles: list[tuple[str, str, str, palette.Colour]] = []
    if exercise is not None:
        planned = exercise.reps_total * max(1, exercise.sets_total)
        tiles.append(("holds", f"{exercise.reps_completed}/{planned}",
                      f"{exercise.hold_required_s:.0f} s each", palette.TEXT))
        tiles.append(("success", "—" if rate is None else f"{rate * 100:.0f}%",
                      f"band {exercise.target_low_pct:.0f}–{exercise.target_high_pct:.0f}%MVC",
                      palette.GOOD if rate is not None and rate >= 0.6 else palette.CAUTION))
        lsi = mean_rep_lsi(view)
        note = "mean of reps, goal ≥ 90%"
        if lsi is None and exercise.symmetry_lsi_pct is not None:
            lsi, note = exercise.symmetry_lsi_pct, "at the end, goal ≥ 90%"
        if lsi is not None:
            tiles.append(("symmetry", f"{lsi:.0f}%", note,
                          palette.GOOD if lsi >= 90 else palette.CAUTION))
    alerts = sum(1 for e in view.recent_events if e.kind == "compensation_alert")
    tiles.append(("compensation", str(alerts), "alerts in recent events",
                  palette.GOOD if alerts == 0 else palette.CAUTION))
    latency = view.latency
    if latency is not None:
        tiles.append(("latency p50/p99", f"{latency.p50_ms:.0f}/{latency.p99_ms:.0f}",
                      f"ms, incl. {latency.group_delay_ms:.0f} ms filter", palette.TEXT))
    return tiles


def _rep_strip(surface: pygame.Surface, view: SessionView) -> None:
    """Time in the zone for each rep still in the view's events: a bar per rep, success marked."""
    reps = readouts.rep_results(view)
    if not reps:
        return
    px = palette.px
    width = surface.get_width()
    area = pygame.Rect(px(surface, 40), px(surface, 555), width - px(surface, 80), px(surface, 95))
    slot = area.width / len(reps)
    bar_w = max(2, min(px(surface, 40), round(slot * 0.6)))
    longest = max((readouts.number(r, "hold_s") or 0.0) for r in reps) or 1.0
    for k, rep in enumerate(reps):
        in_zone_s = readouts.number(rep, "time_in_zone_s") or 0.0
        height = round(min(1.0, in_zone_s / longest) * area.height)
        bar = pygame.Rect(0, 0, bar_w, max(2, height))
        bar.midbottom = (round(area.left + slot * (k + 0.5)), area.bottom)
        colour = palette.GOOD if rep.get("success") is True else palette.CAUTION
        pygame.draw.rect(surface, colour, bar, border_radius=max(1, bar_w // 5))
    exercise = view.exercise
    planned = exercise.reps_total * max(1, exercise.sets_total) if exercise is not None else 0
    caption = ("time in the zone, rep by rep" if len(reps) >= planned else
               f"time in the zone, last {len(reps)} rep{'s' if len(reps) != 1 else ''}")
    widgets.text(surface, caption, (area.left, area.top - px(surface, 8)), 24, palette.TEXT_DIM,
                 "bottomleft")
