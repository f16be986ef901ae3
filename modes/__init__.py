"""pygame scenes that draw a snapshot of the game state and never change it.

Every screen is a :class:`modes.base.Mode`: built once with a :class:`modes.base.ModeContext`,
then asked to ``draw(surface, view)`` for each :class:`engine.view.SessionView`. Modes read no
clock and no global random state; whatever moves on screen is a function of the view's sample
time, so the same view always gives the same pixels.

- :mod:`modes.registry`: every mode by name, and :func:`~modes.registry.layers_for`, which
  picks the layers a view calls for (calibration, the training mode, pause, summary, alerts);
  :mod:`modes.training_modes` names the modes a player can choose, for the command line, the
  start menu and the renderer alike;
- games: :mod:`modes.hold` (balloon in a band), :mod:`modes.symmetry_game` (seesaw),
  :mod:`modes.runner` (rocket through gates), and :mod:`modes.clinician` (traces and numbers);
- screens: :mod:`modes.start`, :mod:`modes.status`, :mod:`modes.calibration_screen`,
  :mod:`modes.pause`, :mod:`modes.summary_screen`, and the :mod:`modes.alerts` overlay;
- building blocks: :mod:`modes.palette` (Okabe–Ito colours, large type), :mod:`modes.widgets`,
  :mod:`modes.scenery`, :mod:`modes.readouts` (numbers and words from a view);
- beside the view: :mod:`modes.trace` (envelope history), :mod:`modes.course` (seeded gates),
  :mod:`modes.menu` (start-menu state), :mod:`modes.latency` (frame latency statistics),
  :mod:`modes.audio` (synthesized cues and when to play them).
"""
