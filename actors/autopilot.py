"""The autopilot: a virtual patient's will, following the screen's cues like a compliant person.

With the simulated sensor and nobody at the keyboard (a headless demo, a test), something has to
decide when the virtual muscles contract. The autopilot reads the same snapshot the screen
shows and answers it after a human reaction time: maximal efforts when the calibration asks,
the middle of the target band (or well below the line in a relaxation drill) while the exercise
says contract, rest otherwise. Its commands travel as ordinary "activation" inputs, so they are
stamped and recorded like key presses.
"""

from __future__ import annotations

import trio

from actors.actor_messages import ACTIVATION_INPUT, ViewUpdate
from actors.input_sink import InputSink
from engine.messages import ChannelInfo, UserInput, canonical
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue
from engine.view import SessionView
from sensors.virtual_patient.comparison_client import VIRTUAL_CLIENT

#: A person's simple reaction time to a visual cue, s.
REACTION_S = 0.3
#: The most a cued sub-maximal effort reaches (a level of 1 is a maximal effort: see
#: :meth:`sensors.virtual_patient.patient.VirtualPatient.set_activation`).
SUB_MAXIMAL_CAP = 0.99


#: How hard a compliant patient works: the cued level itself.
FULL_EFFORT = 1.0


def commanded_activation(view: SessionView, effort: float = FULL_EFFORT) -> dict[str, float]:
    """The activation (0–1 of MVC) a compliant patient gives each channel for ``view``.

    ``effort`` scales what the exercise cues (the middle of the band, or the level under a
    relaxation line): 0.8 is a timid patient who stays short of it, 1.3 a keen one who
    overshoots; it is capped below a maximal effort. Calibration efforts are maximal whatever
    the effort, and a comparison's virtual client keeps its own true activations."""
    labels = [c.label for c in view.channels]
    rest = dict.fromkeys(labels, 0.0)
    calibration = view.calibration
    if calibration is not None and calibration.step == "effort":
        return dict.fromkeys(labels, 1.0)
    exercise = view.exercise
    if calibration is not None or exercise is None or exercise.phase != "contract":
        return rest
    if exercise.lab is not None:
        # A comparison: the virtual client does the variation's reps at its true activations.
        channels = tuple(ChannelInfo(c.label, c.muscle, c.side) for c in view.channels)
        return VIRTUAL_CLIENT.commanded(exercise.lab.variation_id, channels)
    if exercise.below_line:
        level = 0.3 * exercise.target_high_pct / 100.0
    else:
        level = (exercise.target_low_pct + exercise.target_high_pct) / 200.0
    for index in exercise.target_channels:
        rest[labels[index]] = round(min(level * effort, SUB_MAXIMAL_CAP), 3)
    return rest


class AutopilotActor(Actor):
    """Sends the compliant patient's activation whenever the cue it answers changes."""

    def __init__(
        self, views: LatestValue[ViewUpdate], inputs: InputSink, *,
        effort: float = FULL_EFFORT,
    ) -> None:
        super().__init__("autopilot")
        self.views = views
        self.inputs = inputs
        self.effort = effort
        """How hard the patient works on the exercise's cues (see :func:`commanded_activation`)."""
        self._sent: dict[str, float] = {}

    async def loop(self) -> None:
        seen = -1
        while True:
            seen, update = await self.views.wait_newer(seen)
            wanted = commanded_activation(update.view, self.effort)
            if wanted and wanted != self._sent:
                await trio.sleep(REACTION_S)
                self._sent = wanted
                await self.inputs.send(
                    UserInput(update.view.t_ns, ACTIVATION_INPUT, canonical(wanted))
                )
