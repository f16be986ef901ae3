"""A training session's calibration: the procedure under way, or the calibration in use.

Before a calibration the session runs a :class:`CalibrationProcedure` on raw envelopes; after it
(or given one up front) it normalises to %MVC with that calibration and watches for channels
going over 100 %MVC (a sign the calibration was too weak). A calibration must be for the same
channels and the same processing: a different envelope changes the %MVC scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.calibration import Calibration, Normalisation, OverMvcMonitor
from engine.calibration_muscles import CalibratedMuscle
from engine.calibration_procedure import CalibrationProcedure, CalibrationProtocol
from engine.errors import CalibrationError
from engine.held_blocks import held_row, is_held
from engine.messages import PlainValue, ProcessedBlock, RuleEvent, SourceInfo
from engine.rules import RulesEngine
from engine.rules.kinds import EventKind
from engine.rules.ticks import decimation_factor

FloatArray = np.ndarray[tuple[int], np.dtype[np.float64]]


class CalibrationStage:
    """Calibrates ``source`` (processed with ``signature``), then normalises its envelopes."""

    __slots__ = ("_signature", "_source", "calibration", "normalisation", "over_mvc", "procedure")

    def __init__(self, source: SourceInfo, signature: Mapping[str, PlainValue]) -> None:
        self._source = source
        self._signature = dict(signature)
        self.procedure: CalibrationProcedure | None = None
        self.calibration: Calibration | None = None
        self.normalisation: Normalisation | None = None
        self.over_mvc: OverMvcMonitor | None = None

    def start(self, protocol: CalibrationProtocol,
              muscles: Sequence[CalibratedMuscle] | None = None) -> None:
        """Calibrate (again) with ``protocol``, from the next sample: ``muscles`` (default:
        every channel together), each with efforts of its own."""
        self.procedure = CalibrationProcedure(
            self._source.labels, self._source.rate_hz, self._signature, protocol, muscles
        )

    def use(self, calibration: Calibration) -> None:
        """Normalise with ``calibration`` from now on; :class:`CalibrationError` if it does not
        fit this source and processing."""
        labels = self._source.labels
        if calibration.channels != labels:
            raise CalibrationError(
                f"calibration is for channels {', '.join(calibration.channels)}, the sensor has "
                f"{', '.join(labels)}",
                hint="calibrate again with this sensor",
            )
        if dict(calibration.pipeline) != self._signature:
            raise CalibrationError(
                "calibration was made with different processing settings",
                hint="calibrate again: a different envelope changes the %MVC scale",
            )
        self.calibration = calibration
        rate_hz = self._source.rate_hz
        self.over_mvc = OverMvcMonitor(calibration, rate_hz / decimation_factor(rate_hz))
        self.procedure = None
        self.normalisation = Normalisation.of(calibration)

    def finish(self, procedure: CalibrationProcedure) -> Calibration | RuleEvent:
        """The procedure (its result shown) is done: its calibration, now in use, or, when it
        does not fit, the event saying why (the procedure then starts over)."""
        calibration = procedure.result()
        try:
            self.use(calibration)
        except CalibrationError as error:
            self.start(procedure.protocol, procedure.muscles)
            return RuleEvent(calibration.t_ns, EventKind.CALIBRATION_FAILED.value, "",
                             {"reason": str(error)})
        return calibration

    def judge(
        self, rules: RulesEngine, part: ProcessedBlock
    ) -> tuple[list[RuleEvent], FloatArray | None]:
        """Rule events for raw-envelope ``part``, normalised by the calibration (if any: an MVC
        test needs none), and the last sample's %MVC (None for an empty part or without one).
        Only the samples the rules tick on are normalised: the over-MVC check takes the same
        ones."""
        normalisation = self.normalisation
        if normalisation is None:  # an MVC test without a calibration: judged in µV
            return rules.step(part), None
        assert self.over_mvc is not None
        events = rules.step(part, normalisation)
        if not part.n_samples:
            return events, None
        envelope = np.asarray(part.envelope_uv)
        last_pct: FloatArray = normalisation.apply(envelope[-1:])[1][0]
        rows = rules.tick_rows(part)
        if is_held(part):
            # A gap's held values: as many ticks as it spans, without listing them.
            n_ticks = len(range(part.n_samples)[rows])
            self.over_mvc.update_held(normalisation.apply(held_row(envelope))[1], n_ticks)
        else:
            self.over_mvc.update(normalisation.apply(envelope[rows])[1])
        return events, last_pct
