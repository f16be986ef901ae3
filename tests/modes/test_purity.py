"""modes/ reads no clock and no global random state (checked in the source, by the AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.source_imports import imported_modules

MODES = Path(__file__).resolve().parents[2] / "modes"
FORBIDDEN_MODULES = {"time", "datetime", "random", "secrets"}
#: numpy.random members that do not touch the global state.
ALLOWED_NUMPY_RANDOM = {"default_rng", "Generator"}


def offences(source: str) -> list[str]:
    found = [
        imported.module for imported in imported_modules(source)
        if imported.module.split(".")[0] in FORBIDDEN_MODULES
        or (imported.module + ".").startswith("pygame.time.")
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            owner = node.value
            if isinstance(owner.value, ast.Name) and owner.value.id in ("np", "numpy") and (
                owner.attr == "random" and node.attr not in ALLOWED_NUMPY_RANDOM
            ):
                found.append(f"np.random.{node.attr}")
            if isinstance(owner.value, ast.Name) and owner.value.id == "pygame" and (
                owner.attr == "time"
            ):
                found.append(f"pygame.time.{node.attr}")
    return found


@pytest.mark.parametrize("path", sorted(MODES.glob("*.py")), ids=lambda p: p.name)
def test_no_clock_and_no_global_randomness(path: Path) -> None:
    assert offences(path.read_text()) == []


def test_the_check_catches_what_it_should() -> None:
    bad = "import time\nfrom datetime import datetime\nimport numpy as np\nnp.random.rand(3)\n" \
          "pygame.time.get_ticks()\n"
    assert offences(bad) == [
        "time", "datetime.datetime", "np.random.rand", "pygame.time.get_ticks"
    ]
    assert offences("from pygame import time\nfrom pygame.time import Clock\n") == [
        "pygame.time", "pygame.time.Clock"
    ]
    assert offences("import numpy as np\nnp.random.default_rng(1)\n") == []
