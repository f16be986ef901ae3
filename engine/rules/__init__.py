"""The rules: %MVC envelopes in, exercise judgements out.

The modules, outside in:

- ``protocol_runner``: :class:`RulesEngine`, blocks and config changes in, events out;
- ``config_changes``: ``rules.*`` config changes decoded into typed settings, queued;
- ``ticks``: the envelope decimated to rule ticks by absolute sample index;
- ``exercise``: one run of one protocol, the per-tick composition of the machines below;
- ``exercise_report``: the snapshot a game draws and the session summary;
- ``phases``: phases and their timers; ``pauses``: who paused, since when, for how long;
- ``quality_gate``: which signal problems pause the exercise, and when it may resume;
- ``target``: the difficulty, and the zone and hold at it (``zones``, ``holds`` the parts);
- ``reps``: reps and sets, their measurements and results (``session_summary`` the records);
- ``comparisons``: symmetry (``symmetry_monitor``) and compensation (``compensation``) on
  window means (``windows``);
- ``adaptive``: shaping the difficulty; ``progression``: ready for more load;
- ``feedback``: whether the live bar is shown; ``muscle_columns``: muscles to columns;
- ``kinds``: the event kinds and phases; ``event_log``: the events of a step, alert counts.
"""

from engine.rules.kinds import EventKind, Phase
from engine.rules.protocol_runner import RulesEngine
from engine.rules.session_summary import RepResult, SessionSummary, SetResult

__all__ = [
    "EventKind",
    "Phase",
    "RepResult",
    "RulesEngine",
    "SessionSummary",
    "SetResult",
]
