"""The clinician view: every channel's envelope with its band, %MVC bars, quality, events, latency.

Dense and exact where the games are big and friendly: a physiotherapist reads it beside the
patient to check electrode placement, compensation and whether the feedback is trustworthy
(the measured latency is on screen).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pygame

from engine.clock import NS_PER_S
from engine.messages import RuleEvent
from engine.remote_change import RemoteAuthor
from engine.rules import EventKind
from engine.view import SessionView
from modes import alerts, palette, readouts, widgets
from modes.base import Screen

#: Trace colours cycle through the palette so neighbouring channels always differ.
_TRACE_COLOURS = (palette.SKY_BLUE, palette.ORANGE, palette.YELLOW, palette.REDDISH_PURPLE,
                  palette.BLUISH_GREEN, palette.WHITE, palette.BLUE, palette.VERMILLION)
_EVENT_LINES = 7
#: How far one press of [ or ] moves the target band, in %MVC.
BAND_STEP_PCT = 5.0
SETTING_KEYS: dict[int, float | None] = {
    pygame.K_LEFTBRACKET: -BAND_STEP_PCT,
    pygame.K_RIGHTBRACKET: BAND_STEP_PCT,
    pygame.K_v: None,
}
"""The clinician's keys in this view: the band's move in %MVC, or None for the next feedback
schedule (the render actor sends them as recorded configuration changes; the settings panel
lists them beside the values they change)."""


class ClinicianView(Screen):
    """Live envelopes per channel, %MVC bars, quality flags, event log and latency readout."""

    name = "clinician"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        layout = _layout(surface.get_size(), len(view.channels))
        surface.blit(_chrome(surface.get_size(), len(view.channels)), (0, 0))
        _status_line(surface, view)
        self._traces(surface, layout, view)
        _bars(surface, layout.bars, view)
        _numbers(surface, layout.numbers, view)
        _settings(surface, layout.settings, view)
        _event_log(surface, layout.log, view)

    def _traces(self, surface: pygame.Surface, layout: _Layout, view: SessionView) -> None:
        window_ns = self.context.trace.window_ns
        # Each tracked muscle's median-frequency slope in its latest set (later sets come last).
        latest_fatigue = {f.channel: f for f in view.exercise.fatigue} if view.exercise else {}
        for i, channel in enumerate(view.channels):
            row = layout.rows[i]
            plot = row.inflate(-palette.px(surface, 16), -palette.px(surface, 12))
            plot.left += palette.px(surface, 150)
            plot.width -= palette.px(surface, 150)
            colour = _TRACE_COLOURS[i % len(_TRACE_COLOURS)]
            band = _band_for(view, i)
            use_pct = channel.pct_mvc is not None
            series = self.context.trace.series(i, view.t_ns)
            values = series.pct_mvc if use_pct else series.envelope_uv
            top = _plot_top(series.envelope_uv, channel.envelope_uv, use_pct)
            if band is not None and use_pct:
                y_hi, y_lo = (round(y) for y in _y(plot, np.array(band[::-1]), top))
                widgets.translucent_rect(
                    surface, pygame.Rect(plot.left, y_hi, plot.width, max(1, y_lo - y_hi)),
                    palette.TARGET, 70)
            pygame.draw.line(surface, palette.PANEL_EDGE, plot.bottomleft, plot.bottomright, 1)
            finite = np.isfinite(values)
            xs = plot.right - (view.t_ns - series.t_ns[finite]) / window_ns * plot.width
            line = np.column_stack((xs, _y(plot, values[finite], top))).tolist()
            widgets.polyline(surface, colour, line, max(1, palette.px(surface, 2)))
            widgets.text(surface, channel.label, (row.left + palette.px(surface, 12),
                                                  row.top + palette.px(surface, 6)), 30, colour)
            widgets.text(surface, channel.muscle, (row.left + palette.px(surface, 12),
                                                   row.top + palette.px(surface, 30)), 20,
                         palette.TEXT_DIM)
            value = (f"{channel.pct_mvc:.0f} %MVC" if channel.pct_mvc is not None else
                     f"{channel.envelope_uv:.0f} µV")
            widgets.text(surface, value, (row.left + palette.px(surface, 12), row.bottom -
                                          palette.px(surface, 6)), 26, palette.TEXT,
                         "bottomleft")
            fatigue = latest_fatigue.get(channel.label)
            if fatigue is not None:
                widgets.text(surface, fatigue.trend_words(),
                             (plot.right, plot.bottom - palette.px(surface, 4)), 20,
                             palette.CAUTION if fatigue.state == "fatiguing" else palette.TEXT_DIM,
                             "bottomright")
            words = readouts.quality_words(channel.quality)
            if channel.over_mvc:
                words.append("over MVC")
            x = plot.right
            for word in reversed(words):
                badge_rect = widgets.badge(surface, word, (x, row.top + palette.px(surface, 6)),
                                           palette.WARNING, 20, "topright", palette.WHITE)
                x = badge_rect.left - palette.px(surface, 6)
        scale = f"last {window_ns // NS_PER_S} s"
        area = layout.traces
        widgets.text(surface, scale, (area.right, area.bottom + palette.px(surface, 2)), 20,
                     palette.TEXT_DIM, "topright")


class _Layout(NamedTuple):
    """Where everything goes for a window size and channel count (reference px scaled)."""

    traces: pygame.Rect
    rows: tuple[pygame.Rect, ...]
    bars: pygame.Rect
    numbers: pygame.Rect
    settings: pygame.Rect
    log: pygame.Rect


@functools.lru_cache(maxsize=8)
def _layout(size: tuple[int, int], n_channels: int) -> _Layout:
    width, height = size
    scale = palette.scale_for(size)

    def px(reference: float) -> int:
        return max(1, round(reference * scale))

    # The alert banners' strip stays free at the bottom: a banner covers no trace or bar label.
    traces = pygame.Rect(px(20), px(70), round(width * 0.62),
                         height - px(90) - alerts.reserved_strip_height(size))
    n = max(1, n_channels)
    gap = px(8)
    row_h = (traces.height - gap * (n - 1)) // n
    rows = tuple(pygame.Rect(traces.left, traces.top + i * (row_h + gap), traces.width, row_h)
                 for i in range(n_channels))
    side = pygame.Rect(traces.right + px(20), traces.top, width - traces.right - px(40),
                       traces.height)
    bars = pygame.Rect(side.left, side.top, side.width, round(side.height * 0.40))
    numbers = pygame.Rect(side.left, bars.bottom + px(12), side.width, px(150))
    settings = pygame.Rect(side.left, numbers.bottom + px(12), side.width, px(72))
    log = pygame.Rect(side.left, settings.bottom + px(12), side.width,
                      side.bottom - settings.bottom - px(12))
    return _Layout(traces, rows, bars, numbers, settings, log)


@functools.lru_cache(maxsize=8)
def _chrome(size: tuple[int, int], n_channels: int) -> pygame.Surface:
    """The background and every panel, drawn once per layout: they never change."""
    layout = _layout(size, n_channels)
    chrome = pygame.Surface(size)
    chrome.fill(palette.BACKGROUND)
    for row in layout.rows:
        widgets.panel(chrome, row, radius=8)
    for box in (layout.bars, layout.numbers, layout.settings, layout.log):
        widgets.panel(chrome, box, radius=10)
    return chrome


def _band_for(view: SessionView, channel: int) -> tuple[float, float] | None:
    exercise = view.exercise
    if exercise is None:
        return None
    if exercise.kind == "compare":
        # A comparison has no band to reach: its target's 0–150 %MVC only bounds the protocol.
        return None
    if exercise.target_channels and channel not in exercise.target_channels:
        return None
    low = 0.0 if exercise.below_line else exercise.target_low_pct
    return (low, exercise.target_high_pct)


def _plot_top(envelope_uv: npt.NDArray[np.float64], current: float, use_pct: bool) -> float:
    """The plot's upper limit: 120 %MVC, or for µV a rounded-up maximum of what is shown."""
    if use_pct:
        return widgets.SCALE_TOP_PCT
    peak = max(current, float(envelope_uv.max())) if len(envelope_uv) else current
    step = 50.0
    return float(max(step, -(-peak * 1.1 // step) * step))


def _y(plot: pygame.Rect, values: npt.NDArray[np.float64], top: float) -> npt.NDArray[np.float64]:
    """Screen y of ``values`` on a 0..``top`` scale filling ``plot``."""
    return plot.bottom - np.clip(values, 0.0, top) / top * plot.height


def _status_line(surface: pygame.Surface, view: SessionView) -> None:
    px = palette.px
    exercise = view.exercise
    t_s = view.t_ns / NS_PER_S
    parts = [f"t = {int(t_s // 60)}:{t_s % 60:04.1f}"]
    if exercise is not None:
        parts += [exercise.protocol, f"phase: {exercise.phase}",
                  f"rep {exercise.rep}/{exercise.reps_total}",
                  f"set {exercise.set_index}/{exercise.sets_total}",
                  f"holds {exercise.reps_completed}"]
        if not exercise.show_feedback:
            parts.append("feedback faded")
    widgets.text(surface, "   ·   ".join(parts), (px(surface, 20), px(surface, 18)), 32,
                 max_width=round(surface.get_width() * 0.68))
    colour = palette.GOOD if view.sensor_status == "connected" else palette.WARNING
    label = f"{view.sensor_status}  ·  loss {view.packet_loss_pct:.1f}%"
    widgets.badge(surface, label, (surface.get_width() - px(surface, 20), px(surface, 14)),
                  colour, 24, "topright")


def _bars(surface: pygame.Surface, area: pygame.Rect, view: SessionView) -> None:
    n = max(1, len(view.channels))
    px = palette.px
    inner = area.inflate(-px(surface, 24), -px(surface, 90))
    inner.top = area.top + px(surface, 44)
    slot = inner.width / n
    bar_w = max(4, min(px(surface, 40), round(slot * 0.55)))
    for i, channel in enumerate(view.channels):
        rect = pygame.Rect(0, 0, bar_w, inner.height)
        rect.midtop = (round(inner.left + slot * (i + 0.5)), inner.top)
        exercise = view.exercise
        band = _band_for(view, i)
        in_zone = (band is not None and channel.pct_mvc is not None
                   and band[0] <= channel.pct_mvc <= band[1])
        widgets.level_bar(surface, rect, channel.pct_mvc, band,
                          _TRACE_COLOURS[i % len(_TRACE_COLOURS)], in_zone, channel.label,
                          bool(exercise and exercise.below_line))


def _numbers(surface: pygame.Surface, area: pygame.Rect, view: SessionView) -> None:
    px = palette.px
    exercise = view.exercise
    rows: list[tuple[str, str, palette.Colour]] = []
    if exercise is not None and exercise.compensation_ratio is not None:
        limit = exercise.compensation_limit
        over = limit is not None and exercise.compensation_ratio > limit
        limit_text = f"  (limit {limit:.2f})" if limit is not None else ""
        rows.append(("compensation", f"{exercise.compensation_ratio:.2f}{limit_text}",
                     palette.WARNING if over else palette.TEXT))
    if exercise is not None and exercise.symmetry_lsi_pct is not None:
        lsi = exercise.symmetry_lsi_pct
        rows.append(("symmetry LSI", f"{lsi:.0f}%", palette.GOOD if lsi >= 90 else palette.CAUTION))
    latency = view.latency
    if latency is not None:
        rows.append(("latency p50 / p99", f"{latency.p50_ms:.0f} / {latency.p99_ms:.0f} ms",
                     palette.GOOD if latency.p99_ms <= 60 else palette.CAUTION))
        rows.append(("  incl. group delay", f"{latency.group_delay_ms:.0f} ms  (now "
                     f"{latency.last_ms:.0f})", palette.TEXT_DIM))
    else:
        rows.append(("latency", "measuring…", palette.TEXT_DIM))
    line_h = (area.height - px(surface, 16)) / max(4, len(rows))
    for k, (name, value, colour) in enumerate(rows):
        y = area.top + px(surface, 8) + k * line_h
        widgets.text(surface, name, (area.left + px(surface, 14), y), 26, palette.TEXT_DIM)
        widgets.text(surface, value, (area.right - px(surface, 14), y), 26, colour, "topright")


def _settings(surface: pygame.Surface, area: pygame.Rect, view: SessionView) -> None:
    """The settings a clinician changes live, each with its key."""
    px = palette.px
    exercise = view.exercise
    if exercise is None:
        widgets.text(surface, "settings: once the exercise starts",
                     (area.left + px(surface, 14), area.top + px(surface, 8)), 24,
                     palette.TEXT_DIM)
        return
    band = (f"{exercise.target_low_pct:.0f}–{exercise.target_high_pct:.0f} %MVC"
            if exercise.kind == "hold" else "fixed by the protocol")
    step = f"{BAND_STEP_PCT:g}"
    rows = ((f"[ ]  band −/+{step}", band), ("V  feedback", exercise.feedback_mode))
    line_h = (area.height - px(surface, 12)) / len(rows)
    for k, (name, value) in enumerate(rows):
        y = area.top + px(surface, 6) + k * line_h
        widgets.text(surface, name, (area.left + px(surface, 14), y), 24, palette.TEXT_DIM)
        widgets.text(surface, value, (area.right - px(surface, 14), y), 24, palette.TEXT,
                     "topright")


def _event_log(surface: pygame.Surface, area: pygame.Rect, view: SessionView) -> None:
    px = palette.px
    widgets.text(surface, "events", (area.left + px(surface, 14), area.top + px(surface, 8)), 26,
                 palette.TEXT_DIM)
    events = view.recent_events[-_EVENT_LINES:]
    line_h = px(surface, 26)
    for k, event in enumerate(reversed(events)):
        y = area.top + px(surface, 40) + k * line_h
        if y + line_h > area.bottom:
            break
        t_s = event.t_ns / NS_PER_S
        widgets.text(surface, f"{t_s:7.1f} s  {event_line(event)}",
                     (area.left + px(surface, 14), y), 24, palette.TEXT,
                     max_width=area.width - px(surface, 28))
    if not events:
        widgets.text(surface, "none yet", (area.left + px(surface, 14), area.top + px(surface, 40)),
                     24, palette.TEXT_DIM)


def event_line(event: RuleEvent) -> str:
    """One event as the log lists it: its kind and subject, or, for a change made from a
    dashboard, who changed what ("Band set to 30–50 %MVC by dr_lee (dashboard)")."""
    if event.kind == EventKind.REMOTE_CHANGE:
        return RemoteAuthor.from_plain(event.data).words()
    subject = f" {event.subject}" if event.subject else ""
    return f"{event.kind.replace('_', ' ')}{subject}"
