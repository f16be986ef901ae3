"""Thin Trio shells around the pure engine: sensor, dsp, rules, render and recorder actors."""
