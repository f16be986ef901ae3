"""The rules actor: the session's merge point, a thin shell around :class:`TrainingSession`.

Two inputs meet here: processed blocks from the DSP and inputs from the player (keys, menu
choices) or the clinician (settings). Trio interleaves them differently from run to run, so each
input is stamped, when taken in, with the sample time at which it takes effect; the stamped
input is what the recorder stores and what a replay re-applies, which keeps live and replayed
judgements identical. After each block the newest snapshot goes to the renderer (latest value:
a stale frame is worthless) and every event to the recorder (lossless).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import trio

from actors.actor_messages import ACTIVATION_INPUT, QUIT_INPUT, Processed, ViewUpdate
from actors.outbox import Outbox
from engine.messages import ConfigChange, Record, UserInput
from engine.runtime.actor import Actor
from engine.runtime.channels import LatestValue, LosslessChannel
from engine.training import TrainingSession


@dataclass
class RulesHooks:
    """What the session does when the player acts outside the judgements."""

    on_activation: Callable[[dict[str, float]], None] | None = None
    on_finished: Callable[[str], None] = field(default=lambda reason: None)
    """Called once for each of "completed", "quit" and "source ended" that happens."""


class RulesActor(Actor):
    """Steps the training core with processed blocks and stamped inputs.

    The core belongs to the session and keeps every step, so a block or input delivered again
    after a crash is stepped only if the crashed run had not stepped it; what that step still
    owed (records, the view, the input's effect) is sent from the :class:`Outbox`, once.
    """

    def __init__(
        self,
        core: TrainingSession,
        blocks: LosslessChannel[Processed],
        inputs: LosslessChannel[UserInput | ConfigChange],
        views: LatestValue[ViewUpdate],
        to_recorder: LosslessChannel[Record],
        *,
        group_delay_ms: float,
        hooks: RulesHooks | None = None,
    ) -> None:
        super().__init__("rules")
        self.core = core
        self.blocks = blocks
        self.inputs = inputs
        self.views = views
        self.to_recorder = to_recorder
        self.group_delay_ms = group_delay_ms
        self.hooks = hooks or RulesHooks()
        self._reasons: set[str] = set()
        self._block_outbox = Outbox()
        self._input_outbox = Outbox()

    async def setup(self) -> None:
        if self.views.get() is None:
            self.views.publish(ViewUpdate(self.core.view(), trio.current_time(),
                                          self.group_delay_ms))

    async def loop(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._take_inputs)
            async for processed in self.blocks:
                if not self._block_outbox.holds(processed):
                    self._block_outbox.load(processed, self._step(processed))
                self._block_outbox.flush()
                if self.core.finished:
                    self._finish("completed")
            self._finish("source ended")
            nursery.cancel_scope.cancel()

    def _step(self, processed: Processed) -> list[Callable[[], None]]:
        """Step the core with one block; the sends its result needs."""
        sends: list[Callable[[], None]] = [
            partial(self.to_recorder.send_nowait, record)
            for record in self.core.step(processed.block)
        ]
        update = ViewUpdate(self.core.view(), processed.arrival_s, self.group_delay_ms)
        return [*sends, partial(self.views.publish, update)]

    async def _take_inputs(self) -> None:
        async for item in self.inputs:
            if not self._input_outbox.holds(item):
                stamped = self.core.stamp(item)
                self.core.apply(stamped)
                self._input_outbox.load(item, [partial(self.to_recorder.send_nowait, stamped),
                                               partial(self._act_on, stamped)])
            self._input_outbox.flush()

    def _act_on(self, stamped: UserInput | ConfigChange) -> None:
        """What the actors themselves do about an input (the core judges the rest)."""
        if isinstance(stamped, UserInput):
            if stamped.kind == ACTIVATION_INPUT and self.hooks.on_activation is not None:
                levels = stamped.value if isinstance(stamped.value, dict) else {}
                self.hooks.on_activation(
                    {k: float(v) for k, v in levels.items() if isinstance(v, int | float)}
                )
            elif stamped.kind == QUIT_INPUT:
                self._finish("quit")

    def _finish(self, reason: str) -> None:
        if reason not in self._reasons:
            self._reasons.add(reason)
            self.hooks.on_finished(reason)
