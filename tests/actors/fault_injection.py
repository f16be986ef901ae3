"""Crashes injected into one actor of a running session, at seeded moments.

A :class:`FaultPlan` wraps methods an actor calls for every item it handles (its channel sends,
its outbox, its pure core, its writer) and raises :class:`InjectedFault` on chosen calls made
inside that actor's supervised runs, told apart by the incarnation the supervisor sets: the
same method called by another actor is left alone. Error records themselves are never
interrupted: they are sent from inside the supervisor, which is not what is under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from engine.messages import ErrorReport
from engine.runtime.incarnation import current_incarnation


class InjectedFault(Exception):
    """A crash the test injected (any exception would do; this one is recognisable)."""


@dataclass
class FaultPlan:
    """Raise on calls number ``crash_at`` (counted over every wrapped method) in ``child_id``."""

    child_id: str
    crash_at: frozenset[int]
    calls: int = 0
    fired: list[int] = field(default_factory=list)

    @classmethod
    def seeded(cls, child_id: str, seed: int, horizon: int) -> FaultPlan:
        """One to three crashes at random calls in ``[20, horizon)``, at least 10 calls apart
        (so no item meets two of them and is skipped as poison)."""
        rng = np.random.default_rng(seed)
        count = int(rng.integers(1, 4))
        slots = rng.choice(np.arange(20, horizon, 20), size=count, replace=False)
        return cls(child_id, frozenset(int(s + rng.integers(0, 10)) for s in slots))

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def injected(*args: Any, **kwargs: Any) -> Any:
            incarnation = current_incarnation()
            mine = incarnation is not None and incarnation.child_id == self.child_id
            if mine and not any(isinstance(a, ErrorReport) for a in args):
                self.calls += 1
                if self.calls in self.crash_at:
                    self.fired.append(self.calls)
                    raise InjectedFault(f"injected fault at call {self.calls}")
            return function(*args, **kwargs)

        return injected

    def install(self, monkeypatch: pytest.MonkeyPatch, *targets: tuple[type, str]) -> None:
        """Wrap each ``(class, method name)`` for the rest of the test."""
        for cls, name in targets:
            monkeypatch.setattr(cls, name, self.wrap(getattr(cls, name)))
