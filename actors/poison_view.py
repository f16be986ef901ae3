"""The poison rule for views: a view that crashed the renderer twice is not drawn again.

The channels apply the same rule to inputs (:mod:`engine.runtime.incarnation`); a view comes
from a latest-value channel, which cannot tell, so the render actor keeps count itself. One
crash may be bad luck (the renderer restarts and tries again); a second one on the same view
version would make the supervisor give up on a renderer that only that view breaks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from engine.runtime.incarnation import current_incarnation

log = logging.getLogger(__name__)


class PoisonViewGuard:
    """Remembers which view version crashed the renderer, and which is poison."""

    def __init__(self) -> None:
        self._crashed_version: int | None = None
        self.poison_version: int | None = None
        """The view version never to draw again (None while there is none)."""

    def is_poison(self, version: int) -> bool:
        """Whether view ``version`` crashed the renderer twice."""
        return version == self.poison_version

    @contextmanager
    def drawing(self, version: int) -> Iterator[None]:
        """Around drawing view ``version``: a crash is counted, then raised on."""
        try:
            yield
        except Exception:
            if version == self._crashed_version:
                self._declare_poison(version)
            self._crashed_version = version
            raise

    def _declare_poison(self, version: int) -> None:
        self.poison_version = version
        message = f"view {version} crashed the renderer twice; it will not be drawn again"
        incarnation = current_incarnation()
        if incarnation is not None:
            incarnation.report_poison(message)
        else:
            log.error("%s", message)
