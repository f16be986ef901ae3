"""myoplay's benchmarks: each ``bench/bench_*.py`` module exposes ``run() -> list[Result]``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One measured figure, and where there is one, the reference it is judged against.

    ``target`` is the acceptance bound from the issue that set it; ``higher_is_better`` says in
    which direction it binds.
    """

    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str | None = None
    target: float | None = None
    higher_is_better: bool = False

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target
