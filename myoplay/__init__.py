"""myoplay the application: the ``myoplay`` command line and what it sets up around a session.

The outermost layer: it wires the engine, the sensors, the recordings, the game modes and the
actors together for a person at a terminal, and nothing else in the tree imports it. Start at
:mod:`myoplay.cli`; each subcommand is a ``myoplay.<name>_command`` module.
"""
