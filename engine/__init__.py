"""myoplay's engine: pure EMG processing, rules and game state, plus the Trio runtime.

Everything in this package except :mod:`engine.runtime` is plain Python and numpy: no Trio, no
I/O, no wall clock and no global random state, so that a replay gives the same results byte for
byte (see docs/architecture.md, "Determinism contract").
"""

__version__ = "0.1.0"
