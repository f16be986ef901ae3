"""Every mode draws every kind of view, at any window size, as a pure function of the view."""

from __future__ import annotations

import pygame
import pytest

from modes import registry
from modes.base import ModeContext
from modes.trace import EnvelopeTrace
from tests.modes import view_samples

SIZES = [(1280, 720), (320, 180), (1920, 1080), (800, 1000)]


@pytest.fixture(scope="module")
def context() -> ModeContext:
    trace = EnvelopeTrace()
    for k in range(120):
        trace.observe(view_samples.session(t_ns=view_samples.T_NS - (120 - k) * 50_000_000,
                                           left_pct=30.0 + k % 40))
    return ModeContext(trace=trace)


def pixels(surface: pygame.Surface) -> bytes:
    return pygame.image.tobytes(surface, "RGB")


@pytest.mark.parametrize("name", sorted(registry.MODES))
def test_every_mode_draws_every_view_identically_twice(name: str, context: ModeContext) -> None:
    mode = registry.create(name, context)
    for kind, view in view_samples.every_kind().items():
        first = pygame.Surface((640, 360))
        second = pygame.Surface((640, 360))
        mode.draw(first, view)
        mode.draw(second, view)
        assert pixels(first) == pixels(second), f"{name} drew {kind!r} differently twice"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(registry.MODES))
def test_modes_fit_any_window_size(name: str, size: tuple[int, int], context: ModeContext) -> None:
    surface = pygame.Surface(size)
    surface.fill((1, 2, 3))
    before = pixels(surface)
    registry.create(name, context).draw(surface, view_samples.session())
    if name not in ("alerts", "finale"):  # overlays paint nothing with nothing to show
        assert pixels(surface) != before, "nothing was drawn"


@pytest.mark.parametrize("name", ["hold", "runner", "symmetry", "start"])
def test_games_animate_with_sample_time_only(name: str, context: ModeContext) -> None:
    mode = registry.create(name, context)
    frames = []
    for t_ns in (view_samples.T_NS, view_samples.T_NS + 500_000_000, view_samples.T_NS):
        surface = pygame.Surface((640, 360))
        mode.draw(surface, view_samples.session(t_ns=t_ns))
        frames.append(pixels(surface))
    assert frames[0] != frames[1], "nothing moves when sample time advances"
    assert frames[0] == frames[2], "the same sample time must give the same frame"


def test_unknown_mode_is_a_config_error_naming_the_choices() -> None:
    from engine.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown mode 'flappy'") as info:
        registry.create("flappy")
    assert "hold" in str(info.value)
    with pytest.raises(ConfigError):
        registry.check_training_mode("summary")
