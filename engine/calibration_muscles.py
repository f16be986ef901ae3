"""Which muscles a calibration asks efforts of, and what it tells the patient for each.

Only the channels a protocol reads are calibrated (a quad-set patient contracts the operated
quadriceps alone; the hamstrings and the other leg must not have to rise). Channels of one muscle
are calibrated together, both sides at once when the protocol uses both (the position is the
same); different muscles get efforts of their own, because the positions differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.messages import ChannelInfo, Side
from engine.muscle_names import normalise_muscle

#: What to do for a maximal isometric effort of each muscle, with an external focus where one
#: exists ("press the knee down" rather than "tighten the quadriceps"): for one side (``{side}``
#: is "left" or "right") and for both. Muscles not listed get a generic instruction.
_ACTIONS = {
    "quadriceps": ("Tighten the {side} thigh: press the back of the knee down",
                   "Tighten both thighs: press the backs of the knees down"),
    "hamstrings": ("Pull the {side} heel down and back, as if bending the knee",
                   "Pull both heels down and back, as if bending the knees"),
    "gluteus_maximus": ("Squeeze the {side} buttock", "Squeeze both buttocks"),
    "gastrocnemius": ("Push the {side} toes down, as on a pedal",
                      "Push the toes of both feet down, as on a pedal"),
    "tibialis_anterior": ("Pull the {side} toes up towards you",
                          "Pull the toes of both feet up towards you"),
}


@dataclass(frozen=True, slots=True)
class CalibratedMuscle:
    """One muscle (on one side or both) calibrated by its own efforts."""

    name: str
    """As the patient reads it: "left quadriceps", "quadriceps (both sides)"."""
    columns: tuple[int, ...]
    """Indices into the source's channels."""
    instruction: str = ""
    """What to do during its efforts; empty for the generic "push as hard as you can"."""


def muscle_label(muscle: str, sides: Sequence[Side]) -> str:
    """"left quadriceps", "right hamstrings", "quadriceps (both sides)", "forearm flexors"."""
    readable = muscle.replace("_", " ")
    kinds = set(sides)
    if kinds == {Side.LEFT}:
        return f"left {readable}"
    if kinds == {Side.RIGHT}:
        return f"right {readable}"
    if kinds == {Side.LEFT, Side.RIGHT}:
        return f"{readable} (both sides)"
    return readable


def _instruction(muscle: str, sides: Sequence[Side], alone: bool) -> str:
    kinds = set(sides)
    action = _ACTIONS.get(muscle)
    if action is not None and kinds == {Side.LEFT, Side.RIGHT}:
        text = action[1]
    elif action is not None and len(kinds) == 1 and kinds <= {Side.LEFT, Side.RIGHT}:
        text = action[0].format(side=next(iter(kinds)).value)
    else:
        text = f"Contract the {muscle_label(muscle, sides)} as hard as you can"
    return text if alone else f"{text}; keep the rest relaxed"


def muscles_for(channels: Sequence[ChannelInfo], columns: Sequence[int]) -> tuple[
        CalibratedMuscle, ...]:
    """The muscles to calibrate for ``columns`` of ``channels`` (the protocol's), in the order
    their first channel comes, each with its instruction."""
    groups: dict[str, list[int]] = {}
    for column in sorted(set(columns)):
        groups.setdefault(normalise_muscle(channels[column].muscle), []).append(column)
    alone = len(groups) == 1 and len(columns) == len(channels)
    out = []
    for muscle, cols in groups.items():
        sides = [channels[c].side for c in cols]
        out.append(CalibratedMuscle(muscle_label(muscle, sides), tuple(cols),
                                    _instruction(muscle, sides, alone)))
    return tuple(out)
