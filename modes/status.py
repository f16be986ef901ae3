"""The sensor status screen: is the sensor connected, is each channel usable, is data lost.

Shown before the exercise and whenever the connection is not healthy, so nobody trains on noise.
"""

from __future__ import annotations

import pygame

from engine.view import SessionView
from modes import palette, readouts, widgets
from modes.base import Screen

#: Envelope shown full-scale on the status bars, in µV (a resting muscle sits far below).
_FULL_SCALE_UV = 500.0


class SensorStatusScreen(Screen):
    """Connection, per-channel quality and packet loss."""

    name = "status"

    def draw(self, surface: pygame.Surface, view: SessionView) -> None:
        surface.fill(palette.BACKGROUND)
        px = palette.px
        width = surface.get_width()
        connected = view.sensor_status == "connected"
        widgets.text(surface, "Sensor", (px(surface, 40), px(surface, 30)), palette.SIZE_TITLE)
        widgets.badge(surface, view.sensor_status, (px(surface, 250), px(surface, 40)),
                      palette.GOOD if connected else palette.CAUTION, 40)
        loss_colour = palette.GOOD if view.packet_loss_pct < 1.0 else palette.WARNING
        widgets.text(surface, f"packet loss {view.packet_loss_pct:.1f}%",
                     (width - px(surface, 40), px(surface, 48)), palette.SIZE_BODY, loss_colour,
                     "topright")
        if not view.channels:
            widgets.text(surface, "Waiting for the sensor…", surface.get_rect().center,
                         palette.SIZE_LARGE, palette.TEXT_DIM, "center")
            return
        top = px(surface, 180)  # below where the alert overlay's banner goes
        row_h = min(px(surface, 70), (surface.get_height() - top - px(surface, 60)) //
                    len(view.channels))
        for i, channel in enumerate(view.channels):
            y = top + i * row_h
            row = pygame.Rect(px(surface, 40), y, width - px(surface, 80), row_h - px(surface, 8))
            widgets.panel(surface, row, radius=10)
            mid = row.centery
            widgets.text(surface, channel.label, (row.left + px(surface, 20), mid), 36,
                         anchor="midleft")
            widgets.text(surface, f"{channel.muscle} ({channel.side.value})",
                         (row.left + px(surface, 190), mid), 28, palette.TEXT_DIM, "midleft")
            meter = pygame.Rect(row.left + px(surface, 560), 0, px(surface, 300), px(surface, 18))
            meter.centery = mid
            widgets.hbar(surface, meter, channel.envelope_uv / _FULL_SCALE_UV, palette.SKY_BLUE)
            widgets.text(surface, f"{channel.envelope_uv:.0f} µV",
                         (meter.right + px(surface, 12), mid), 26, palette.TEXT, "midleft")
            words = readouts.quality_words(channel.quality)
            widgets.badge(surface, ", ".join(words) if words else "good",
                          (row.right - px(surface, 16), mid),
                          palette.WARNING if words else palette.GOOD, 26, "midright",
                          palette.WHITE if words else palette.BLACK)
        hint = ("Signal looks good" if connected and not any(c.quality for c in view.channels)
                else "Press electrodes firmly on clean, dry skin; keep still while resting")
        widgets.text(surface, hint, (width // 2, surface.get_height() - px(surface, 24)),
                     palette.SIZE_SMALL, palette.TEXT_DIM, "midbottom")
