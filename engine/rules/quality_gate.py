"""The quality gate: a bad signal pauses the exercise instead of being judged.

Saturation, a flat line, mains, lift-off, a gap (whichever the protocol pauses on), a value
that is not finite or filters still settling after an artefact (always) on any channel the
rules read stops the exercise; it resumes once every one of them has been clean for
``resume_after_s``. Rewarding noise would teach nothing, and a rep
judged on a lifted electrode would be a lie.
"""

from __future__ import annotations

import math

from engine.clock import s_to_ns
from engine.messages import QualityFlag
from engine.protocol import QualityRule


def flag_names(mask: int) -> list[str]:
    """The lower-case names of the flags in ``mask`` ("lift_off", ...)."""
    return [flag.name.lower() for flag in QualityFlag if flag.name and mask & flag]


class QualityGate:
    """Which flags pause the exercise, and since when the signal has been clean again."""

    __slots__ = ("_clean_since_ns", "pause_mask", "resume_ns")

    def __init__(self, rule: QualityRule) -> None:
        # Whatever the protocol says, bad samples and filters still settling after an artefact
        # are never judged: their %MVC is not the muscle's.
        self.pause_mask = int(rule.pause_on | QualityFlag.NONFINITE | QualityFlag.SETTLING)
        self.resume_ns = s_to_ns(rule.resume_after_s)
        self._clean_since_ns: int | None = None

    def problems(
        self,
        columns: tuple[int, ...],
        values: list[float],
        uv: list[float],
        quality: list[int] | None,
    ) -> int:
        """The pausing flags on ``columns`` at one tick (0 when the signal is fine).

        ``values`` are what the rules judge (%MVC, or µV before a calibration); a non-finite
        value there or in the envelope ``uv`` counts as :attr:`QualityFlag.NONFINITE`.
        """
        bad = 0
        total = 0.0
        for column in columns:
            total += values[column] + uv[column]
        if quality is not None:
            for column in columns:
                bad |= quality[column]
            bad &= self.pause_mask
        if not math.isfinite(total):
            bad |= QualityFlag.NONFINITE
        return int(bad)

    def flagged(
        self,
        labels: tuple[str, ...],
        columns: tuple[int, ...],
        values: list[float],
        uv: list[float],
        quality: list[int] | None,
    ) -> list[str]:
        """The labels of the channels among ``columns`` that have a pausing problem."""
        return [
            labels[c] for c in columns
            if (quality is not None and quality[c] & self.pause_mask)
            or not math.isfinite(values[c] + uv[c])
        ]

    def wait_for_clean(self) -> None:
        """The exercise was just paused: the clean time counts from the next clean tick."""
        self._clean_since_ns = None

    def clean_long_enough(self, t_ns: int, bad: int) -> bool:
        """While paused: whether the signal has now been clean for the resume time."""
        if bad:
            self._clean_since_ns = None
            return False
        if self._clean_since_ns is None:
            self._clean_since_ns = t_ns
        return t_ns - self._clean_since_ns >= self.resume_ns
