"""The layering of the tree, checked in the source (by the syntax tree, nothing is imported).

Each layer may import only the layers below it, as the code stands today:

=================  ===========================================================
layer              may import
=================  ===========================================================
``engine``         nothing of myoplay's but itself (the pure core)
``engine.runtime`` ``engine``
``modes``          ``engine``
``replays``        ``engine``
``sensors``        ``engine``, ``engine.runtime``
``actors``         ``engine``, ``engine.runtime``, ``modes``, ``replays``, ``sensors``
``history``        ``engine``, ``replays`` (the client history store and progress reports)
``myoplay``        all of the above (the application, the outermost layer)
``bench``          all but ``myoplay``
=================  ===========================================================

``modes``, ``replays`` and ``sensors`` are siblings: none imports another. Frameworks are held
to the layers that need them: Trio only in ``engine.runtime``, ``sensors``, ``actors`` and
``myoplay``; pygame only in ``modes`` and ``actors``; bleak only in ``sensors``; matplotlib
only in ``history``; Dask (``dask``, ``distributed``) and ``pyarrow`` only in ``myoplay`` (where
a batch is scheduled and its tables written); pylsl only in ``sensors``, ``actors`` (and the
benchmarks); brainflow only in ``sensors``; the exchange formats' libraries (edfio, ezc3d,
pyxdf) only in ``replays``. Nothing but
``myoplay`` itself (and the tests) imports ``myoplay``. Imports inside functions and under
``TYPE_CHECKING`` count too: a layer that names a higher one, even lazily, depends on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.source_imports import imported_modules

ROOT = Path(__file__).resolve().parents[1]
PURE = "engine"
RUNTIME = "engine.runtime"

#: Which of myoplay's layers each layer may import (itself included).
MAY_IMPORT: dict[str, frozenset[str]] = {
    PURE: frozenset({PURE}),
    RUNTIME: frozenset({PURE, RUNTIME}),
    "modes": frozenset({PURE, "modes"}),
    "replays": frozenset({PURE, "replays"}),
    "sensors": frozenset({PURE, RUNTIME, "sensors"}),
    "actors": frozenset({PURE, RUNTIME, "modes", "replays", "sensors", "actors"}),
    "history": frozenset({PURE, "replays", "history"}),
    "myoplay": frozenset({PURE, RUNTIME, "modes", "replays", "sensors", "actors", "history",
                          "myoplay"}),
    "bench": frozenset({PURE, RUNTIME, "modes", "replays", "sensors", "actors", "history",
                        "bench"}),
}

#: The layers allowed to use each framework.
FRAMEWORK_USERS: dict[str, frozenset[str]] = {
    "trio": frozenset({RUNTIME, "sensors", "actors", "myoplay", "bench"}),
    "pygame": frozenset({"modes", "actors", "bench"}),
    "bleak": frozenset({"sensors"}),
    "matplotlib": frozenset({"history"}),
    # Batch re-analysis: the scheduling and the tables (myoplay.batch_*), not the work itself.
    "dask": frozenset({"myoplay"}),
    "distributed": frozenset({"myoplay"}),
    "pyarrow": frozenset({"myoplay"}),
    # Lab Streaming Layer: the LSL source and the session's outlet (and their benchmark).
    "pylsl": frozenset({"sensors", "actors", "bench"}),
    # BrainFlow boards: acquisition only, behind sensors.brainflow_source.
    "brainflow": frozenset({"sensors"}),
    # Exchange formats (EDF+/BDF+, C3D, XDF): read and written by replays' converters only.
    "edfio": frozenset({"replays"}),
    "ezc3d": frozenset({"replays"}),
    "pyxdf": frozenset({"replays"}),
}


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to, or None for the standard library and others'
    packages."""
    if module == RUNTIME or module.startswith(RUNTIME + "."):
        return RUNTIME
    top = module.split(".")[0]
    return top if top in MAY_IMPORT else None


def offences(source: str, module: str) -> list[str]:
    """``line: imported`` for every import of ``source`` (the module ``module``) that its layer
    may not make."""
    layer = layer_of(module)
    assert layer is not None, f"{module} is in no layer"
    package = module if module.endswith(".__init__") else module.rpartition(".")[0]
    found = []
    for imported in imported_modules(source, package.removesuffix(".__init__")):
        target = layer_of(imported.module)
        framework = imported.module.split(".")[0]
        if (target is not None and target not in MAY_IMPORT[layer]) or (
            framework in FRAMEWORK_USERS and layer not in FRAMEWORK_USERS[framework]
        ):
            found.append(f"{imported.line}: {imported.module}")
    return found


def modules_of(layer: str) -> list[tuple[str, Path]]:
    """Every module of ``layer``: its dotted name and its file."""
    folder = ROOT.joinpath(*layer.split("."))
    found = []
    for path in sorted(folder.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if layer_of(module) == layer:
            found.append((module, path))
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    modules = modules_of(layer)
    assert modules, f"no modules found for {layer}"
    found = {
        module: problems
        for module, path in modules
        if (problems := offences(path.read_text(encoding="utf-8"), module))
    }
    assert found == {}


def test_the_check_catches_what_it_should() -> None:
    pure = (
        "import trio\n"
        "from engine import runtime\n"
        "def f():\n"
        "    from actors.session import SessionPlan\n"
        "from engine.messages import Side\n"
        "import numpy as np\n"
    )
    assert offences(pure, "engine.training") == [
        "1: trio", "2: engine.runtime", "4: actors.session.SessionPlan"
    ]
    assert offences("import pygame\nfrom myoplay.cli import main\n", "modes.hold") == [
        "2: myoplay.cli.main"
    ]
    assert offences("import pygame\n", "engine.runtime.actor") == ["1: pygame"]
    assert offences("from .channels import LosslessChannel\n", "engine.runtime.actor") == []
    assert offences("from ..runtime import actor\n", "engine.dsp.pipeline") == [
        "1: engine.runtime.actor"
    ]
    assert offences("from myoplay.cli import main\n", "bench.bench_session") == [
        "1: myoplay.cli.main"
    ]
