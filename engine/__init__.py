"""myoplay's engine: pure EMG processing, rules and game state, plus the Trio runtime.

Everything in this package except :mod:`engine.runtime` is plain Python and numpy: no Trio, no
wall clock, no global random state and no I/O but reading a protocol's TOML text, so that a
replay gives the same results byte for byte, on any machine (see docs/architecture.md, "The
determinism contract"). The application around it is the :mod:`myoplay` package.
"""

__version__ = "0.2.0"
