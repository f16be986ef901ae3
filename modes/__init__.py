"""pygame scenes that draw a snapshot of the game state and never change it."""
