"""The alert overlay drawn over every screen: compensation, symmetry and signal-quality warnings.

Alerts are a banner with a symbol and words (never colour alone) in a strip along the bottom of
the screen, the one place every screen keeps for them (several alerts take turns): the games
lift their prompt above it (:func:`strip_height`), the clinician view ends its traces above it,
so a banner never covers the main number (the symmetry %, the hold), a trace or a bar label.
A banner says which muscle does what wrong and what to do about it ("Right hamstrings are doing
the work: relax them and squeeze the glutes"), and shows the limit with its hysteresis, so a
value between the two ("ratio 0.96 · alert above 1.00, clears below 0.80") does not look like a
contradiction. A channel with a quality problem is named with the problem, so the fix ("press
the electrode on") is obvious.
"""

from __future__ import annotations

import pygame

from engine.view import AlertView, SessionView
from modes import palette, readouts, widgets
from modes.base import Screen

#: Sensor states that need no warning: all is well, or the session is still starting.
SENSOR_STATES_WITHOUT_ALERT = frozenset({"connected", "connecting", "waiting"})
#: Height of the banner (a headline and the numbers under it) and the strip's margins, in
#: reference px: one banner at a time, so the strip stays low enough to keep every screen's
#: bars, labels and traces clear.
ITEM_PX = 64
MARGIN_PX = 8
#: With several alerts the banner shows each in turn for this long, in ns of sample time (so a
#: replay shows the same banner at the same moment).
ROTATE_NS = 3_000_000_000


def alert_items(view: SessionView) -> list[tuple[str, str]]:
    """Everything the overlay will say for ``view``, most urgent first: (headline, numbers),
    the numbers empty where there are none."""
    return [(headline, numbers) for _, headline, numbers in kinded_alert_items(view)]


def kinded_alert_items(view: SessionView) -> list[tuple[str, str, str]]:
    """:func:`alert_items` with what each is about first: "sensor", the rules' alert
    ("compensation", "symmetry", "quality") or "signal" (a flagged channel); a dashboard
    sorts and counts them by it."""
    items: list[tuple[str, str, str]] = []
    if view.sensor_status not in SENSOR_STATES_WITHOUT_ALERT:
        items.append(("sensor", f"Sensor {view.sensor_status}", ""))
    exercise = view.exercise
    if exercise is not None:
        details = {detail.kind: detail for detail in exercise.alert_details}
        for alert in exercise.active_alerts:
            detail = details.get(alert)
            items.append((alert, readouts.alert_message(alert), "") if detail is None
                         else (alert, *describe(detail)))
    for channel in view.channels:
        words = readouts.quality_words(channel.quality)
        if words:
            items.append(("signal", f"{channel.label}: {', '.join(words)}", ""))
    return items


def alert_lines(view: SessionView) -> list[str]:
    """Everything the overlay will say for ``view`` as one line per alert (for logs, tests)."""
    return [f"{headline}  ({numbers})" if numbers else headline
            for headline, numbers in alert_items(view)]


def describe(alert: AlertView) -> tuple[str, str]:
    """One alert in words: who does what wrong and what to do; then the value with both
    limits ("ratio 0.96 · alert above 1.00, clears below 0.80")."""
    side = f"{alert.side} " if alert.side else ""
    if alert.kind == "compensation":
        who = readouts.plain_muscle(alert.muscle)
        advice = (f"{(side + who).capitalize()} are doing the work: relax them and "
                  f"{readouts.muscle_action(alert.target_muscle)}")
        if alert.metric == "cci":
            return advice, _numbers("co-contraction", alert, "above", "%")
        return advice, _numbers("ratio", alert, "above", "")
    where = f"the {alert.side} side" if alert.side else "the weaker side"
    advice = f"Left and right {readouts.plain_muscle(alert.muscle)} differ: push more with {where}"
    if alert.metric == "lsi":
        return advice, _numbers("symmetry", alert, "below", "%")
    return advice, _numbers("asymmetry", alert, "above", "%")


def _numbers(name: str, alert: AlertView, crossing: str, unit: str) -> str:
    """"ratio 1.12 · alert above 1.00, clears below 0.80": the value and both limits."""
    digits = 0 if unit else 2
    back = "at" if crossing == "below" else "below"
    value = "—" if alert.value is None else f"{abs(alert.value):.{digits}f}{unit}"
    return (f"{name} {value} · alert {crossing} {alert.alert_at:.{digits}f}{unit}, "
            f"clears {back} {alert.clears_at:.{digits}f}{unit}")


STRIP_PX = ITEM_PX + 3 * MARGIN_PX
"""The strip's height in reference px."""


def strip_height(surface: pygame.Surface, view: SessionView) -> int:
    """Screen px the banner strip takes at the bottom for ``view`` (0 when all is well): a
    screen lifts what it draws at the bottom above this."""
    return palette.px(surface, STRIP_PX) if alert_items(view) else 0


def reserved_strip_height(size: tuple[int, int]) -> int:
    """Screen px of the banner strip at ``size``: a layout that never moves (the clinician
    view) keeps this much free at the bottom."""
    return max(1, round(STRIP_PX * palette.scale_for(size)))


def shown_item(view: SessionView) -> tuple[str, str] | None:
    """The banner for ``view``: the only alert, or each in turn every :data:`ROTATE_NS` with
    its place ("1 of 2") on the headline; None when all is well."""
    items = alert_items(view)
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    k = (view.t_ns // ROTATE_NS) % len(items)
    headline, numbers = items[k]
    return f"{headline}  ({k + 1} of {len(items)})", numbers


class AlertOverlay(Screen):
    """Warning banners in the bottom strip of whatever screen is showing; nothing when all is
    well."""

    name = "alerts"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        item = shown_item(view)
        if item is None:
            return
        headline, numbers = item
        px = palette.px
        width, height = surface.get_size()
        box = pygame.Rect(0, 0, width - 2 * px(surface, 2 * MARGIN_PX),
                          px(surface, ITEM_PX + MARGIN_PX))
        box.midbottom = (width // 2, height - px(surface, MARGIN_PX))
        widgets.translucent_rect(surface, box, palette.WARNING, 235, px(surface, 12))
        pygame.draw.rect(surface, palette.WHITE, box, max(2, px(surface, 3)),
                         border_radius=px(surface, 12))
        text_w = box.width - px(surface, 76)
        x, y = box.left + px(surface, 60), box.centery
        _warning_sign(surface, (box.left + px(surface, 32), y), px(surface, 16))
        if not numbers:
            widgets.text(surface, headline, (x, y), 32, palette.WHITE, "midleft",
                         max_width=text_w)
            return
        widgets.text(surface, headline, (x, y + px(surface, 2)), 30, palette.WHITE,
                     "bottomleft", max_width=text_w)
        widgets.text(surface, numbers, (x, y + px(surface, 4)), 22, palette.WHITE, "topleft",
                     max_width=text_w)


def _warning_sign(surface: pygame.Surface, center: tuple[int, int], size: int) -> None:
    """A white triangle with an exclamation mark."""
    x, y = center
    pygame.draw.polygon(surface, palette.WHITE, [(x, y - size), (x + size, y + size * 0.8),
                                                 (x - size, y + size * 0.8)])
    pygame.draw.line(surface, palette.WARNING, (x, y - size * 0.45), (x, y + size * 0.25),
                     max(2, size // 5))
    pygame.draw.circle(surface, palette.WARNING, (x, round(y + size * 0.55)), max(1, size // 8))
