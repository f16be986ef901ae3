"""The six-week programme's protocol, and the virtual patient of each week as ``play`` options.

Quad sets with both legs, the symmetry measured; the patient's true involved-side %MVC and limb
symmetry are set per session through ``--patient-deficit`` (the involved side falls short) and
``--patient-effort`` (how hard the patient works on the cue, the middle of the band).
"""

from __future__ import annotations

from pathlib import Path

from engine.protocol import Protocol, load_protocol

#: Quad sets with both legs, the symmetry measured, three reps of a 10 s hold (the usual quad set).
PROTOCOL_TOML = """
name = "Quad set with symmetry"
kind = "hold"

[target]
muscle = "quadriceps"
side = "both"
low_pct = 15.0
high_pct = 90.0
hysteresis_pct = 2.0
dwell_s = 0.2

[timing]
ready_s = 3.0
hold_s = 10.0
contract_s = 12.0
rest_s = 5.0
reps = 3
sets = 1
dip_tolerance_s = 0.5

[symmetry]
metric = "lsi"
threshold_pct = 90.0
hysteresis_pct = 3.0
window_s = 1.0
min_activation_pct = 5.0
min_duration_s = 1.0

[progression]
min_peak_pct = 60.0
min_symmetry_pct = 90.0
last_reps = 3
"""


def programme_protocol(folder: Path) -> Protocol:
    path = folder / "quad_set_symmetry.toml"
    path.write_text(PROTOCOL_TOML)
    return load_protocol(path)


def patient_options(protocol: Protocol, *, involved_pct: float, lsi_pct: float) -> list[str]:
    """``play`` options for a patient whose involved side holds at ``involved_pct`` %MVC with a
    limb symmetry index of ``lsi_pct`` %: the uninvolved side holds ``involved_pct / lsi_pct``
    of its maximum, and the involved side falls short of it by ``1 - lsi_pct / 100``."""
    band_middle_pct = (protocol.target.low_pct + protocol.target.high_pct) / 2
    uninvolved_pct = 100.0 * involved_pct / lsi_pct
    return ["--patient-deficit", f"{100.0 - lsi_pct:g}",
            "--patient-effort", f"{100.0 * uninvolved_pct / band_middle_pct:.3f}"]
